// MobileNet V2 (Sandler et al., arXiv 1801.04381), Table 2, at width 1.0 and 224x224.
//
// Each row is a sequence of n identical bottlenecks (inverted residuals); the first of them
// has stride s, the others stride 1; t is the expansion factor, c the output channels.
//
//   input        operator             t     c      n    s
//   224x224x3    conv2d 3x3           -     32     1    2
//   112x112x32   bottleneck           1     16     1    1
//   112x112x16   bottleneck           6     24     2    2
//   56x56x24     bottleneck           6     32     3    2
//   28x28x32     bottleneck           6     64     4    2
//   14x14x64     bottleneck           6     96     3    1
//   14x14x96     bottleneck           6     160    3    2
//   7x7x160      bottleneck           6     320    1    1
//   7x7x320      conv2d 1x1           -     1280   1    1
//   7x7x1280     avgpool 7x7          -     -      1    -
//   1x1x1280     conv2d 1x1 (= FC)    -     k      -    -
//
// Bottleneck (Table 1): 1x1 expand to t*cin + BN + ReLU6, 3x3 depthwise stride s + BN +
// ReLU6, 1x1 project to c + BN with NO activation (the linear bottleneck); a residual add when
// s = 1 and cin = c. Published: 300M multiply-adds, 3.4M parameters.
//
// Deviations and choices (torchvision's mobilenet_v2 where the paper is silent):
//   - t = 1 (the first bottleneck) has no expansion conv at all, as in torchvision/TF.
//   - Channels: _make_divisible(c * width, 8) for the stem and every bottleneck; the last conv
//     has _make_divisible(1280 * max(1, width), 8) channels (the paper: "for multipliers less
//     than one, we apply width multiplier to all layers except the very last").
//   - Classifier: global average pool, then an FC with bias (torchvision's Linear; dropout is
//     a training detail and not part of the graph). Parameters then equal torchvision's
//     3,504,872 exactly (BN gamma and beta included); the paper's 3.4M leaves out BN.
//   - Padding is PyTorch's symmetric k//2 (same output sizes as TF SAME for even inputs).
#include "models/models.h"

#include <algorithm>
#include <cmath>

namespace es::models::arch {

int mobilenet_v2(engine::graph_builder& b, const arch_options& o) {
    using engine::act;
    struct row {
        int t, c, n, s;
    };
    static const row rows[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                               {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    const double w = o.width;
    const int stem = make_divisible(32 * w, 8);
    const int last = make_divisible(1280 * std::max(1.0, w), 8);
    int x = block::conv_bn_act(b, b.input(), stem, 3, 2, act::act_relu6, "conv1");
    int index = 1;
    for (const auto& r : rows) {
        const int cout = make_divisible(r.c * w, 8);
        for (int i = 0; i < r.n; ++i) {
            const int cin = b.shape_of(x).c;
            const int hidden = static_cast<int>(std::lround(static_cast<double>(cin) * r.t));
            x = block::inverted_residual(b, x, hidden, cout, 3, i == 0 ? r.s : 1, act::act_relu6, 0,
                                         "block" + std::to_string(index++));
        }
    }
    x = block::conv_bn_act(b, x, last, 1, 1, act::act_relu6, "conv_last");
    return block::classifier(b, x, o.classes);
}

} // namespace es::models::arch
