// glfw_app: the window, GL context and ImGui backends shared by the desktop app and the
// page (GLFW natively, Emscripten's GLFW on WebGL2 in the page).
//
//   es::platform::glfw_app app;
//   if (!glfw_app_init(app, 1280, 800, hooks, &err)) ...;
//   while (!glfwWindowShouldClose(app.window)) { glfw_app_frame(app); glfwSwapBuffers(app.window); }
#pragma once

#include "ui/app.h"

#include <string>
#include <vector>

struct GLFWwindow;

namespace es::platform {

struct glfw_app {
    GLFWwindow* window = nullptr;
    ui::app_state st;
    double last_time = 0.0;
};

bool glfw_app_init(glfw_app& app, int width, int height, ui::platform_hooks hooks, std::string* error);
// Polls events, builds and renders one frame into the back buffer (no swap).
void glfw_app_frame(glfw_app& app);
// Reads the back buffer as RGBA rows, top to bottom.
std::vector<unsigned char> glfw_app_read_pixels(glfw_app& app, int* width, int* height);
void glfw_app_shutdown(glfw_app& app);

}  // namespace es::platform
