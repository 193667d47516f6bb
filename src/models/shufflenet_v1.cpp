// ShuffleNet V1 (Zhang et al., arXiv 1707.01083), Table 1: ShuffleNet 1x at 224x224.
//
//   layer        output    k     s   repeat   output channels for g = 1 / 2 / 3 / 4 / 8
//   image        224x224                      3
//   conv1        112x112   3x3   2   1        24 (every g)
//   max pool     56x56     3x3   2
//   stage 2      28x28           2   1        144 / 200 / 240 / 272 / 384
//                28x28           1   3
//   stage 3      14x14           2   1        288 / 400 / 480 / 544 / 768
//                14x14           1   7
//   stage 4      7x7             2   1        576 / 800 / 960 / 1088 / 1536
//                7x7             1   3
//   global pool  1x1       7x7
//   FC                                        1000
//   complexity (MFLOPs = multiply-adds): 143 / 140 / 137 / 133 / 137
//
// ShuffleNet unit (Fig. 2): 1x1 group conv to the bottleneck width (1/4 of the unit's
// output) + BN + ReLU, channel shuffle, 3x3 depthwise (stride s) + BN, 1x1 group conv + BN;
// stride 1: add the input, then ReLU; stride 2: the shortcut is a 3x3/2 average pool and is
// concatenated with the branch (whose 1x1 conv therefore outputs out - in channels), then ReLU.
// Table 2 quotes "ShuffleNet 1x" as 140 MFLOPs for every g: the widths were chosen to keep
// the cost about equal.
//
// Deviations and choices:
//   - Stage 2's first 1x1 conv is not grouped (paper Sec. 3.3: its input has only 24
//     channels); the channel shuffle still follows it, as in the authors' released code.
//   - The shuffle follows the first 1x1 group conv (Fig. 2); the released code shuffles after
//     the depthwise conv instead. Both cost nothing and compute the same kind of function.
//   - Padding is PyTorch's symmetric k//2 for conv1, the max pool and the avg-pool shortcut.
//   - The FC has a bias; parameter counts include BN gamma and beta.
//   - Width multiplier s (the paper's "ShuffleNet s x", scaling every stage's filters):
//     stage channels = _make_divisible(c * s, 4g) so the bottleneck (1/4) splits into g
//     groups; conv1 = _make_divisible(24 * s, lcm(4, g)) so that stage 2's first branch
//     (out - 24 s) is divisible by g. This reproduces the authors' 0.5x tables (conv1 12 for
//     g = 3 and 16 for g = 8, stages 120/240/480 and 192/384/768); their 1.5x keeps conv1 at 24,
//     here it is 36 (g = 3).
#include "models/models.h"

#include <numeric>

namespace es::models::arch {

int shufflenet_v1(engine::graph_builder& b, const arch_options& o) {
    using engine::act;
    int base[3] = {240, 480, 960};
    switch (o.groups) {
    case 1:
        base[0] = 144;
        break;
    case 2:
        base[0] = 200;
        break;
    case 3:
        base[0] = 240;
        break;
    case 4:
        base[0] = 272;
        break;
    case 8:
        base[0] = 384;
        break;
    default:
        base[0] = 240;
        break; // build_arch() rejects other groups
    }
    base[1] = 2 * base[0];
    base[2] = 4 * base[0];
    const double w = o.width;
    const int g = o.groups;
    const int stem = make_divisible(24 * w, std::lcm(4, g));
    int x = block::conv_bn_act(b, b.input(), stem, 3, 2, act::act_relu, "conv1");
    x = b.maxpool(x, 3, 2, 1, "maxpool");
    static const int repeats[3] = {3, 7, 3};
    for (int s = 0; s < 3; ++s) {
        const int out = make_divisible(base[s] * w, 4 * g);
        const std::string stage = "stage" + std::to_string(s + 2);
        x = block::shufflenet_v1_unit(b, x, out, g, 2, /*group_first_pw=*/s != 0, stage + ".1");
        for (int i = 0; i < repeats[s]; ++i)
            x = block::shufflenet_v1_unit(b, x, out, g, 1, true, stage + "." + std::to_string(i + 2));
    }
    return block::classifier(b, x, o.classes);
}

} // namespace es::models::arch
