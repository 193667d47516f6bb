// heatmap: draws a matrix of floats as a coloured image with the GLSL shaders in
// shaders/heatmap.{vert,frag} (the same source on WebGL2 and desktop OpenGL 3.2), into a
// texture that ImGui::Image shows. Used for weights, pruning masks and activations.
//
//   es::ui::heatmap hm;
//   if (!heatmap_init(hm)) show(hm.error);
//   heatmap_render(hm, data, rows, cols, -1.0f, 1.0f, true, 256, 256);
//   ImGui::Image(heatmap_texture_id(hm), ImVec2(256, 256));
#pragma once

#include <string>

namespace es::ui {

struct heatmap {
    unsigned program = 0, vao = 0, vbo = 0, data_tex = 0, out_tex = 0, fbo = 0;
    int out_w = 0, out_h = 0;
    int loc_data = -1, loc_range = -1, loc_diverging = -1, loc_grid = -1, loc_cells = -1;
    std::string error;  // why init or render failed
};

// Compiles the embedded shaders. False (with error set) when the GL driver rejects them.
bool heatmap_init(heatmap& hm);
// data: rows x cols, row-major, top row first. Renders into an RGBA8 texture of width x height.
bool heatmap_render(heatmap& hm, const float* data, int rows, int cols, float vmin, float vmax, bool diverging,
                    int width, int height);
// Reads one pixel (x, y from the top-left) of the last render; RGBA8.
bool heatmap_read_pixel(heatmap& hm, int x, int y, unsigned char rgba[4]);
void heatmap_destroy(heatmap& hm);
void* heatmap_texture_id(const heatmap& hm);

// Renders a known 2x2 matrix and checks the colours: proves the shader path works on
// this GPU/driver. Returns "" when it does, else what went wrong.
std::string heatmap_self_check(heatmap& hm);

}  // namespace es::ui
