#include "ui/heatmap.h"

#include "assets/assets.h"

#if defined(__EMSCRIPTEN__)
#include <GLES3/gl3.h>
#else
#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>
#include <GL/glext.h>
#endif

#include <cstdint>
#include <string>

namespace es::ui {

namespace {

#if defined(__EMSCRIPTEN__)
constexpr const char* glsl_prefix = "#version 300 es\nprecision highp float;\nprecision highp sampler2D;\n";
#else
constexpr const char* glsl_prefix = "#version 150\n";
#endif

unsigned compile(GLenum type, std::string_view body, std::string& error) {
    const std::string src = std::string(glsl_prefix) + std::string(body);
    const char* p = src.c_str();
    unsigned s = glCreateShader(type);
    glShaderSource(s, 1, &p, nullptr);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024] = {0};
        glGetShaderInfoLog(s, sizeof log, nullptr, log);
        error = std::string(type == GL_VERTEX_SHADER ? "vertex" : "fragment") + " shader: " + log;
        glDeleteShader(s);
        return 0;
    }
    return s;
}

struct saved_state {
    GLint fbo = 0, program = 0, vao = 0, tex = 0, viewport[4] = {0, 0, 0, 0};
    saved_state() {
        glGetIntegerv(GL_FRAMEBUFFER_BINDING, &fbo);
        glGetIntegerv(GL_CURRENT_PROGRAM, &program);
        glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &vao);
        glGetIntegerv(GL_TEXTURE_BINDING_2D, &tex);
        glGetIntegerv(GL_VIEWPORT, viewport);
    }
    ~saved_state() {
        glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(fbo));
        glUseProgram(static_cast<GLuint>(program));
        glBindVertexArray(static_cast<GLuint>(vao));
        glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(tex));
        glViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
    }
};

}  // namespace

bool heatmap_init(heatmap& hm) {
    if (hm.program) return true;
    auto vs_src = assets::text("shaders/heatmap.vert");
    auto fs_src = assets::text("shaders/heatmap.frag");
    if (vs_src.empty() || fs_src.empty()) {
        hm.error = "heatmap shaders are not embedded";
        return false;
    }
    unsigned vs = compile(GL_VERTEX_SHADER, vs_src, hm.error);
    if (!vs) return false;
    unsigned fs = compile(GL_FRAGMENT_SHADER, fs_src, hm.error);
    if (!fs) {
        glDeleteShader(vs);
        return false;
    }
    hm.program = glCreateProgram();
    glAttachShader(hm.program, vs);
    glAttachShader(hm.program, fs);
    glBindAttribLocation(hm.program, 0, "a_pos");
    glLinkProgram(hm.program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(hm.program, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = {0};
        glGetProgramInfoLog(hm.program, sizeof log, nullptr, log);
        hm.error = std::string("shader link: ") + log;
        glDeleteProgram(hm.program);
        hm.program = 0;
        return false;
    }
    hm.loc_data = glGetUniformLocation(hm.program, "u_data");
    hm.loc_range = glGetUniformLocation(hm.program, "u_range");
    hm.loc_diverging = glGetUniformLocation(hm.program, "u_diverging");
    hm.loc_grid = glGetUniformLocation(hm.program, "u_grid");
    hm.loc_cells = glGetUniformLocation(hm.program, "u_cells");

    saved_state keep;
    const float quad[] = {-1, -1, 1, -1, -1, 1, 1, 1};
    glGenVertexArrays(1, &hm.vao);
    glGenBuffers(1, &hm.vbo);
    glBindVertexArray(hm.vao);
    glBindBuffer(GL_ARRAY_BUFFER, hm.vbo);
    glBufferData(GL_ARRAY_BUFFER, sizeof quad, quad, GL_STATIC_DRAW);
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
    glBindVertexArray(0);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    glGenTextures(1, &hm.data_tex);
    glGenTextures(1, &hm.out_tex);
    glGenFramebuffers(1, &hm.fbo);
    return true;
}

bool heatmap_render(heatmap& hm, const float* data, int rows, int cols, float vmin, float vmax, bool diverging,
                    int width, int height) {
    if (!hm.program && !heatmap_init(hm)) return false;
    if (rows <= 0 || cols <= 0 || width <= 0 || height <= 0) {
        hm.error = "heatmap: empty matrix or target";
        return false;
    }
    saved_state keep;
    glBindTexture(GL_TEXTURE_2D, hm.data_tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, cols, rows, 0, GL_RED, GL_FLOAT, data);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);

    if (width != hm.out_w || height != hm.out_h) {
        glBindTexture(GL_TEXTURE_2D, hm.out_tex);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        hm.out_w = width;
        hm.out_h = height;
    }
    glBindFramebuffer(GL_FRAMEBUFFER, hm.fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, hm.out_tex, 0);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        hm.error = "heatmap: framebuffer incomplete";
        return false;
    }
    glViewport(0, 0, width, height);
    glDisable(GL_BLEND);
    glDisable(GL_SCISSOR_TEST);
    glDisable(GL_DEPTH_TEST);
    glUseProgram(hm.program);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, hm.data_tex);
    glUniform1i(hm.loc_data, 0);
    glUniform2f(hm.loc_range, vmin, vmax);
    glUniform1i(hm.loc_diverging, diverging ? 1 : 0);
    const float cell_px = static_cast<float>(width) / static_cast<float>(cols);
    glUniform1f(hm.loc_grid, cell_px >= 6.0f ? cell_px : 0.0f);
    glUniform2f(hm.loc_cells, static_cast<float>(cols), static_cast<float>(rows));
    glBindVertexArray(hm.vao);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    return true;
}

