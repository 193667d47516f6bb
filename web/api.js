// window.edgestudy: the page's front door to the same command dispatcher as edgestudy-cli.
//
//   await edgestudy.ready;
//   await edgestudy.run({cmd: 'selftest'})          // -> {simd: true, build: "...", ...}
//   await edgestudy.run('{"cmd":"version"}')        // a JSON string works too
//   edgestudy.runSync({cmd: 'version'})             // synchronous, once ready
//   edgestudy.ui.get() / edgestudy.ui.set({panel: 'quiz', lang: 'en', theme: 'light'})
//
// Answers are plain objects with the CLI's JSON fields; a bad request answers
// {error: "..."} and never throws.
(function () {
  var resolveReady;
  var ready = new Promise(function (resolve) { resolveReady = resolve; });
  var statusEl = document.getElementById('status');

  function parseAnswer(text) {
    try { return JSON.parse(text); } catch (e) { return { error: 'the engine returned no valid JSON: ' + e }; }
  }
  function requestText(request) {
    if (typeof request === 'string') return request;
    if (request === null || typeof request !== 'object' || Array.isArray(request)) return null;
    try { return JSON.stringify(request); } catch (e) { return null; }
  }
  function call(name, argText) {
    try {
      return parseAnswer(argText === undefined
        ? Module.ccall(name, 'string', [], [])
        : Module.ccall(name, 'string', ['string'], [argText]));
    } catch (e) {
      return { error: 'internal error: ' + e };
    }
  }

  var api = {
    isReady: false,
    ready: ready,
    runSync: function (request) {
      if (!api.isReady) return { error: 'EdgeStudy is still loading; await edgestudy.ready first' };
      var text = requestText(request);
      if (text === null) return { error: 'a request must be an object or a JSON string such as {"cmd": "version"}' };
      return call('es_api_run', text);
    },
    run: function (request) {
      return ready.then(function () { return api.runSync(request); });
    },
    ui: {
      get: function () { return api.isReady ? call('es_ui_get') : { error: 'EdgeStudy is still loading' }; },
      set: function (request) {
        if (!api.isReady) return { error: 'EdgeStudy is still loading' };
        var text = requestText(request);
        if (text === null) return { error: 'a ui request must be an object such as {"panel": "quiz"}' };
        return call('es_ui_set', text);
      }
    },
    storage: {
      saving: function () { return !!(Module.esSaving && Module.esSaving()); },
      saves: function () { return Module.esSaves || 0; },
      error: function () { return Module.esStorageError; }
    }
  };
  window.edgestudy = api;

  Module.esMarkReady = function () {
    if (api.isReady) return;
    api.isReady = true;
    if (statusEl) statusEl.style.display = 'none';
    document.documentElement.setAttribute('data-edgestudy-ready', '1');
    resolveReady();
    window.dispatchEvent(new Event('edgestudy-ready'));
  };
  function showFatal(message) {
    if (!statusEl) return;
    statusEl.style.display = 'flex';
    statusEl.className = 'error';
    statusEl.textContent = 'EdgeStudy could not start · 無法啟動: ' + message;
  }
  Module.esFatal = showFatal;
  Module.onAbort = function (what) { showFatal(String(what)); };
  Module.canvas.addEventListener('mousedown', function () { Module.canvas.focus(); });
})();
