// Runs before the wasm module starts. Mounts the persistent store (IndexedDB via IDBFS)
// and loads it before main(), so settings and progress are there on the first frame.
// Every file:// page shares one IndexedDB origin: the mount path names this app.
var Module = typeof Module !== 'undefined' ? Module : {};
Module.canvas = document.getElementById('canvas');
Module.esDataDir = '/edgestudy';
Module.esStorageError = null;
Module.preRun = Module.preRun || [];
Module.preRun.push(function () {
  try {
    FS.mkdir(Module.esDataDir);
    FS.mount(IDBFS, {}, Module.esDataDir);
  } catch (e) {
    Module.esStorageError = 'cannot mount the IndexedDB store: ' + e;
    return;
  }
  addRunDependency('edgestudy-idbfs');
  FS.syncfs(true, function (err) {
    if (err) Module.esStorageError = 'cannot load saved data from IndexedDB: ' + err;
    removeRunDependency('edgestudy-idbfs');
  });
});

// Saves to IndexedDB after a store write. syncfs is not queued by Emscripten: one at a
// time, and a save requested meanwhile runs right after. Data is durable in the callback.
(function () {
  var inFlight = false, pending = false;
  Module.esSaves = 0;
  Module.esPersist = function () {
    if (inFlight) { pending = true; return; }
    inFlight = true;
    FS.syncfs(false, function (err) {
      inFlight = false;
      if (err) Module.esStorageError = 'cannot save to IndexedDB: ' + err;
      else Module.esSaves++;
      if (pending) { pending = false; Module.esPersist(); }
    });
  };
  Module.esSaving = function () { return inFlight || pending; };
})();
