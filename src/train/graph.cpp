// train_graph: planning (prepare), the training forward pass and the backward pass.
//
// Notation in the comments: X the input of a node, Y its output, dX/dY their gradients,
// W its weights; P = batch * H * W pixels. Every GEMM is C[m][n] = A[m][k] * B[k][n] on the
// engine kernel (B packed into 8-column panels for the SIMD kernel, row-major for the
// reference one):
//   conv 1x1 / fc:  Y  = X W^T          dX = dY W          dW = dY^T X
//   conv k x k:     Y  = cols(X) W^T    dX = col2im(dY W)  dW = dY^T cols(X)
// (per group; cols = im2col, cached from the forward pass). dW = dY^T X reduces over all P
// pixels: it runs in chunks of 256 pixels (dY chunk transposed, X chunk packed) so each
// operand stays in L1, each chunk's product added into the gradient.
#include "train/graph.h"

#include "engine/arena_planner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace es::train {

using engine::act;
using engine::op;
using engine::shape;

namespace {

constexpr std::size_t align_floats = 16;
std::size_t round_up(std::size_t n) { return (n + align_floats - 1) / align_floats * align_floats; }

struct bump {  // sequential allocator over one buffer (offsets in floats)
    std::size_t top = 0;
    std::size_t alloc(std::size_t n) {
        const std::size_t off = top;
        top += round_up(std::max<std::size_t>(n, 1));
        return off;
    }
};

kernels::epilogue epi(act a) { return static_cast<kernels::epilogue>(a); }
bool ref_mode() { return kernels::mode() == kernels::kernel_mode::kernel_mode_ref; }

// ---------------------------------------------------------------------------------------------
// GEMM operand packing and the product
// ---------------------------------------------------------------------------------------------

// Floats a packed B [k][n] takes (enough for either layout).
std::size_t pack_size(int n, int k) { return static_cast<std::size_t>((n + 7) / 8) * 8 * static_cast<std::size_t>(k); }

// B[p][j] = src[p * ld + j]   (B given row-major, rows of length >= n)
void pack_kn(float* dst, int k, int n, const float* src, std::size_t ld) {
    if (ref_mode()) {
        for (int p = 0; p < k; ++p)
            std::memcpy(dst + static_cast<std::size_t>(p) * n, src + p * ld, static_cast<std::size_t>(n) * sizeof(float));
        return;
    }
    const int panels = (n + 7) / 8;
    for (int pnl = 0; pnl < panels; ++pnl) {
        const int col = pnl * 8, nc = std::min(8, n - col);
        float* d = dst + static_cast<std::size_t>(pnl) * k * 8;
        for (int p = 0; p < k; ++p, d += 8) {
            const float* s = src + p * ld + col;
            if (nc == 8) {
                std::memcpy(d, s, 8 * sizeof(float));
            } else {
                for (int j = 0; j < nc; ++j) d[j] = s[j];
                for (int j = nc; j < 8; ++j) d[j] = 0.0f;
            }
        }
    }
}

// B[p][j] = src[j * ld + p]   (B given as n rows of k: the [out][in] weight layout)
void pack_nk(float* dst, int k, int n, const float* src, std::size_t ld) {
    if (ref_mode()) {
        for (int j = 0; j < n; ++j) {
            const float* s = src + j * ld;
            for (int p = 0; p < k; ++p) dst[static_cast<std::size_t>(p) * n + j] = s[p];
        }
        return;
    }
    const int panels = (n + 7) / 8;
    for (int pnl = 0; pnl < panels; ++pnl) {
        float* d = dst + static_cast<std::size_t>(pnl) * k * 8;
        for (int j = 0; j < 8; ++j) {
            const int col = pnl * 8 + j;
            if (col < n) {
                const float* s = src + col * ld;
                for (int p = 0; p < k; ++p) d[static_cast<std::size_t>(p) * 8 + j] = s[p];
            } else {
                for (int p = 0; p < k; ++p) d[static_cast<std::size_t>(p) * 8 + j] = 0.0f;
            }
        }
    }
}

// C[m][n] = act(bias + A[m][k] * B[k][n]) with B packed by pack_kn / pack_nk in this mode.
void mm(int m, int n, int k, const float* a, int lda, const float* b, const float* bias, float* c, int ldc,
        kernels::epilogue e = kernels::epilogue::none) {
    if (m <= 0 || n <= 0) return;
    if (ref_mode()) kernels::gemm_f32__ref(m, n, k, a, lda, b, bias, c, ldc, e);
    else kernels::gemm_f32__simd(m, n, k, a, lda, b, bias, c, ldc, e);
}

constexpr int tn_chunk = 256;

std::size_t tn_need(int m, int n, std::size_t pixels) {
    const int kc = static_cast<int>(std::min<std::size_t>(pixels, tn_chunk));
    return round_up(static_cast<std::size_t>(m) * kc) + round_up(pack_size(n, kc)) +
           round_up(static_cast<std::size_t>(m) * n);
}

// C[i][j] += sum_p A[p * lda + i] * B[p * ldb + j]   (C = A^T B: weight gradients)
void gemm_tn_acc(std::size_t pixels, int m, int n, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                 float* c, std::size_t ldc, float* work) {
    const int kc_max = static_cast<int>(std::min<std::size_t>(pixels, tn_chunk));
    float* at = work;
    float* bp = at + round_up(static_cast<std::size_t>(m) * kc_max);
    float* tmp = bp + round_up(pack_size(n, kc_max));
    for (std::size_t p0 = 0; p0 < pixels; p0 += static_cast<std::size_t>(kc_max)) {
        const int kc = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(kc_max), pixels - p0));
        // at[i][pp] = A[p0 + pp][i], in blocks of 8 pixels so reads and writes stay local.
        for (int q0 = 0; q0 < kc; q0 += 8) {
            const int q1 = std::min(kc, q0 + 8);
            for (int i = 0; i < m; ++i) {
                float* d = at + static_cast<std::size_t>(i) * kc;
                for (int q = q0; q < q1; ++q) d[q] = a[(p0 + static_cast<std::size_t>(q)) * lda + static_cast<std::size_t>(i)];
            }
        }
        pack_kn(bp, kc, n, b + p0 * ldb, ldb);
        mm(m, n, kc, at, kc, bp, nullptr, tmp, n);
        for (int i = 0; i < m; ++i) {
            float* __restrict ci = c + static_cast<std::size_t>(i) * ldc;
            const float* __restrict ti = tmp + static_cast<std::size_t>(i) * n;
            for (int j = 0; j < n; ++j) ci[j] += ti[j];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Element-wise helpers
// ---------------------------------------------------------------------------------------------

// Per-channel sums of rows of x [pixels][c] (blocks of 256 rows summed separately, then added:
// far less rounding than one running sum over 25,000 rows).
void channel_sums(std::size_t pixels, int c, const float* x, float* sum, float* block) {
    std::fill(sum, sum + c, 0.0f);
    for (std::size_t p0 = 0; p0 < pixels; p0 += 256) {
        const std::size_t p1 = std::min(pixels, p0 + 256);
        std::fill(block, block + c, 0.0f);
        for (std::size_t p = p0; p < p1; ++p) {
            const float* __restrict r = x + p * static_cast<std::size_t>(c);
            float* __restrict b = block;
            for (int j = 0; j < c; ++j) b[j] += r[j];
        }
        for (int j = 0; j < c; ++j) sum[j] += block[j];
    }
}

template <bool Acc>
inline void put(float* __restrict d, const float* __restrict s, std::size_t n) {
    if constexpr (Acc) {
        for (std::size_t i = 0; i < n; ++i) d[i] += s[i];
    } else {
        std::memcpy(d, s, n * sizeof(float));
    }
}
inline void put(bool acc, float* d, const float* s, std::size_t n) { acc ? put<true>(d, s, n) : put<false>(d, s, n); }


// d act(x) / dx at pre-activation x, y = act(x); kinks as graph.h says.
inline float act_deriv(act a, float x, float y) {
    switch (a) {
    case act::act_none: return 1.0f;
    case act::act_relu: return x > 0.0f ? 1.0f : 0.0f;
    case act::act_relu6: return x > 0.0f && x < 6.0f ? 1.0f : 0.0f;
    case act::act_hswish: return x < -3.0f ? 0.0f : (x <= 3.0f ? x * (1.0f / 3.0f) + 0.5f : 1.0f);
    case act::act_hsigmoid: return x > -3.0f && x < 3.0f ? 1.0f / 6.0f : 0.0f;
    case act::act_sigmoid: return y * (1.0f - y);
    }
    return 1.0f;
}

template <bool Acc, class F>
void act_grad_loop(std::size_t n, const float* __restrict v, const float* __restrict dy, float* __restrict dx, F f) {
    for (std::size_t i = 0; i < n; ++i) {
        const float g = f(v[i], dy[i]);
        if constexpr (Acc) dx[i] += g;
        else dx[i] = g;
    }
}

// dx (+)= dy * act'(x), elementwise over n. ReLU, ReLU6 and the sigmoid read only the output
// y (y > 0 <=> x > 0 and 0 < y < 6 <=> 0 < x < 6 exactly, and sigmoid' = y (1 - y)); the
// others only the input x. So a ReLU's input need not be kept for the backward pass.
template <bool Acc>
void act_grad_t(act a, std::size_t n, const float* x, const float* y, const float* dy, float* dx) {
    switch (a) {
    case act::act_none: act_grad_loop<Acc>(n, dy, dy, dx, [](float, float g) { return g; }); break;
    case act::act_relu: act_grad_loop<Acc>(n, y, dy, dx, [](float v, float g) { return v > 0.0f ? g : 0.0f; }); break;
    case act::act_relu6:
        act_grad_loop<Acc>(n, y, dy, dx, [](float v, float g) { return v > 0.0f && v < 6.0f ? g : 0.0f; });
        break;
    case act::act_hswish:
        act_grad_loop<Acc>(n, x, dy, dx, [](float v, float g) {
            return v < -3.0f ? 0.0f : (v <= 3.0f ? g * (v * (1.0f / 3.0f) + 0.5f) : g);
        });
        break;
    case act::act_hsigmoid:
        act_grad_loop<Acc>(n, x, dy, dx, [](float v, float g) { return v > -3.0f && v < 3.0f ? g * (1.0f / 6.0f) : 0.0f; });
        break;
    case act::act_sigmoid: act_grad_loop<Acc>(n, y, dy, dx, [](float v, float g) { return g * v * (1.0f - v); }); break;
    }
}
bool act_grad_reads_input(act a) { return a == act::act_hswish || a == act::act_hsigmoid; }
// ReLU and ReLU6 may read either side: x > 0 <=> y > 0 and 0 < x < 6 <=> 0 < y < 6 exactly.
bool act_grad_any_side(act a) { return a == act::act_relu || a == act::act_relu6; }
void act_grad(bool acc, act a, std::size_t n, const float* x, const float* y, const float* dy, float* dx) {
    acc ? act_grad_t<true>(a, n, x, y, dy, dx) : act_grad_t<false>(a, n, x, y, dy, dx);
}

// The depthwise SIMD kernel's weight layout (kernels::dw_pack) written into a planned buffer.
void dw_pack_into(int c, int taps, const float* w, float* out) {
    std::size_t o = 0;
    int c0 = 0;
    for (; c0 + 8 <= c; c0 += 8)
        for (int t = 0; t < taps; ++t)
            for (int j = 0; j < 8; ++j) out[o++] = w[static_cast<std::size_t>(t) * c + c0 + j];
    if (c0 + 4 <= c)
        for (int t = 0; t < taps; ++t)
            for (int j = 0; j < 4; ++j) out[o++] = w[static_cast<std::size_t>(t) * c + c0 + j];
}

// Adds the per-channel sums of g [pixels][c] into out (bias and BN beta gradients).
void add_channel_sums(std::size_t pixels, int c, const float* g, float* out, float* work) {
    channel_sums(pixels, c, g, work, work + round_up(static_cast<std::size_t>(c)));
    for (int j = 0; j < c; ++j) out[j] += work[j];
}

// dx[b][iy][ix][c0 + c] += dcols[b][oy][ox][(ky, kx, c)]: the adjoint of im2col over one group.
void col2im_acc(const kernels::dw_params& p, int c0, int cg, const float* dcols, float* dx) {
    const std::size_t kdim = static_cast<std::size_t>(p.kh) * p.kw * cg;
    for (int b = 0; b < p.n; ++b)
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox) {
                const float* row = dcols + ((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * kdim;
                for (int ky = 0; ky < p.kh; ++ky) {
                    const int iy = oy * p.sh - p.pad_t + ky;
                    if (iy < 0 || iy >= p.h) continue;
                    for (int kx = 0; kx < p.kw; ++kx) {
                        const int ix = ox * p.sw - p.pad_l + kx;
                        if (ix < 0 || ix >= p.w) continue;
                        float* __restrict d = dx + ((static_cast<std::size_t>(b) * p.h + iy) * p.w + ix) * p.c + c0;
                        const float* __restrict s = row + (static_cast<std::size_t>(ky) * p.kw + kx) * cg;
                        for (int c = 0; c < cg; ++c) d[c] += s[c];
                    }
                }
            }
}

// One tap of the depthwise backward over c channels: dx += dy * w, dw += x * dy.
inline void dw_tap(int c, const float* __restrict dy, const float* __restrict w, const float* __restrict x,
                   float* __restrict dx, float* __restrict dw) {
    for (int j = 0; j < c; ++j) {
        dx[j] += dy[j] * w[j];
        dw[j] += x[j] * dy[j];
    }
}

// Problems engine::validate() leaves to the executor but an out-of-range write would follow from.
std::string check_shapes(const engine::model& m) {
    for (std::size_t i = 1; i < m.nodes.size(); ++i) {
        const engine::node& n = m.nodes[i];
        const std::string where = "layer " + n.name + " (" + engine::op_name(n.type) + "): ";
        const shape& in = m.tensors[static_cast<std::size_t>(n.in[0])];
        const shape& out = m.tensors[static_cast<std::size_t>(n.out[0])];
        const bool same_hw = in.h == out.h && in.w == out.w;
        switch (n.type) {
        case op::op_input: return where + "a second input node";
        case op::op_batchnorm:
        case op::op_act:
        case op::op_shuffle:
        case op::op_softmax:
        case op::op_se:
            if (!same_hw || in.c != out.c) return where + "output shape differs from the input's";
            if (n.type == op::op_se && n.b_count != static_cast<std::size_t>(n.se_squeeze) + static_cast<std::size_t>(in.c))
                return where + "bad squeeze-and-excitation bias count";
            break;
        case op::op_concat: {
            int c = 0;
            for (int t : n.in) {
                const shape& s = m.tensors[static_cast<std::size_t>(t)];
                if (s.h != out.h || s.w != out.w) return where + "spatial sizes differ";
                c += s.c;
            }
            if (c != out.c) return where + "output channels are not the sum of the inputs'";
            break;
        }
        case op::op_split: {
            const shape& b = m.tensors[static_cast<std::size_t>(n.out[1])];
            if (!same_hw || b.h != in.h || b.w != in.w || out.c != n.split_at || b.c != in.c - n.split_at)
                return where + "output shapes do not match the split";
            break;
        }
        case op::op_maxpool:
        case op::op_avgpool:
            if (n.win.kh <= 0 || n.win.kw <= 0 || n.win.sh <= 0 || n.win.sw <= 0 || n.win.pad_t < 0 || n.win.pad_l < 0 ||
                out.h != engine::out_extent(in.h, n.win.kh, n.win.sh, n.win.pad_t, n.win.pad_b) ||
                out.w != engine::out_extent(in.w, n.win.kw, n.win.sw, n.win.pad_l, n.win.pad_r) || out.c != in.c)
                return where + "output size does not match the window";
            break;
        case op::op_global_avgpool:
            if (out.h != 1 || out.w != 1 || out.c != in.c) return where + "output must be 1x1xC";
            break;
        case op::op_conv2d:
            if (n.win.pad_t < 0 || n.win.pad_l < 0) return where + "negative padding";
            break;
        default: break;
        }
    }
    return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// prepare
// ---------------------------------------------------------------------------------------------

std::string train_graph::prepare(const engine::model& m, int batch, bool keep_all) {
    if (batch <= 0 || batch > 4096) return "batch must be between 1 and 4096, got " + std::to_string(batch);
    if (auto err = engine::validate(m); !err.empty()) return err;
    if (auto err = check_shapes(m); !err.empty()) return err;
    m_ = m;
    batch_ = batch;
    keep_all_ = keep_all;
    last_training_ = true;
    plan_steps();
    refresh_hooked();
    return {};
}

void train_graph::set_hook(tensor_hook* h) {
    hook_ = h;
    if (batch_ > 0 && (h != nullptr) != planned_with_hook_) plan_steps();
    refresh_hooked();
}

void train_graph::refresh_hooked() {
    hooked_.assign(m_.tensors.size(), 0);
    if (!hook_) return;
    for (std::size_t t = 0; t < hooked_.size(); ++t) hooked_[t] = hook_->wants(static_cast<int>(t)) ? 1 : 0;
}

std::size_t train_graph::input_count() const { return batch_ > 0 ? tensor_shape(0).numel() : 0; }
std::size_t train_graph::output_count() const { return batch_ > 0 ? tensor_shape(m_.output).numel() : 0; }
const float* train_graph::output() const { return batch_ > 0 ? activation(m_.output) : nullptr; }
const float* train_graph::input_grad() const { return batch_ > 0 ? gradient(0) : nullptr; }
const float* train_graph::activation(int t) const { return arena_.data() + act_off_[static_cast<std::size_t>(t)]; }
const float* train_graph::gradient(int t) const { return arena_.data() + grad_off_[static_cast<std::size_t>(t)]; }
engine::shape train_graph::tensor_shape(int t) const {
    shape s = m_.tensors[static_cast<std::size_t>(t)];
    s.n = batch_;
    return s;
}
std::size_t train_graph::planned_bytes() const {
    return (arena_.size() + cache_.size() + scratch_.size() + wgrad_.size()) * sizeof(float) +
           trainable_.size();
}
void train_graph::zero_grads() { std::fill(wgrad_.begin(), wgrad_.end(), 0.0f); }

void train_graph::plan_steps() {
    const std::size_t nt = m_.tensors.size();
    const std::size_t nn = m_.nodes.size();
    bump cache;
    planned_with_hook_ = hook_ != nullptr;

    // Backward visits the nodes in reverse: the first visit to write a tensor's gradient
    // overwrites it, later ones accumulate. Gradients nobody writes are zeroed.
    std::vector<unsigned char> seen(nt, 0);
    seen[static_cast<std::size_t>(m_.output)] = 1;
    std::vector<std::vector<unsigned char>> first(nn);
    for (std::size_t i = nn; i-- > 1;) {
        const auto& in = m_.nodes[i].in;
        first[i].resize(in.size());
        for (std::size_t j = 0; j < in.size(); ++j) {
            const std::size_t t = static_cast<std::size_t>(in[j]);
            first[i][j] = seen[t] ? 0 : 1;
            seen[t] = 1;
        }
    }
    zero_each_backward_.clear();
    for (std::size_t t = 0; t < nt; ++t)
        if (!seen[t]) zero_each_backward_.push_back(static_cast<int>(t));

    trainable_.assign(m_.weights.size(), 0);
    auto mark = [&](std::size_t off, std::size_t count) {
        std::fill(trainable_.begin() + static_cast<std::ptrdiff_t>(off),
                  trainable_.begin() + static_cast<std::ptrdiff_t>(off + count), 1);
    };

    steps_.clear();
    std::size_t dz = 0, work = 0;
    for (std::size_t i = 1; i < nn; ++i) {
        const engine::node& n = m_.nodes[i];
        const shape in = tensor_shape(n.in[0]), out = tensor_shape(n.out[0]);
        step s;
        s.node = static_cast<int>(i);
        s.in = n.in;
        s.out = n.out;
        s.in_first = first[i];
        s.pixels = static_cast<std::size_t>(in.n) * in.h * in.w;
        s.cin = in.c;
        s.cout = out.c;
        s.p = {in.n, in.h, in.w, in.c, n.win.kh, n.win.kw, n.win.sh, n.win.sw, n.win.pad_t, n.win.pad_l, out.h, out.w};
        const bool acc0 = !s.in_first[0];
        const std::size_t rc = round_up(static_cast<std::size_t>(in.c));
        std::size_t need = 0;  // work floats of this step
        switch (n.type) {
        case op::op_conv2d: {
            mark(n.w_off, n.w_count);
            if (n.bias) mark(n.b_off, n.b_count);
            s.groups = n.groups;
            s.cin_g = in.c / n.groups;
            s.cout_g = n.cout / n.groups;
            const int taps = n.win.kh * n.win.kw;
            s.kdim = s.cin_g * taps;
            const std::size_t bias_need = 2 * round_up(static_cast<std::size_t>(out.c));
            if (n.groups == in.c && n.groups == n.cout) {
                s.k = kind::conv_dw;
                need = 2 * round_up(static_cast<std::size_t>(taps) * in.c);
            } else if (taps == 1 && n.win.sh == 1 && n.win.sw == 1 && n.win.pad_t == 0 && n.win.pad_l == 0 &&
                       n.win.pad_b == 0 && n.win.pad_r == 0) {
                s.k = kind::conv_pw;
                need = std::max({round_up(pack_size(s.cout_g, s.cin_g)),
                                 round_up(pack_size(s.cin_g, s.cout_g)) + (acc0 ? s.pixels * in.c : 0),
                                 tn_need(s.cout_g, s.cin_g, s.pixels)});
            } else {
                s.k = kind::conv_im2col;
                const std::size_t rows = static_cast<std::size_t>(in.n) * out.h * out.w;
                s.cols = cache.alloc(rows * static_cast<std::size_t>(s.kdim) * n.groups);
                need = std::max({round_up(pack_size(s.cout_g, s.kdim)),
                                 round_up(rows * s.kdim) + round_up(pack_size(s.kdim, s.cout_g)),
                                 tn_need(s.cout_g, s.kdim, rows)});
            }
            need = std::max(need, bias_need);
            break;
        }
        case op::op_fc: {
            mark(n.w_off, n.w_count);
            if (n.bias) mark(n.b_off, n.b_count);
            s.k = kind::fc;
            s.kdim = in.h * in.w * in.c;
            const std::size_t rows = static_cast<std::size_t>(in.n);
            need = std::max({round_up(pack_size(n.cout, s.kdim)),
                             round_up(pack_size(s.kdim, n.cout)) + (acc0 ? rows * s.kdim : 0),
                             tn_need(n.cout, s.kdim, rows), 2 * round_up(static_cast<std::size_t>(n.cout))});
            break;
        }
        case op::op_batchnorm:
            mark(n.w_off, 2 * static_cast<std::size_t>(in.c));
            s.k = kind::bn;
            s.stats = cache.alloc(4 * rc);
            need = 4 * rc;
            break;
        case op::op_act: s.k = kind::act; break;
        case op::op_add: s.k = kind::add; break;
        case op::op_concat: s.k = kind::concat; break;
        case op::op_split: s.k = kind::split; break;
        case op::op_shuffle:
            s.k = kind::shuffle;
            s.groups = n.groups;
            break;
        case op::op_maxpool:
            s.k = kind::maxpool;
            need = rc;
            break;
        case op::op_avgpool: s.k = kind::avgpool; break;
        case op::op_global_avgpool: s.k = kind::gap; break;
        case op::op_se: {
            mark(n.w_off, n.w_count);
            mark(n.b_off, n.b_count);
            s.k = kind::se;
            const std::size_t nc = static_cast<std::size_t>(in.n) * in.c, ns = static_cast<std::size_t>(in.n) * n.se_squeeze;
            s.stats = cache.alloc(3 * nc + 2 * ns);  // pooled, hidden pre/post activation, gate pre/post
            need = 3 * round_up(nc) + round_up(ns);
            break;
        }
        case op::op_softmax: s.k = kind::softmax; break;
        case op::op_input: break;
        }
        const bool fusable = n.type == op::op_conv2d || n.type == op::op_fc || n.type == op::op_batchnorm ||
                             n.type == op::op_add;
        if (fusable && n.activation != act::act_none) {
            s.fused = n.activation;
            s.z = cache.alloc(out.numel());
            dz = std::max(dz, out.numel());
        }
        work = std::max(work, need);
        steps_.push_back(std::move(s));
    }
    plan_arena(seen);
    cache_.assign(cache.top, 0.0f);
    work_off_ = round_up(dz);
    scratch_.assign(work_off_ + std::max<std::size_t>(work, 1), 0.0f);
    wgrad_.assign(m_.weights.size(), 0.0f);
}

// Places every tensor's activation and gradient in arena_. Timeline: forward step of node i at
// time i (the input is written at 0), the backward pass starts at nn (the output's gradient
// is written, unwritten gradients zeroed), the backward step of node i runs at 2 nn - i, the
// end is 2 nn. A buffer born at time a and last used at time b is live over [a, b]; at
// each time the buffers born are placed before those dying are released, so a step never
// writes over what it reads.
void train_graph::plan_arena(const std::vector<unsigned char>& written) {
    const std::size_t nt = m_.tensors.size();
    const int nn = static_cast<int>(m_.nodes.size());
    const int end = 2 * nn;
    auto tb = [&](int i) { return 2 * nn - i; };
    std::vector<int> act_birth(nt, 0), act_death(nt, 0), grad_birth(nt, end), grad_death(nt, end);
    for (int i = 1; i < nn; ++i)
        for (int t : m_.nodes[static_cast<std::size_t>(i)].out) {
            act_birth[static_cast<std::size_t>(t)] = act_death[static_cast<std::size_t>(t)] = i;
            grad_death[static_cast<std::size_t>(t)] = tb(i);
        }
    for (const step& s : steps_) {
        const engine::node& n = m_.nodes[static_cast<std::size_t>(s.node)];
        for (int t : s.in) {
            auto& d = act_death[static_cast<std::size_t>(t)];
            d = std::max(d, s.node);
            // The first backward step to write a gradient is the last consumer's.
            auto& b = grad_birth[static_cast<std::size_t>(t)];
            b = std::min(b, tb(s.node));
        }
        // What the backward step reads besides gradients.
        std::vector<int> reads;
        switch (s.k) {
        case kind::conv_pw:
        case kind::conv_dw:
        case kind::fc:
        case kind::bn:
        case kind::se: reads.push_back(s.in[0]); break;
        case kind::act:
            // With a hook the output may have been changed: ReLU/ReLU6 then read the input.
            if (act_grad_reads_input(n.activation) || (planned_with_hook_ && act_grad_any_side(n.activation)))
                reads.push_back(s.in[0]);
            else reads.push_back(s.out[0]);
            break;
        case kind::maxpool:
            reads.push_back(s.in[0]);
            reads.push_back(s.out[0]);
            break;
        case kind::softmax: reads.push_back(s.out[0]); break;
        default: break;  // conv_im2col reads its cached columns; the rest only gradients
        }
        // A fused activation's derivative comes from the pre-activation copy, except the
        // sigmoid's y (1 - y).
        if (s.fused == act::act_sigmoid) reads.push_back(s.out[0]);
        for (int t : reads) {
            auto& d = act_death[static_cast<std::size_t>(t)];
            d = std::max(d, tb(s.node));
        }
    }
    act_death[0] = end;  // the input and the output stay readable
    act_death[static_cast<std::size_t>(m_.output)] = end;
    grad_death[0] = end;  // input_grad()
    for (std::size_t t = 0; t < nt; ++t)  // the output's, and those nobody writes (zeroed), at the start
        if (!written[t] || t == static_cast<std::size_t>(m_.output)) grad_birth[t] = nn;

    act_off_.assign(nt, 0);
    grad_off_.assign(nt, 0);
    auto numel = [&](std::size_t t) { return tensor_shape(static_cast<int>(t)).numel(); };
    if (keep_all_) {
        bump b;
        for (std::size_t t = 0; t < nt; ++t) {
            act_off_[t] = b.alloc(numel(t));
            grad_off_[t] = b.alloc(numel(t));
        }
        arena_.assign(b.top, 0.0f);
        return;
    }
    // First-fit over a free list (offset -> size), events in time order.
    struct buf {
        std::size_t* off;
        std::size_t size;
    };
    std::vector<std::vector<buf>> births(static_cast<std::size_t>(end) + 1), deaths(static_cast<std::size_t>(end) + 1);
    for (std::size_t t = 0; t < nt; ++t) {
        const std::size_t sz = round_up(std::max<std::size_t>(numel(t), 1));
        births[static_cast<std::size_t>(act_birth[t])].push_back({&act_off_[t], sz});
        deaths[static_cast<std::size_t>(std::max(act_death[t], act_birth[t]))].push_back({&act_off_[t], sz});
        births[static_cast<std::size_t>(grad_birth[t])].push_back({&grad_off_[t], sz});
        deaths[static_cast<std::size_t>(std::max(grad_death[t], grad_birth[t]))].push_back({&grad_off_[t], sz});
    }
    engine::arena_planner planner;  // sizes are already rounded (round_up)
    for (int time = 0; time <= end; ++time) {
        for (const buf& b : births[static_cast<std::size_t>(time)]) *b.off = planner.alloc(b.size);
        for (const buf& b : deaths[static_cast<std::size_t>(time)]) planner.release(*b.off, b.size);
    }
    arena_.assign(planner.top, 0.0f);
}

// ---------------------------------------------------------------------------------------------
// forward
// ---------------------------------------------------------------------------------------------

void train_graph::forward(const float* input, bool training) {
    if (batch_ <= 0) return;  // not prepared
    last_training_ = training;
    float* A = arena_.data();
    std::memcpy(A + act_off_[0], input, input_count() * sizeof(float));
    if (hook_ && hooked_[0]) hook_->forward(0, A + act_off_[0], input_count(), training);
    for (const step& s : steps_) {
        forward_step(s, training);
        if (hook_)
            for (int t : s.out)
                if (hooked_[static_cast<std::size_t>(t)])
                    hook_->forward(t, A + act_off_[static_cast<std::size_t>(t)], tensor_shape(t).numel(), training);
    }
}

void train_graph::forward_step(const step& s, bool training) {
    const engine::node& n = m_.nodes[static_cast<std::size_t>(s.node)];
    const float* W = m_.weights.data();
    float* A = arena_.data();
    const float* x = A + act_off_[static_cast<std::size_t>(s.in[0])];
    float* y = A + act_off_[static_cast<std::size_t>(s.out[0])];
    float* dst = s.fused != act::act_none ? cache_.data() + s.z : y;  // the linear part's output
    float* work = scratch_.data() + work_off_;
    const std::size_t out_n = tensor_shape(s.out[0]).numel();
    const float* w = W + n.w_off;
    const float* bias = n.bias ? W + n.b_off : nullptr;
    const int batch = batch_;

    switch (s.k) {
    case kind::conv_pw:
        for (int g = 0; g < s.groups; ++g) {
            pack_nk(work, s.cin_g, s.cout_g, w + static_cast<std::size_t>(g) * s.cout_g * s.cin_g, s.cin_g);
            mm(static_cast<int>(s.pixels), s.cout_g, s.cin_g, x + g * s.cin_g, s.cin, work,
               bias ? bias + g * s.cout_g : nullptr, dst + g * s.cout_g, s.cout);
        }
        break;
    case kind::conv_im2col: {
        const std::size_t m = static_cast<std::size_t>(s.p.oh) * s.p.ow, kd = static_cast<std::size_t>(s.kdim);
        const std::size_t in_img = static_cast<std::size_t>(s.p.h) * s.p.w * s.cin;
        for (int g = 0; g < s.groups; ++g) {
            float* cols = cache_.data() + s.cols + static_cast<std::size_t>(g) * batch * m * kd;
            for (int b = 0; b < batch; ++b)
                kernels::im2col_f32(s.p, g * s.cin_g, s.cin_g, x + b * in_img, cols + b * m * kd);
            pack_nk(work, s.kdim, s.cout_g, w + static_cast<std::size_t>(g) * s.cout_g * kd, kd);
            mm(static_cast<int>(batch * m), s.cout_g, s.kdim, cols, s.kdim, work, bias ? bias + g * s.cout_g : nullptr,
               dst + g * s.cout_g, s.cout);
        }
        break;
    }
    case kind::conv_dw: {
        const int taps = s.p.kh * s.p.kw, c = s.cin;
        float* wt = work;  // [taps][C]
        float* wp = work + round_up(static_cast<std::size_t>(taps) * c);
        for (int j = 0; j < c; ++j)
            for (int t = 0; t < taps; ++t)
                wt[static_cast<std::size_t>(t) * c + j] = w[static_cast<std::size_t>(j) * taps + t];
        dw_pack_into(c, taps, wt, wp);
        kernels::dwconv_f32(s.p, x, wt, wp, bias, dst, kernels::epilogue::none);
        break;
    }
    case kind::fc:
        pack_nk(work, s.kdim, s.cout, w, static_cast<std::size_t>(s.kdim));
        mm(batch, s.cout, s.kdim, x, s.kdim, work, bias, dst, s.cout);
        break;
    case kind::bn: {
        const int c = s.cin;
        const std::size_t rc = round_up(static_cast<std::size_t>(c));
        float* mean = cache_.data() + s.stats;
        float* inv = mean + rc;
        float* scale = inv + rc;
        float* shift = scale + rc;
        float* running = m_.weights.data() + n.w_off + 2 * static_cast<std::size_t>(c);  // mean, var
        const float* gamma = w;
        const float* beta = w + c;
        if (training) {
            const std::size_t pix = s.pixels;
            channel_sums(pix, c, x, mean, work);
            for (int j = 0; j < c; ++j) mean[j] /= static_cast<float>(pix);
            // Second pass: squared deviations from the mean (no cancellation), blocked as the sums.
            float* sq = work;
            float* blk = work + rc;
            std::fill(sq, sq + c, 0.0f);
            for (std::size_t p0 = 0; p0 < pix; p0 += 256) {
                const std::size_t p1 = std::min(pix, p0 + 256);
                std::fill(blk, blk + c, 0.0f);
                for (std::size_t p = p0; p < p1; ++p) {
                    const float* __restrict r = x + p * static_cast<std::size_t>(c);
                    float* __restrict b = blk;
                    const float* __restrict mu = mean;
                    for (int j = 0; j < c; ++j) {
                        const float d = r[j] - mu[j];
                        b[j] += d * d;
                    }
                }
                for (int j = 0; j < c; ++j) sq[j] += blk[j];
            }
            const float unbias = pix > 1 ? static_cast<float>(pix) / static_cast<float>(pix - 1) : 1.0f;
            for (int j = 0; j < c; ++j) {
                const float var = sq[j] / static_cast<float>(pix);
                inv[j] = 1.0f / std::sqrt(var + n.bn_eps);
                running[j] = (1.0f - bn_momentum_) * running[j] + bn_momentum_ * mean[j];
                running[c + j] = (1.0f - bn_momentum_) * running[c + j] + bn_momentum_ * (var * unbias);
            }
        } else {
            for (int j = 0; j < c; ++j) {
                mean[j] = running[j];
                inv[j] = 1.0f / std::sqrt(running[c + j] + n.bn_eps);
            }
        }
        for (int j = 0; j < c; ++j) {
            scale[j] = gamma[j] * inv[j];
            shift[j] = beta[j] - mean[j] * scale[j];
        }
        kernels::channel_affine_f32(s.pixels, c, x, scale, shift, dst, kernels::epilogue::none);
        break;
    }
    case kind::act: kernels::act_f32(out_n, x, y, epi(n.activation)); break;
    case kind::add:
        kernels::add_f32(out_n, x, A + act_off_[static_cast<std::size_t>(s.in[1])], dst, kernels::epilogue::none);
        break;
    case kind::concat: {
        int o = 0;
        for (int t : s.in) {
            const int c = m_.tensors[static_cast<std::size_t>(t)].c;
            kernels::copy_channels_f32(s.pixels, A + act_off_[static_cast<std::size_t>(t)], c, 0, c, y, s.cout, o);
            o += c;
        }
        break;
    }
    case kind::split: {
        const int a = n.split_at, b = s.cin - n.split_at;
        kernels::copy_channels_f32(s.pixels, x, s.cin, 0, a, y, a, 0);
        kernels::copy_channels_f32(s.pixels, x, s.cin, a, b, A + act_off_[static_cast<std::size_t>(s.out[1])], b, 0);
        break;
    }
    case kind::shuffle: kernels::shuffle_f32(s.pixels, s.cin, s.groups, x, y); break;
    case kind::maxpool: kernels::maxpool_f32(s.p, x, y); break;
    case kind::avgpool: kernels::avgpool_f32(s.p, x, y); break;
    case kind::gap: kernels::gap_f32(batch, s.p.h * s.p.w, s.cin, x, y); break;
    case kind::se: {
        const int c = s.cin, sq = n.se_squeeze, hw = s.p.h * s.p.w;
        const std::size_t nc = static_cast<std::size_t>(batch) * c, ns = static_cast<std::size_t>(batch) * sq;
        float* pooled = cache_.data() + s.stats;
        float* hpre = pooled + nc;
        float* hid = hpre + ns;
        float* gpre = hid + ns;
        float* gate = gpre + nc;
        const float* w1 = w;                                       // [sq][c]
        const float* w2 = w + static_cast<std::size_t>(sq) * c;    // [c][sq]
        const float* b1 = W + n.b_off;
        const float* b2 = b1 + sq;
        kernels::gap_f32(batch, hw, c, x, pooled);
        for (int b = 0; b < batch; ++b) {
            const float* pb = pooled + static_cast<std::size_t>(b) * c;
            for (int j = 0; j < sq; ++j) {
                const float* wr = w1 + static_cast<std::size_t>(j) * c;
                float acc = b1[j];
                for (int k = 0; k < c; ++k) acc += pb[k] * wr[k];
                hpre[static_cast<std::size_t>(b) * sq + j] = acc;
                hid[static_cast<std::size_t>(b) * sq + j] = kernels::activate_ref(acc, epi(n.se_inner));
            }
            const float* hb = hid + static_cast<std::size_t>(b) * sq;
            for (int k = 0; k < c; ++k) {
                const float* wr = w2 + static_cast<std::size_t>(k) * sq;
                float acc = b2[k];
                for (int j = 0; j < sq; ++j) acc += hb[j] * wr[j];
                gpre[static_cast<std::size_t>(b) * c + k] = acc;
                gate[static_cast<std::size_t>(b) * c + k] = kernels::activate_ref(acc, epi(n.se_gate));
            }
        }
        const std::size_t img = static_cast<std::size_t>(hw) * c;
        for (int b = 0; b < batch; ++b)
            kernels::channel_affine_f32(static_cast<std::size_t>(hw), c, x + b * img, gate + static_cast<std::size_t>(b) * c,
                                        nullptr, y + b * img, kernels::epilogue::none);
        break;
    }
    case kind::softmax: kernels::softmax_f32(static_cast<int>(s.pixels), s.cin, x, y); break;
    }
    if (s.fused != act::act_none) kernels::act_f32(out_n, dst, y, epi(s.fused));
}

// ---------------------------------------------------------------------------------------------
// backward
// ---------------------------------------------------------------------------------------------

void train_graph::backward(const float* d_output) {
    if (batch_ <= 0) return;  // not prepared
    std::fill(wgrad_.begin(), wgrad_.end(), 0.0f);
    for (int t : zero_each_backward_) {
        float* g = arena_.data() + grad_off_[static_cast<std::size_t>(t)];
        std::fill(g, g + tensor_shape(t).numel(), 0.0f);
    }
    float* G = arena_.data();
    std::memcpy(G + grad_off_[static_cast<std::size_t>(m_.output)], d_output, output_count() * sizeof(float));
    for (std::size_t i = steps_.size(); i-- > 0;) {
        const step& s = steps_[i];
        if (hook_)
            for (int t : s.out)
                if (hooked_[static_cast<std::size_t>(t)])
                    hook_->backward(t, G + grad_off_[static_cast<std::size_t>(t)], tensor_shape(t).numel());
        backward_step(s);
    }
    if (hook_ && hooked_[0]) hook_->backward(0, G + grad_off_[0], input_count());
}

namespace {
// One sample through a fully connected layer backwards (the SE block's two FCs): y = W x + b
// with W [out][in]. Accumulates dW += dy x^T and db += dy, and writes dx = W^T dy.
void fc_backward_one(const float* dy, int out, const float* x, int in, const float* w, float* dw, float* db,
                     float* dx) {
    std::fill(dx, dx + in, 0.0f);
    for (int k = 0; k < out; ++k) {
        const float g = dy[k];
        float* __restrict dwr = dw + static_cast<std::size_t>(k) * in;
        const float* __restrict wr = w + static_cast<std::size_t>(k) * in;
        for (int j = 0; j < in; ++j) {
            dwr[j] += g * x[j];
            dx[j] += g * wr[j];
        }
        db[k] += g;
    }
}
}  // namespace

void train_graph::backward_step(const step& s) {
    const engine::node& n = m_.nodes[static_cast<std::size_t>(s.node)];
    const float* W = m_.weights.data();
    const float* A = arena_.data();
    float* G = arena_.data();
    const float* x = A + act_off_[static_cast<std::size_t>(s.in[0])];
    const float* y = A + act_off_[static_cast<std::size_t>(s.out[0])];
    const float* gy = G + grad_off_[static_cast<std::size_t>(s.out[0])];
    float* gx = G + grad_off_[static_cast<std::size_t>(s.in[0])];
    const bool acc = !s.in_first[0];
    float* work = scratch_.data() + work_off_;
    const shape in = tensor_shape(s.in[0]);
    const std::size_t in_n = in.numel(), out_n = tensor_shape(s.out[0]).numel();
    const float* w = W + n.w_off;
    float* dw = wgrad_.data() + n.w_off;
    float* db = wgrad_.data() + n.b_off;
    const int batch = batch_;

    if (s.fused != act::act_none) {  // through the fused activation first: dZ = dY * act'(Z)
        float* dz = scratch_.data();
        const float* z = cache_.data() + s.z;
        act_grad(false, s.fused, out_n, z, s.fused == act::act_sigmoid ? y : z, gy, dz);
        gy = dz;
    }

    switch (s.k) {
    case kind::conv_pw: {
        // dX_g = dY_g W_g  (W_g [cout_g][cin_g] is B [k = cout_g][n = cin_g] as stored)
        float* pk = work;
        float* target = acc ? work + round_up(pack_size(s.cin_g, s.cout_g)) : gx;
        for (int g = 0; g < s.groups; ++g) {
            pack_kn(pk, s.cout_g, s.cin_g, w + static_cast<std::size_t>(g) * s.cout_g * s.cin_g, s.cin_g);
            mm(static_cast<int>(s.pixels), s.cin_g, s.cout_g, gy + g * s.cout_g, s.cout, pk, nullptr, target + g * s.cin_g,
               s.cin);
        }
        if (acc) put<true>(gx, target, in_n);
        // dW_g = dY_g^T X_g
        for (int g = 0; g < s.groups; ++g)
            gemm_tn_acc(s.pixels, s.cout_g, s.cin_g, gy + g * s.cout_g, s.cout, x + g * s.cin_g, s.cin,
                        dw + static_cast<std::size_t>(g) * s.cout_g * s.cin_g, s.cin_g, work);
        if (n.bias) add_channel_sums(s.pixels, s.cout, gy, db, work);
        break;
    }
    case kind::conv_im2col: {
        const std::size_t rows = static_cast<std::size_t>(batch) * s.p.oh * s.p.ow, kd = static_cast<std::size_t>(s.kdim);
        if (!acc) std::fill(gx, gx + in_n, 0.0f);
        for (int g = 0; g < s.groups; ++g) {
            const float* wg = w + static_cast<std::size_t>(g) * s.cout_g * kd;
            float* dcols = work;
            float* pk = work + round_up(rows * kd);
            pack_kn(pk, s.cout_g, s.kdim, wg, kd);
            mm(static_cast<int>(rows), s.kdim, s.cout_g, gy + g * s.cout_g, s.cout, pk, nullptr, dcols, s.kdim);
            col2im_acc(s.p, g * s.cin_g, s.cin_g, dcols, gx);
            const float* cols = cache_.data() + s.cols + static_cast<std::size_t>(g) * rows * kd;
            gemm_tn_acc(rows, s.cout_g, s.kdim, gy + g * s.cout_g, s.cout, cols, kd,
                        dw + static_cast<std::size_t>(g) * s.cout_g * kd, kd, work);
        }
        if (n.bias) add_channel_sums(rows, s.cout, gy, db, work);
        break;
    }
    case kind::conv_dw: {
        const kernels::dw_params& p = s.p;
        const int taps = p.kh * p.kw, c = s.cin;
        float* wt = work;  // [taps][C]
        float* dwt = work + round_up(static_cast<std::size_t>(taps) * c);
        for (int j = 0; j < c; ++j)
            for (int t = 0; t < taps; ++t)
                wt[static_cast<std::size_t>(t) * c + j] = w[static_cast<std::size_t>(j) * taps + t];
        std::fill(dwt, dwt + static_cast<std::size_t>(taps) * c, 0.0f);
        if (!acc) std::fill(gx, gx + in_n, 0.0f);
        for (int b = 0; b < p.n; ++b)
            for (int oy = 0; oy < p.oh; ++oy)
                for (int ox = 0; ox < p.ow; ++ox) {
                    const float* dyr = gy + ((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * c;
                    for (int ky = 0; ky < p.kh; ++ky) {
                        const int iy = oy * p.sh - p.pad_t + ky;
                        if (iy < 0 || iy >= p.h) continue;
                        for (int kx = 0; kx < p.kw; ++kx) {
                            const int ix = ox * p.sw - p.pad_l + kx;
                            if (ix < 0 || ix >= p.w) continue;
                            const std::size_t at = ((static_cast<std::size_t>(b) * p.h + iy) * p.w + ix) * c;
                            const std::size_t t = static_cast<std::size_t>(ky) * p.kw + kx;
                            dw_tap(c, dyr, wt + t * c, x + at, gx + at, dwt + t * c);
                        }
                    }
                }
        for (int j = 0; j < c; ++j)
            for (int t = 0; t < taps; ++t)
                dw[static_cast<std::size_t>(j) * taps + t] += dwt[static_cast<std::size_t>(t) * c + j];
        if (n.bias) add_channel_sums(static_cast<std::size_t>(p.n) * p.oh * p.ow, c, gy, db, work);
        break;
    }
    case kind::fc: {
        const std::size_t kd = static_cast<std::size_t>(s.kdim);
        float* pk = work;
        float* target = acc ? work + round_up(pack_size(s.kdim, s.cout)) : gx;
        pack_kn(pk, s.cout, s.kdim, w, kd);
        mm(batch, s.kdim, s.cout, gy, s.cout, pk, nullptr, target, s.kdim);
        if (acc) put<true>(gx, target, in_n);
        gemm_tn_acc(static_cast<std::size_t>(batch), s.cout, s.kdim, gy, s.cout, x, kd, dw, kd, work);
        if (n.bias) add_channel_sums(static_cast<std::size_t>(batch), s.cout, gy, db, work);
        break;
    }
    case kind::bn: {
        const int c = s.cin;
        const std::size_t rc = round_up(static_cast<std::size_t>(c)), pix = s.pixels;
        const float* mean = cache_.data() + s.stats;
        const float* inv = mean + rc;
        const float* scale = inv + rc;
        float* sum_dy = work;
        float* sum_dyx = work + rc;  // sum of dy * (x - mean)
        float* b1 = work + 2 * rc;
        float* b2 = work + 3 * rc;
        std::fill(sum_dy, sum_dy + c, 0.0f);
        std::fill(sum_dyx, sum_dyx + c, 0.0f);
        for (std::size_t p0 = 0; p0 < pix; p0 += 256) {
            const std::size_t p1 = std::min(pix, p0 + 256);
            std::fill(b1, b1 + c, 0.0f);
            std::fill(b2, b2 + c, 0.0f);
            for (std::size_t p = p0; p < p1; ++p) {
                const float* __restrict xr = x + p * static_cast<std::size_t>(c);
                const float* __restrict dr = gy + p * static_cast<std::size_t>(c);
                const float* __restrict mu = mean;
                float* __restrict s1 = b1;
                float* __restrict s2 = b2;
                for (int j = 0; j < c; ++j) {
                    s1[j] += dr[j];
                    s2[j] += dr[j] * (xr[j] - mu[j]);
                }
            }
            for (int j = 0; j < c; ++j) {
                sum_dy[j] += b1[j];
                sum_dyx[j] += b2[j];
            }
        }
        for (int j = 0; j < c; ++j) {
            dw[j] += sum_dyx[j] * inv[j];  // gamma
            dw[c + j] += sum_dy[j];        // beta
        }
        if (last_training_) {
            // dx = scale * (dy - mean(dy) - xhat * mean(dy * xhat))
            float* k1 = b1;  // scale * inv^2 * sum_dyx / P
            float* k0 = b2;  // scale * sum_dy / P
            const float inv_p = 1.0f / static_cast<float>(pix);
            for (int j = 0; j < c; ++j) {
                k1[j] = scale[j] * inv[j] * inv[j] * sum_dyx[j] * inv_p;
                k0[j] = scale[j] * sum_dy[j] * inv_p;
            }
            for (std::size_t p = 0; p < pix; ++p) {
                const float* __restrict xr = x + p * static_cast<std::size_t>(c);
                const float* __restrict dr = gy + p * static_cast<std::size_t>(c);
                float* __restrict o = gx + p * static_cast<std::size_t>(c);
                const float* __restrict mu = mean;
                const float* __restrict sc = scale;
                for (int j = 0; j < c; ++j) {
                    const float v = sc[j] * dr[j] - k1[j] * (xr[j] - mu[j]) - k0[j];
                    if (acc) o[j] += v;
                    else o[j] = v;
                }
            }
        } else {
            for (std::size_t p = 0; p < pix; ++p) {
                const float* __restrict dr = gy + p * static_cast<std::size_t>(c);
                float* __restrict o = gx + p * static_cast<std::size_t>(c);
                const float* __restrict sc = scale;
                for (int j = 0; j < c; ++j) {
                    const float v = sc[j] * dr[j];
                    if (acc) o[j] += v;
                    else o[j] = v;
                }
            }
        }
        break;
    }
    case kind::act:
        act_grad(acc, n.activation, in_n, x, planned_with_hook_ && act_grad_any_side(n.activation) ? x : y, gy, gx);
        break;
    case kind::add:
        put(acc, gx, gy, in_n);
        put(!s.in_first[1], G + grad_off_[static_cast<std::size_t>(s.in[1])], gy, in_n);
        break;
    case kind::concat: {
        int o = 0;
        for (std::size_t j = 0; j < s.in.size(); ++j) {
            const std::size_t c = static_cast<std::size_t>(m_.tensors[static_cast<std::size_t>(s.in[j])].c);
            float* g = G + grad_off_[static_cast<std::size_t>(s.in[j])];
            const bool a = !s.in_first[j];
            for (std::size_t p = 0; p < s.pixels; ++p) put(a, g + p * c, gy + p * s.cout + o, c);
            o += static_cast<int>(c);
        }
        break;
    }
    case kind::split: {
        const std::size_t a = static_cast<std::size_t>(n.split_at), b = static_cast<std::size_t>(s.cin) - a;
        const float* gy2 = G + grad_off_[static_cast<std::size_t>(s.out[1])];
        const std::size_t c = static_cast<std::size_t>(s.cin);
        for (std::size_t p = 0; p < s.pixels; ++p) {
            put(acc, gx + p * c, gy + p * a, a);
            put(acc, gx + p * c + a, gy2 + p * b, b);
        }
        break;
    }
    case kind::shuffle: {
        // Forward: out channel i * G + g <- in channel g * per + i. Backward gathers back.
        const int c = s.cin, groups = s.groups, per = c / groups;
        for (std::size_t p = 0; p < s.pixels; ++p) {
            const float* __restrict d = gy + p * static_cast<std::size_t>(c);
            float* __restrict o = gx + p * static_cast<std::size_t>(c);
            for (int g = 0; g < groups; ++g)
                for (int i = 0; i < per; ++i) {
                    if (acc) o[g * per + i] += d[i * groups + g];
                    else o[g * per + i] = d[i * groups + g];
                }
        }
        break;
    }
    case kind::maxpool:
    case kind::avgpool: {
        const kernels::dw_params& p = s.p;
        const int c = s.cin;
        const bool is_max = s.k == kind::maxpool;
        const float inv = 1.0f / static_cast<float>(p.kh * p.kw);
        float* found = work;
        if (!acc) std::fill(gx, gx + in_n, 0.0f);
        for (int b = 0; b < p.n; ++b)
            for (int oy = 0; oy < p.oh; ++oy)
                for (int ox = 0; ox < p.ow; ++ox) {
                    const std::size_t o = ((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * c;
                    const float* __restrict dyr = gy + o;
                    const float* __restrict yr = y + o;
                    if (is_max) std::fill(found, found + c, 0.0f);
                    for (int ky = 0; ky < p.kh; ++ky) {
                        const int iy = oy * p.sh - p.pad_t + ky;
                        if (iy < 0 || iy >= p.h) continue;
                        for (int kx = 0; kx < p.kw; ++kx) {
                            const int ix = ox * p.sw - p.pad_l + kx;
                            if (ix < 0 || ix >= p.w) continue;
                            const std::size_t at = ((static_cast<std::size_t>(b) * p.h + iy) * p.w + ix) * c;
                            const float* __restrict xr = x + at;
                            float* __restrict dxr = gx + at;
                            if (is_max) {
                                for (int j = 0; j < c; ++j)
                                    if (found[j] == 0.0f && xr[j] == yr[j]) {  // the first maximum of the window
                                        dxr[j] += dyr[j];
                                        found[j] = 1.0f;
                                    }
                            } else {
                                for (int j = 0; j < c; ++j) dxr[j] += dyr[j] * inv;
                            }
                        }
                    }
                }
        break;
    }
    case kind::gap: {
        const std::size_t hw = static_cast<std::size_t>(s.p.h) * s.p.w, c = static_cast<std::size_t>(s.cin);
        const float inv = 1.0f / static_cast<float>(hw);
        for (int b = 0; b < batch; ++b) {
            const float* __restrict d = gy + static_cast<std::size_t>(b) * c;
            for (std::size_t p = 0; p < hw; ++p) {
                float* __restrict o = gx + (static_cast<std::size_t>(b) * hw + p) * c;
                for (std::size_t j = 0; j < c; ++j) {
                    if (acc) o[j] += d[j] * inv;
                    else o[j] = d[j] * inv;
                }
            }
        }
        break;
    }
    case kind::se: {
        const int c = s.cin, sq = n.se_squeeze;
        const std::size_t hw = static_cast<std::size_t>(s.p.h) * s.p.w;
        const std::size_t nc = static_cast<std::size_t>(batch) * c, ns = static_cast<std::size_t>(batch) * sq;
        const float* pooled = cache_.data() + s.stats;
        const float* hpre = pooled + nc;
        const float* hid = hpre + ns;
        const float* gpre = hid + ns;
        const float* gate = gpre + nc;
        const float* w1 = w;
        const float* w2 = w + static_cast<std::size_t>(sq) * c;
        float* dw1 = dw;
        float* dw2 = dw + static_cast<std::size_t>(sq) * c;
        float* db1 = db;
        float* db2 = db + sq;
        float* dgate = work;                    // [N][C]: dL/ds, then dL/d(gate pre-activation)
        float* dpool = work + round_up(nc);     // [N][C]
        float* dh = work + 2 * round_up(nc);    // [N][S]
        for (int b = 0; b < batch; ++b) {
            float* __restrict ds = dgate + static_cast<std::size_t>(b) * c;
            std::fill(ds, ds + c, 0.0f);
            for (std::size_t p = 0; p < hw; ++p) {
                const std::size_t at = (static_cast<std::size_t>(b) * hw + p) * c;
                const float* __restrict xr = x + at;
                const float* __restrict dr = gy + at;
                for (int j = 0; j < c; ++j) ds[j] += dr[j] * xr[j];
            }
        }
        for (std::size_t i = 0; i < nc; ++i) dgate[i] *= act_deriv(n.se_gate, gpre[i], gate[i]);
        for (int b = 0; b < batch; ++b) {
            const float* dg = dgate + static_cast<std::size_t>(b) * c;
            const float* hb = hid + static_cast<std::size_t>(b) * sq;
            float* __restrict dhb = dh + static_cast<std::size_t>(b) * sq;
            fc_backward_one(dg, c, hb, sq, w2, dw2, db2, dhb);
            for (int j = 0; j < sq; ++j)
                dhb[j] *= act_deriv(n.se_inner, hpre[static_cast<std::size_t>(b) * sq + j], hb[j]);
            const float* pb = pooled + static_cast<std::size_t>(b) * c;
            float* __restrict dpb = dpool + static_cast<std::size_t>(b) * c;
            fc_backward_one(dhb, sq, pb, c, w1, dw1, db1, dpb);
            const float inv = 1.0f / static_cast<float>(hw);
            for (int k = 0; k < c; ++k) dpb[k] *= inv;
        }
        for (int b = 0; b < batch; ++b) {
            const float* __restrict sb = gate + static_cast<std::size_t>(b) * c;
            const float* __restrict dpb = dpool + static_cast<std::size_t>(b) * c;
            for (std::size_t p = 0; p < hw; ++p) {
                const std::size_t at = (static_cast<std::size_t>(b) * hw + p) * c;
                const float* __restrict dr = gy + at;
                float* __restrict o = gx + at;
                for (int j = 0; j < c; ++j) {
                    const float v = dr[j] * sb[j] + dpb[j];
                    if (acc) o[j] += v;
                    else o[j] = v;
                }
            }
        }
        break;
    }
    case kind::softmax: {
        const std::size_t c = static_cast<std::size_t>(s.cin);
        for (std::size_t r = 0; r < s.pixels; ++r) {
            const float* yr = y + r * c;
            const float* dr = gy + r * c;
            float* o = gx + r * c;
            float dot = 0.0f;
            for (std::size_t j = 0; j < c; ++j) dot += dr[j] * yr[j];
            for (std::size_t j = 0; j < c; ++j) {
                const float v = yr[j] * (dr[j] - dot);
                if (acc) o[j] += v;
                else o[j] = v;
            }
        }
        break;
    }
    }
}

}  // namespace es::train
