#include "platform/glfw_app.h"

#if defined(__EMSCRIPTEN__)
#define GLFW_INCLUDE_ES3
#endif
#include <GLFW/glfw3.h>

#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>

namespace es::platform {

bool glfw_app_init(glfw_app& app, int width, int height, ui::platform_hooks hooks, std::string* error) {
    if (!glfwInit()) {
        if (error) *error = "cannot initialise GLFW (no display?)";
        return false;
    }
#if defined(__EMSCRIPTEN__)
    const char* glsl_version = "#version 300 es";
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
#else
    const char* glsl_version = "#version 150";
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
#endif
    app.window = glfwCreateWindow(width, height, "EdgeStudy", nullptr, nullptr);
    if (!app.window) {
        if (error) *error = "cannot create a window with an OpenGL 3.2 / WebGL2 context";
        glfwTerminate();
        return false;
    }
    glfwMakeContextCurrent(app.window);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // layout is fixed; nothing to remember in imgui.ini
    io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
#if defined(__EMSCRIPTEN__)
    // Emscripten's GLFW has no cursor shapes, and its glfwSetInputMode(GLFW_CURSOR) calls
    // exitPointerLock/requestPointerLock, which throw in browsers without a user gesture.
    io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
#endif
    ImGui_ImplGlfw_InitForOpenGL(app.window, true);
    ImGui_ImplOpenGL3_Init(glsl_version);
    ImGui_ImplOpenGL3_CreateDeviceObjects();  // so a font rebuild only swaps the font texture

#if !defined(__EMSCRIPTEN__)
    float xs = 1.0f, ys = 1.0f;
    glfwGetWindowContentScale(app.window, &xs, &ys);
    app.st.device_scale = std::max(xs, ys);
#endif
    ui::app_init(app.st, std::move(hooks));
    app.last_time = glfwGetTime();
    return true;
}

void glfw_app_frame(glfw_app& app) {
    glfwPollEvents();
    ui::app_before_frame(app.st);
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    // The 1.86 GLFW backend asserts on a non-positive delta (possible under virtual time).
    ImGuiIO& io = ImGui::GetIO();
    if (io.DeltaTime <= 0.0f) io.DeltaTime = 1.0f / 60.0f;
    ImGui::NewFrame();
    ui::app_frame(app.st);
    ImGui::Render();
    int w = 0, h = 0;
    glfwGetFramebufferSize(app.window, &w, &h);
    glViewport(0, 0, w, h);
    const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

std::vector<unsigned char> glfw_app_read_pixels(glfw_app& app, int* width, int* height) {
    int w = 0, h = 0;
    glfwGetFramebufferSize(app.window, &w, &h);
    std::vector<unsigned char> px(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    // GL rows run bottom to top.
    const size_t row = static_cast<size_t>(w) * 4;
    for (int y = 0; y < h / 2; ++y)
        std::swap_ranges(px.begin() + static_cast<std::ptrdiff_t>(y * row),
                         px.begin() + static_cast<std::ptrdiff_t>((y + 1) * row),
                         px.begin() + static_cast<std::ptrdiff_t>((h - 1 - y) * row));
    for (size_t i = 3; i < px.size(); i += 4) px[i] = 255;
    *width = w;
    *height = h;
    return px;
}

void glfw_app_shutdown(glfw_app& app) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    if (app.window) glfwDestroyWindow(app.window);
    glfwTerminate();
}

}  // namespace es::platform
