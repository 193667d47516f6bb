// Tiny presets: one per family, for 28x28x1 Fashion-MNIST with 10 classes, small enough to
// train in the page (at most 300k parameters, a few million MACs) yet each keeping its
// family's defining block. Options (width, res, in_ch, classes; groups for ShuffleNet V1)
// apply as for the full networks; the numbers below are at the defaults (28x28x1, 10
// classes, width 1, g = 3), paper-convention MACs.
//
// Common deviations from the papers, all presets:
//   - The stem conv has stride 1 (papers: 2) and ShuffleNet's max pool is dropped: a 28x28
//     image has no pixels to spare, and two stride-2 steps already end at 7x7 (the
//     ImageNet networks end at 7x7 from 224 after five).
//   - Fewer and narrower stages, and a much smaller head before the 10-way FC.
//
// tiny_mobilenet_v1 (MobileNet V1 Table 1 -> depthwise-separable blocks, BN + ReLU):
//   conv 3x3/1 32 (28x28) | DSC 64 /1 | DSC 128 /2 (14x14) | DSC 128 /1 | DSC 256 /2 (7x7) |
//   DSC 256 /1 x 2 | global avg pool | FC 10.
//   Dropped: the 512 and 1024 stages. 205,066 params, 15.5M MACs.
//
// tiny_mobilenet_v2 (MobileNet V2 Table 2 rows t, c, n, s -> inverted residuals with linear
// bottlenecks, ReLU6, residual adds):
//   conv 3x3/1 16 (28x28) | 1,16,1,1 | 6,24,2,2 (14x14) | 6,32,3,2 (7x7) | 6,64,3,1 |
//   conv 1x1 256 | global avg pool | FC 10.
//   Dropped: the 96, 160 and 320 rows; the last conv has 256 channels instead of 1280.
//   203,370 params, 13.1M MACs.
//
// tiny_mobilenet_v3 (MobileNet V3-Small Table 2 -> bnecks with SE (squeeze
// _make_divisible(exp/4, 8), ReLU inside, hard-sigmoid gate) and hard-swish):
//   exp  out  SE   NL  s
//   conv 3x3/1 16, HS (28x28)
//   16   16   yes  RE  2   (14x14)
//   72   24   -    RE  1   (Table 2: stride 2)
//   88   24   -    RE  1
//   96   40   yes  HS  2   (7x7)
//   240  40   yes  HS  1
//   120  48   yes  HS  1
//   144  48   yes  HS  1
//   conv 1x1 288 HS | global avg pool | conv 1x1 NBN 256 HS | FC 10.
//   Dropped: one 240 block and the 96-channel stage; the post-pool layer has 256 channels
//   instead of 1024. 223,922 params, 6.2M MACs.
//
// tiny_shufflenet_v1 (ShuffleNet V1 Table 1 -> units with 1x1 group convs and channel
// shuffle; g = 3 by default, any of 1, 2, 3, 4, 8 with the paper's stage widths for that g):
//   conv 3x3/1 24 (28x28) | stage 2: 240, unit /2 (14x14) + 3 units | stage 3: 480, unit /2
//   (7x7) + 3 units | global avg pool | FC 10.
//   Dropped: the max pool, stage 4 and four of stage 3's units. Stage 2's first 1x1 is not
//   grouped, as in the paper. 188,626 params, 16.4M MACs (g = 1, 2, 4, 8: 193,330 /
//   192,026 / 185,322 / 194,626 params, 16.1M to 16.9M MACs).
//
// tiny_shufflenet_v2 (ShuffleNet V2 Table 5 at 1x -> channel split, branch, concat, shuffle):
//   conv 3x3/1 24 (28x28) | stage 2: 116, unit /2 (14x14) + 3 units | stage 3: 232, unit /2
//   (7x7) + 3 units | conv5 1x1 320 | global avg pool | FC 10.
//   Dropped: the max pool, stage 4 and four of stage 3's units; conv5 has 320 channels
//   instead of 1024. 238,118 params, 18.4M MACs.
#include "models/models.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>

