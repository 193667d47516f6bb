// MobileNet V3-Large and V3-Small (Howard et al., arXiv 1905.02244), Tables 1 and 2, at
// width 1.0 and 224x224. bneck = inverted residual (1x1 expand to "exp", k x k depthwise,
// optional squeeze-and-excite, 1x1 linear projection to "out"); NL = non-linearity
// (RE = ReLU, HS = hard-swish); SE = squeeze-and-excite in that block; NBN = no batch norm.
//
// Table 1, MobileNetV3-Large:
//   input       operator           exp    out    SE   NL   s
//   224x224x3   conv2d 3x3         -      16     -    HS   2
//   112x112x16  bneck 3x3          16     16     -    RE   1
//   112x112x16  bneck 3x3          64     24     -    RE   2
//   56x56x24    bneck 3x3          72     24     -    RE   1
//   56x56x24    bneck 5x5          72     40     yes  RE   2
//   28x28x40    bneck 5x5          120    40     yes  RE   1
//   28x28x40    bneck 5x5          120    40     yes  RE   1
//   28x28x40    bneck 3x3          240    80     -    HS   2
//   14x14x80    bneck 3x3          200    80     -    HS   1
//   14x14x80    bneck 3x3          184    80     -    HS   1
//   14x14x80    bneck 3x3          184    80     -    HS   1
//   14x14x80    bneck 3x3          480    112    yes  HS   1
//   14x14x112   bneck 3x3          672    112    yes  HS   1
//   14x14x112   bneck 5x5          672    160    yes  HS   2
//   7x7x160     bneck 5x5          960    160    yes  HS   1
//   7x7x160     bneck 5x5          960    160    yes  HS   1
//   7x7x160     conv2d 1x1         -      960    -    HS   1
//   7x7x960     pool 7x7           -      -      -    -    1
//   1x1x960     conv2d 1x1, NBN    -      1280   -    HS   1
//   1x1x1280    conv2d 1x1, NBN    -      k      -    -    1
// Published: 219M multiply-adds, 5.4M parameters.
//
// Table 2, MobileNetV3-Small:
//   input       operator           exp    out    SE   NL   s
//   224x224x3   conv2d 3x3         -      16     -    HS   2
//   112x112x16  bneck 3x3          16     16     yes  RE   2
//   56x56x16    bneck 3x3          72     24     -    RE   2
//   28x28x24    bneck 3x3          88     24     -    RE   1
//   28x28x24    bneck 5x5          96     40     yes  HS   2
//   14x14x40    bneck 5x5          240    40     yes  HS   1
//   14x14x40    bneck 5x5          240    40     yes  HS   1
//   14x14x40    bneck 5x5          120    48     yes  HS   1
//   14x14x48    bneck 5x5          144    48     yes  HS   1
//   14x14x48    bneck 5x5          288    96     yes  HS   2
//   7x7x96      bneck 5x5          576    96     yes  HS   1
//   7x7x96      bneck 5x5          576    96     yes  HS   1
//   7x7x96      conv2d 1x1         -      576    yes  HS   1
//   7x7x576     pool 7x7           -      -      -    -    1
//   1x1x576     conv2d 1x1, NBN    -      1024   -    HS   1
//   1x1x1024    conv2d 1x1, NBN    -      k      -    -    1
// Published: 56M multiply-adds, 2.5M parameters.
//
// Deviations and choices (torchvision's mobilenet_v3_large / _small where the paper is terse):
//   - SE block (paper Sec. 5.3): global average pool, FC to squeeze = _make_divisible(exp/4, 8)
//     (integer exp/4 first), ReLU, FC back to exp, hard-sigmoid gate, channel-wise multiply.
//     Both FCs have biases (torchvision's 1x1 convs). It sits after the depthwise activation.
//   - A bneck whose exp equals its input channels has no expansion conv (first block of each).
//   - Small: Table 2 marks SE on the last 1x1 conv (576); torchvision and TF-slim have no SE
//     there, and neither does this builder (it would add 166,608 parameters).
//   - The 1x1 conv after the pool is a conv with bias and no BN (NBN) followed by hard-swish,
//     i.e. torchvision's Linear(960, 1280) + Hardswish; the last layer is an FC with bias.
//     Dropout is a training detail and not part of the graph.
//   - Width: every channel count (stem, exp, out, the post-pool 1280/1024) is
//     _make_divisible(c * width, 8) as in torchvision (the paper keeps the post-pool layer at
//     1280/1024 for widths below 1). The last 1x1 conv before the pool has 6 x the last out.
//     So at 0.75 this gives 140M MACs / 3.38M params (Large) and 39M / 1.65M (Small), below
//     the paper's Table 3 (155M / 4.0M and 44M / 2.0M), whose TF models keep the last layers
//     wide and derive expansions from the scaled inputs; at 1.0 both agree.
//   - Parameters then equal torchvision's exactly: 5,483,032 (Large) and 2,542,856 (Small),
//     BN gamma and beta included.
//   - Padding is PyTorch's symmetric k//2 (same output sizes as TF SAME for even inputs).
#include "models/models.h"

