// The page: the ImGui front end on WebGL2, plus the hooks behind window.edgestudy
// (web/api.js). IDBFS is mounted and loaded by web/pre.js before main() runs.
#include "api/dispatcher.h"
#include "platform/glfw_app.h"

#include <GLFW/glfw3.h>
#include <emscripten.h>
#include <emscripten/html5.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace {

es::platform::glfw_app* g_app = nullptr;

// clang-format off
EM_JS(char*, es_js_locale, (), {
    var l = (navigator.languages && navigator.languages.length) ? navigator.languages[0] : (navigator.language || "");
    return allocateUTF8(l);
});
EM_JS(void, es_js_persist, (), { if (Module.esPersist) Module.esPersist(); });
// A file for the student to keep (progress export): a download of a Blob, no network.
EM_JS(void, es_js_download, (const char* name, const char* text), {
  var blob = new Blob([UTF8ToString(text)], {type : 'application/json'});
  var a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = UTF8ToString(name);
  document.body.appendChild(a);
  a.click();
  setTimeout(function() { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
});
// The browser's file picker (a click just happened: the Import button); the file's text goes
// to the Quiz panel's import, which validates it before anything changes.
EM_JS(void, es_js_open_file, (), {
  var input = document.createElement('input');
  input.type = 'file';
  input.accept = '.json,application/json';
  input.onchange = function() {
    var f = input.files && input.files[0];
    if (!f) return;
    f.text().then(function(t) { if (window.edgestudy) window.edgestudy.ui.set({quiz : {import : t}}); });
  };
  input.click();
});
EM_JS(void, es_js_mark_ready, (), { if (Module.esMarkReady) Module.esMarkReady(); });
// Emscripten's glfwSetWindowSize asks for fullscreen whenever the size equals the screen
// size (always true for a full-window canvas on some devices): resize the canvas directly
// and tell GLFW, which ImGui's backend polls for the display size.
EM_JS(void, es_js_set_canvas_size, (int w, int h), {
    Browser.setCanvasSize(w, h);
    if (GLFW.active) { GLFW.active.width = w; GLFW.active.height = h; }
});
EM_JS(const char*, es_js_data_dir, (), { return allocateUTF8(Module.esDataDir || "/edgestudy"); });
// clang-format on

// The canvas fills the window (CSS); its backing store follows CSS size x devicePixelRatio.
void sync_canvas_size(es::platform::glfw_app& app) {
    double css_w = 0, css_h = 0;
    emscripten_get_element_css_size("#canvas", &css_w, &css_h);
    const double dpr = emscripten_get_device_pixel_ratio();
    const int w = std::max(1, static_cast<int>(std::lround(css_w * dpr)));
    const int h = std::max(1, static_cast<int>(std::lround(css_h * dpr)));
    int cur_w = 0, cur_h = 0;
    glfwGetWindowSize(app.window, &cur_w, &cur_h);
    if (w != cur_w || h != cur_h) es_js_set_canvas_size(w, h);
    app.st.device_scale = static_cast<float>(dpr);
}

void frame(void* arg) {
    auto& app = *static_cast<es::platform::glfw_app*>(arg);
    sync_canvas_size(app);
    es::platform::glfw_app_frame(app);
    // Ready once a full frame with tab positions has been drawn.
    if (app.st.frame == 2) es_js_mark_ready();
}

std::string g_answer;  // keeps the returned C string alive until the next call

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* es_api_run(const char* request) {
    g_answer = es::api::run_text(request ? request : "");
    return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* es_ui_get() {
    if (!g_app) return "{\"error\":\"the UI is not running yet\"}";
    auto j = es::ui::ui_state_json(g_app->st);
    j["device_pixel_ratio"] = g_app->st.device_scale;
    g_answer = j.dump();
    return g_answer.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* es_ui_set(const char* request) {
    if (!g_app) return "{\"error\":\"the UI is not running yet\"}";
    auto j = nlohmann::json::parse(request ? request : "", nullptr, false);
    g_answer = (j.is_discarded() ? es::api::make_error("the ui request is not valid JSON")
                                 : es::ui::ui_apply_json(g_app->st, j))
                   .dump();
    return g_answer.c_str();
}

}  // extern "C"

int main() {
    // The data the page embeds (--embed-file, see CMakeLists.txt): the Fashion-MNIST web
    // subsets and the shipped models.
    ::setenv("EDGESTUDY_FASHION_MNIST", "/data/fashion-mnist", 0);
    ::setenv("EDGESTUDY_MODELS", "/models", 0);
    static es::platform::glfw_app app;
    char* locale = es_js_locale();
    const char* dir = es_js_data_dir();
    es::ui::platform_hooks hooks{dir, locale, [] { es_js_persist(); },
                                 [](const std::string& name, const std::string& text) {
                                     es_js_download(name.c_str(), text.c_str());
                                 },
                                 [] { es_js_open_file(); }};
    std::free(locale);
    std::free(const_cast<char*>(dir));
    double css_w = 1280, css_h = 800;
    emscripten_get_element_css_size("#canvas", &css_w, &css_h);
    std::string err;
    if (!es::platform::glfw_app_init(app, static_cast<int>(css_w), static_cast<int>(css_h), hooks, &err)) {
        EM_ASM({ if (Module.esFatal) Module.esFatal(UTF8ToString($0)); }, err.c_str());
        return 1;
    }
    g_app = &app;
    emscripten_set_main_loop_arg(frame, &app, 0, false);
    return 0;
}