bool heatmap_read_pixel(heatmap& hm, int x, int y, unsigned char rgba[4]) {
    if (!hm.fbo || x < 0 || y < 0 || x >= hm.out_w || y >= hm.out_h) return false;
    saved_state keep;
    glBindFramebuffer(GL_FRAMEBUFFER, hm.fbo);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    // Memory row 0 holds the matrix's top row (see shaders/heatmap.vert).
    glReadPixels(x, y, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    return true;
}

void heatmap_destroy(heatmap& hm) {
    if (hm.program) glDeleteProgram(hm.program);
    if (hm.vbo) glDeleteBuffers(1, &hm.vbo);
    if (hm.vao) glDeleteVertexArrays(1, &hm.vao);
    if (hm.data_tex) glDeleteTextures(1, &hm.data_tex);
    if (hm.out_tex) glDeleteTextures(1, &hm.out_tex);
    if (hm.fbo) glDeleteFramebuffers(1, &hm.fbo);
    hm = heatmap{};
}

void* heatmap_texture_id(const heatmap& hm) {
    return reinterpret_cast<void*>(static_cast<std::intptr_t>(hm.out_tex));
}

std::string heatmap_self_check(heatmap& hm) {
    // [-1  0]    blue   white
    // [ 0  1]    white  red
    const float m[4] = {-1.0f, 0.0f, 0.0f, 1.0f};
    if (!heatmap_render(hm, m, 2, 2, -1.0f, 1.0f, true, 8, 8)) return hm.error;
    unsigned char tl[4], tr[4], br[4];
    heatmap_read_pixel(hm, 2, 2, tl);
    heatmap_read_pixel(hm, 5, 2, tr);
    heatmap_read_pixel(hm, 5, 5, br);
    const bool blue = tl[2] > 150 && tl[0] < 80;
    const bool white = tr[0] > 200 && tr[1] > 200 && tr[2] > 200;
    const bool red = br[0] > 150 && br[2] < 80;
    if (blue && white && red) return {};
    return "heatmap colours are wrong: top-left " + std::to_string(tl[0]) + "," + std::to_string(tl[1]) + "," +
           std::to_string(tl[2]) + " (want blue), bottom-right " + std::to_string(br[0]) + "," +
           std::to_string(br[1]) + "," + std::to_string(br[2]) + " (want red)";
}

}  // namespace es::ui