#include <iterator>

namespace es::models::arch {

namespace {

struct bneck {
    int k, exp, out;
    bool se;
    bool hs; // hard-swish, else ReLU
    int stride;
};

int build_v3(engine::graph_builder& b, const arch_options& o, const bneck* rows, int count, int head) {
    using engine::act;
    const double w = o.width;
    auto adjust = [&](int c) { return make_divisible(c * w, 8); };
    int x = block::conv_bn_act(b, b.input(), adjust(16), 3, 2, act::act_hswish, "conv1");
    for (int i = 0; i < count; ++i) {
        const bneck& r = rows[i];
        const int exp = adjust(r.exp);
        const int squeeze = r.se ? make_divisible(exp / 4, 8) : 0;
        x = block::inverted_residual(b, x, exp, adjust(r.out), r.k, r.stride,
                                     r.hs ? act::act_hswish : act::act_relu, squeeze,
                                     "block" + std::to_string(i + 1));
    }
    x = block::conv_bn_act(b, x, 6 * b.shape_of(x).c, 1, 1, act::act_hswish, "conv_last");
    x = b.global_avgpool(x, "avgpool");
    x = b.conv(x, adjust(head), 1, 1, 1, /*bn=*/false, "conv_head"); // NBN: bias, no BN
    x = b.act(x, act::act_hswish, "conv_head.hswish");
    return b.fc(x, o.classes, true, "fc");
}

} // namespace

int mobilenet_v3_large(engine::graph_builder& b, const arch_options& o) {
    static const bneck rows[] = {
        {3, 16, 16, false, false, 1}, {3, 64, 24, false, false, 2}, {3, 72, 24, false, false, 1},
        {5, 72, 40, true, false, 2},  {5, 120, 40, true, false, 1}, {5, 120, 40, true, false, 1},
        {3, 240, 80, false, true, 2}, {3, 200, 80, false, true, 1}, {3, 184, 80, false, true, 1},
        {3, 184, 80, false, true, 1}, {3, 480, 112, true, true, 1}, {3, 672, 112, true, true, 1},
        {5, 672, 160, true, true, 2}, {5, 960, 160, true, true, 1}, {5, 960, 160, true, true, 1},
    };
    return build_v3(b, o, rows, static_cast<int>(std::size(rows)), 1280);
}

int mobilenet_v3_small(engine::graph_builder& b, const arch_options& o) {
    static const bneck rows[] = {
        {3, 16, 16, true, false, 2}, {3, 72, 24, false, false, 2}, {3, 88, 24, false, false, 1},
        {5, 96, 40, true, true, 2},  {5, 240, 40, true, true, 1},  {5, 240, 40, true, true, 1},
        {5, 120, 48, true, true, 1}, {5, 144, 48, true, true, 1},  {5, 288, 96, true, true, 2},
        {5, 576, 96, true, true, 1}, {5, 576, 96, true, true, 1},
    };
    return build_v3(b, o, rows, static_cast<int>(std::size(rows)), 1024);
}

} // namespace es::models::arch
