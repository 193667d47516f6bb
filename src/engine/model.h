// model: a network as a list of nodes over tensors, in NHWC layout, with its weights.
//
// Layout: NHWC (batch, height, width, channels), channels innermost. Why: a pointwise
// (1x1) convolution is then a plain GEMM [N*H*W, Cin] x [Cin, Cout] over contiguous rows,
// a depthwise convolution vectorises across contiguous channels (4 per f32x4), and
// channel shuffle/split/concat are per-pixel copies. MobileNets and ShuffleNets are almost
// entirely pointwise and depthwise layers, so this is the layout XNNPACK and TFLite use too.
//
//   graph_builder b("tiny", {1, 28, 28, 1});
//   int x = b.conv(b.input(), 16, 3, 2);           // conv 3x3/2 + BN, no activation yet
//   x = b.act(x, act::act_relu6);
//   x = b.dwconv(x, 3, 1); ...
//   model m = b.finish(b.fc(b.global_avgpool(x), 10));
//   std::string err = validate(m);                 // "" when sound
//   model fast = optimize(m);                      // BN folded into convs, activations fused
//
// The builder records the network as a paper describes it (conv, BN, activation as
// separate layers), which is what the per-layer analysis counts; optimize() produces the
// graph the executor runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace es::engine {

struct shape {
    int n = 1, h = 1, w = 1, c = 1;
    std::size_t numel() const {
        return static_cast<std::size_t>(n) * static_cast<std::size_t>(h) * static_cast<std::size_t>(w) *
               static_cast<std::size_t>(c);
    }
    bool operator==(const shape&) const = default;
};
std::string shape_text(const shape& s);  // "1x28x28x16" (NHWC)

enum class op : std::uint8_t {
    op_input,
    op_conv2d,         // any kernel, stride, padding, groups (depthwise: groups == cin == cout)
    op_fc,             // fully connected over the flattened H*W*C input
    op_batchnorm,      // per-channel affine from gamma, beta, mean, var (folded by optimize())
    op_act,            // standalone activation
    op_add,            // residual add of two tensors of one shape
    op_concat,         // along channels
    op_split,          // along channels: outputs [0, split), [split, C)
    op_shuffle,        // channel shuffle with `groups`
    op_maxpool,
    op_avgpool,
    op_global_avgpool, // -> [N, 1, 1, C]
    op_se,             // squeeze-and-excitation: GAP -> FC(squeeze) -> act -> FC(C) -> gate -> x * s
    op_softmax,        // over channels
};
const char* op_name(op o);

enum class act : std::uint8_t { act_none, act_relu, act_relu6, act_hswish, act_hsigmoid, act_sigmoid };
const char* act_name(act a);

struct window {  // kernel/pool window with explicit padding
    int kh = 1, kw = 1, sh = 1, sw = 1, pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0;
};

// Output size along one axis: floor((in + pad_before + pad_after - k) / s) + 1, the
// PyTorch / study-sheet formula. Returns <= 0 when the window does not fit.
int out_extent(int in, int k, int s, int pad_before, int pad_after);

struct node {
    op type = op::op_input;
    std::string name;
    std::vector<int> in;   // tensor ids
    std::vector<int> out;  // tensor ids (two for split)
    act activation = act::act_none;  // fused activation (conv, fc, add, batchnorm, act)

    window win;           // conv and pooling
    int groups = 1;       // conv groups; shuffle groups
    int cout = 0;         // conv / fc output channels
    bool bias = false;    // conv / fc has a bias
    int split_at = 0;     // split: channels of the first output
    int se_squeeze = 0;   // se: hidden width
    act se_inner = act::act_relu;
    act se_gate = act::act_hsigmoid;

    // Offsets (in floats) into model::weights.
    //   conv: w [cout][kh][kw][cin/groups], then bias [cout]
    //   fc:   w [cout][cin_flat],           then bias [cout]
    //   batchnorm: gamma [C], beta [C], mean [C], var [C]; epsilon in bn_eps
    //   se:   w1 [squeeze][C], b1 [squeeze], w2 [C][squeeze], b2 [C]
    std::size_t w_off = 0, w_count = 0, b_off = 0, b_count = 0;
    float bn_eps = 1e-5f;
};

struct model {
    std::string arch;
    shape input;                  // n = 1; the batch is chosen when a session is prepared
    std::vector<node> nodes;      // in execution order; nodes[0] is the input
    std::vector<shape> tensors;   // shape of every tensor at batch 1
    int output = -1;              // tensor id of the logits
    std::vector<float> weights;
};

// Checks every node: tensor ids, shapes, channel/group divisibility, windows that fit,
// weight ranges. Returns "" when the model is sound, else the first problem.
std::string validate(const model& m);

// Inference graph: batch norm folded into the preceding convolution (w' = w*g/sqrt(v+eps),
// b' = (b-mean)*g/sqrt(v+eps) + beta), activations that directly follow a conv, fc, add or
// batchnorm fused into it. The result computes the same function.
model optimize(const model& m);

// A depthwise convolution: groups == input channels == output channels (> 1), one K x K
// filter per channel.
bool is_depthwise(const model& m, const node& n);

// Trainable parameters: conv/fc weights and biases, batch-norm gamma and beta (the
// running mean and variance are buffers, not parameters), SE weights and biases.
std::size_t param_count(const model& m);

class graph_builder {
public:
    graph_builder(std::string arch, shape input, std::uint64_t seed = 1);

    int input() const { return 0; }
    const shape& shape_of(int t) const { return m_.tensors[static_cast<std::size_t>(t)]; }

    // Convolution with symmetric "same-style" padding (k-1)/2 (PyTorch's padding=k//2),
    // followed by batch norm when `bn` (then no bias), else with a bias.
    int conv(int x, int cout, int k, int stride, int groups = 1, bool bn = true, const std::string& name = "");
    int conv_window(int x, int cout, const window& w, int groups, bool bn, const std::string& name = "");
    int dwconv(int x, int k, int stride, bool bn = true, const std::string& name = "");
    int pwconv(int x, int cout, int groups = 1, bool bn = true, const std::string& name = "");
    int fc(int x, int cout, bool bias = true, const std::string& name = "");
    int batchnorm(int x, const std::string& name = "");
    int act(int x, es::engine::act a, const std::string& name = "");
    int add(int a, int b, const std::string& name = "");
    int concat(const std::vector<int>& xs, const std::string& name = "");
    std::pair<int, int> split(int x, int first_channels, const std::string& name = "");
    int shuffle(int x, int groups, const std::string& name = "");
    int maxpool(int x, int k, int stride, int pad, const std::string& name = "");
    int avgpool(int x, int k, int stride, int pad, const std::string& name = "");
    int global_avgpool(int x, const std::string& name = "");
    int se(int x, int squeeze, es::engine::act inner = act::act_relu, es::engine::act gate = act::act_hsigmoid,
           const std::string& name = "");
    int softmax(int x, const std::string& name = "");

    // Marks `logits` as the output; weights are initialised (He-normal convs/fc, BN
    // identity) from the seed. The builder is spent afterwards.
    model finish(int logits);

    // First problem met while building (a shape that does not fit, bad groups), or "".
    const std::string& error() const { return error_; }

private:
    int add_node(node n, const std::vector<shape>& out_shapes);
    int pool(op type, const char* kind, int x, int k, int stride, int pad, const std::string& name);
    std::string auto_name(const char* kind, const std::string& name);
    std::size_t reserve(std::size_t count);
    void fail(const std::string& message);

    model m_;
    std::uint64_t seed_;
    std::string error_;
    int counter_ = 0;
};

}  // namespace es::engine
