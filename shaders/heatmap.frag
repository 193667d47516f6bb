// Colours a matrix of floats (an R32F texture, one texel per element) for the weight,
// mask and activation views. Diverging map for signed data (blue - white - red around 0),
// sequential map (dark - yellow) for non-negative data. Values below -1e29 mark the gaps
// between tiled feature maps and are left transparent.
uniform sampler2D u_data;     // [rows, cols] as a texture of width cols, height rows
uniform vec2 u_range;         // (vmin, vmax)
uniform int u_diverging;      // 1: signed data centred on 0
uniform float u_grid;         // > 0: darken cell borders when cells are this many pixels wide
uniform vec2 u_cells;         // (cols, rows)
in vec2 v_uv;
out vec4 frag_color;

vec3 diverging(float t) {     // t in [-1, 1]
    vec3 neg = vec3(0.13, 0.40, 0.80);
    vec3 mid = vec3(0.96, 0.96, 0.96);
    vec3 pos = vec3(0.80, 0.20, 0.15);
    return t < 0.0 ? mix(mid, neg, -t) : mix(mid, pos, t);
}

vec3 sequential(float t) {    // t in [0, 1]
    vec3 a = vec3(0.07, 0.05, 0.20);
    vec3 b = vec3(0.75, 0.20, 0.45);
    vec3 c = vec3(0.99, 0.90, 0.35);
    return t < 0.5 ? mix(a, b, 2.0 * t) : mix(b, c, 2.0 * t - 1.0);
}

void main() {
    float v = texture(u_data, v_uv).r;
    if (v < -1e29) {          // a gap between tiled feature maps: transparent
        frag_color = vec4(0.0);
        return;
    }
    vec3 colour;
    if (u_diverging == 1) {
        float m = max(abs(u_range.x), abs(u_range.y));
        colour = diverging(clamp(m > 0.0 ? v / m : 0.0, -1.0, 1.0));
    } else {
        float span = u_range.y - u_range.x;
        colour = sequential(clamp(span > 0.0 ? (v - u_range.x) / span : 0.0, 0.0, 1.0));
    }
    if (u_grid > 0.0) {
        vec2 f = fract(v_uv * u_cells);
        vec2 px = u_grid * f;
        if (px.x < 1.0 || px.y < 1.0) colour *= 0.6;
    }
    frag_color = vec4(colour, 1.0);
}