namespace es::models::arch {

using engine::act;

int tiny_mobilenet_v1(engine::graph_builder& b, const arch_options& o) {
    auto ch = [&](int c) { return std::max(8, static_cast<int>(static_cast<float>(c) * o.width)); };
    struct row {
        int cout, stride;
    };
    static const row rows[] = {{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {256, 1}};
    int x = block::conv_bn_act(b, b.input(), ch(32), 3, 1, act::act_relu, "conv1");
    int i = 1;
    for (const auto& r : rows)
        x = block::dsc(b, x, ch(r.cout), r.stride, "block" + std::to_string(i++));
    return block::classifier(b, x, o.classes);
}

int tiny_mobilenet_v2(engine::graph_builder& b, const arch_options& o) {
    struct row {
        int t, c, n, s;
    };
    static const row rows[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 3, 1}};
    const double w = o.width;
    int x = block::conv_bn_act(b, b.input(), make_divisible(16 * w, 8), 3, 1, act::act_relu6, "conv1");
    int index = 1;
    for (const auto& r : rows) {
        const int cout = make_divisible(r.c * w, 8);
        for (int i = 0; i < r.n; ++i) {
            const int hidden = static_cast<int>(std::lround(static_cast<double>(b.shape_of(x).c) * r.t));
            x = block::inverted_residual(b, x, hidden, cout, 3, i == 0 ? r.s : 1, act::act_relu6, 0,
                                         "block" + std::to_string(index++));
        }
    }
    x = block::conv_bn_act(b, x, make_divisible(256 * std::max(1.0, w), 8), 1, 1, act::act_relu6,
                           "conv_last");
    return block::classifier(b, x, o.classes);
}

int tiny_mobilenet_v3(engine::graph_builder& b, const arch_options& o) {
    struct bneck {
        int k, exp, out;
        bool se, hs;
        int stride;
    };
    static const bneck rows[] = {
        {3, 16, 16, true, false, 2}, {3, 72, 24, false, false, 1}, {3, 88, 24, false, false, 1},
        {5, 96, 40, true, true, 2},  {5, 240, 40, true, true, 1},  {5, 120, 48, true, true, 1},
        {5, 144, 48, true, true, 1},
    };
    const double w = o.width;
    auto adjust = [&](int c) { return make_divisible(c * w, 8); };
    int x = block::conv_bn_act(b, b.input(), adjust(16), 3, 1, act::act_hswish, "conv1");
    int index = 1;
    for (const auto& r : rows) {
        const int exp = adjust(r.exp);
        x = block::inverted_residual(
            b, x, exp, adjust(r.out), r.k, r.stride, r.hs ? act::act_hswish : act::act_relu,
            r.se ? make_divisible(exp / 4, 8) : 0, "block" + std::to_string(index++));
    }
    x = block::conv_bn_act(b, x, 6 * b.shape_of(x).c, 1, 1, act::act_hswish, "conv_last");
    x = b.global_avgpool(x, "avgpool");
    x = b.conv(x, adjust(256), 1, 1, 1, /*bn=*/false, "conv_head");
    x = b.act(x, act::act_hswish, "conv_head.hswish");
    return b.fc(x, o.classes, true, "fc");
}

int tiny_shufflenet_v1(engine::graph_builder& b, const arch_options& o) {
    const int g = o.groups;
    int stage2 = 240;
    switch (g) {
    case 1:
        stage2 = 144;
        break;
    case 2:
        stage2 = 200;
        break;
    case 4:
        stage2 = 272;
        break;
    case 8:
        stage2 = 384;
        break;
    default:
        break;
    }
    const double w = o.width;
    int x = block::conv_bn_act(b, b.input(), make_divisible(24 * w, std::lcm(4, g)), 3, 1, act::act_relu,
                               "conv1");
    const int widths[2] = {stage2, 2 * stage2};
    for (int s = 0; s < 2; ++s) {
        const int out = make_divisible(widths[s] * w, 4 * g);
        const std::string stage = "stage" + std::to_string(s + 2);
        x = block::shufflenet_v1_unit(b, x, out, g, 2, /*group_first_pw=*/s != 0, stage + ".1");
        for (int i = 0; i < 3; ++i)
            x = block::shufflenet_v1_unit(b, x, out, g, 1, true, stage + "." + std::to_string(i + 2));
    }
    return block::classifier(b, x, o.classes);
}

int tiny_shufflenet_v2(engine::graph_builder& b, const arch_options& o) {
    const double w = o.width;
    int x = block::conv_bn_act(b, b.input(), 24, 3, 1, act::act_relu, "conv1");
    const int widths[2] = {116, 232};
    for (int s = 0; s < 2; ++s) {
        const int out = make_divisible(widths[s] * w, 4);
        const std::string stage = "stage" + std::to_string(s + 2);
        x = block::shufflenet_v2_unit(b, x, out, 2, stage + ".1");
        for (int i = 0; i < 3; ++i)
            x = block::shufflenet_v2_unit(b, x, out, 1, stage + "." + std::to_string(i + 2));
    }
    x = block::conv_bn_act(b, x, make_divisible(320 * std::max(1.0, w), 8), 1, 1, act::act_relu, "conv5");
    return block::classifier(b, x, o.classes);
}

} // namespace es::models::arch
