// ShuffleNet V2 (Ma et al., arXiv 1807.11164), Table 5, at 224x224.
//
//   layer        output    k     s   repeat   output channels at 0.5x / 1x / 1.5x / 2x
//   image        224x224                      3
//   conv1        112x112   3x3   2   1        24 / 24 / 24 / 24
//   max pool     56x56     3x3   2
//   stage 2      28x28           2   1        48 / 116 / 176 / 244
//                28x28           1   3
//   stage 3      14x14           2   1        96 / 232 / 352 / 488
//                14x14           1   7
//   stage 4      7x7             2   1        192 / 464 / 704 / 976
//                7x7             1   3
//   conv5        7x7       1x1   1   1        1024 / 1024 / 1024 / 2048
//   global pool  1x1       7x7
//   FC                                        1000
//   FLOPs (multiply-adds)                     41M / 146M / 299M / 591M
//   weights                                   1.4M / 2.3M / 3.5M / 7.4M
//
// Units (Fig. 3 c, d): stride 1: channel split into two halves; the left half passes
// through, the right goes 1x1 conv + BN + ReLU, 3x3 depthwise + BN, 1x1 conv + BN + ReLU;
// concatenate; channel shuffle (2 groups). Stride 2: no split; the left branch is 3x3/2
// depthwise + BN, 1x1 conv + BN + ReLU, the right branch as in the stride-1 unit but with a
// stride-2 depthwise; concatenating doubles the channels; channel shuffle.
//
// Deviations and choices (torchvision's shufflenet_v2_x*_* where the paper is silent):
//   - Every conv is followed by BN; conv1, the max pool and the depthwise convs use
//     PyTorch's symmetric k//2 padding. The FC has a bias. Parameters then equal
//     torchvision's exactly: 2,278,604 at 1x (BN gamma and beta included).
//   - Width: the published columns are used exactly at 0.5, 1, 1.5 and 2. Other widths
//     interpolate each stage's channels linearly between the neighbouring columns (below 0.5:
//     the 0.5x column scaled by width / 0.5), rounded to a multiple of 4; conv5 stays 1024 up
//     to 1.5x and interpolates to 2048 at 2x.
#include "models/models.h"

#include <algorithm>
#include <cmath>

namespace es::models::arch {

namespace {

struct column {
    double width;
    int stage[3];
    int conv5;
};
constexpr column columns[] = {
    {0.5, {48, 96, 192}, 1024},
    {1.0, {116, 232, 464}, 1024},
    {1.5, {176, 352, 704}, 1024},
    {2.0, {244, 488, 976}, 2048},
};

// Stage channels and conv5 width for any multiplier.
void channels_for(double w, int stage[3], int& conv5) {
    for (const auto& c : columns)
        if (std::fabs(w - c.width) < 1e-6) {
            std::copy(c.stage, c.stage + 3, stage);
            conv5 = c.conv5;
            return;
        }
    if (w < columns[0].width) {
        const double f = w / columns[0].width;
        for (int s = 0; s < 3; ++s)
            stage[s] = make_divisible(columns[0].stage[s] * f, 4);
        conv5 = columns[0].conv5;
        return;
    }
    std::size_t hi = 1;
    while (hi + 1 < std::size(columns) && columns[hi].width < w)
        ++hi;
    const column& a = columns[hi - 1];
    const column& c = columns[hi];
    const double f = std::clamp((w - a.width) / (c.width - a.width), 0.0, 1.0);
    for (int s = 0; s < 3; ++s)
        stage[s] = make_divisible(a.stage[s] + f * (c.stage[s] - a.stage[s]), 4);
    conv5 = make_divisible(a.conv5 + f * (c.conv5 - a.conv5), 8);
}

} // namespace

int shufflenet_v2(engine::graph_builder& b, const arch_options& o) {
    using engine::act;
    int stage_ch[3];
    int conv5 = 1024;
    channels_for(o.width, stage_ch, conv5);
    int x = block::conv_bn_act(b, b.input(), 24, 3, 2, act::act_relu, "conv1");
    x = b.maxpool(x, 3, 2, 1, "maxpool");
    static const int repeats[3] = {3, 7, 3};
    for (int s = 0; s < 3; ++s) {
        const std::string stage = "stage" + std::to_string(s + 2);
        x = block::shufflenet_v2_unit(b, x, stage_ch[s], 2, stage + ".1");
        for (int i = 0; i < repeats[s]; ++i)
            x = block::shufflenet_v2_unit(b, x, stage_ch[s], 1, stage + "." + std::to_string(i + 2));
    }
    x = block::conv_bn_act(b, x, conv5, 1, 1, act::act_relu, "conv5");
    return block::classifier(b, x, o.classes);
}

} // namespace es::models::arch
