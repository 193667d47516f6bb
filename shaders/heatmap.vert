// Full-target quad for the heatmap pass. The loader prepends the GLSL version line:
// "#version 300 es" for WebGL2, "#version 150" for desktop OpenGL 3.2 core.
in vec2 a_pos;        // [-1, 1]^2
out vec2 v_uv;        // [0, 1]^2
// The target texture's first memory row (GL y = -1) holds the matrix's top row, so
// ImGui::Image, which shows memory row 0 at the top, draws the matrix upright.
void main() {
    v_uv = vec2(0.5 * (a_pos.x + 1.0), 0.5 * (a_pos.y + 1.0));
    gl_Position = vec4(a_pos, 0.0, 1.0);
}
