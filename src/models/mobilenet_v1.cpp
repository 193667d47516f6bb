// MobileNet V1 (Howard et al., arXiv 1704.04861), Table 1, at width 1.0 and 224x224.
//
//   layer            filter (k x k x cin x cout)   stride   output
//   conv             3x3x3x32                       2        112x112x32
//   dw               3x3x32 dw                      1        112x112x32
//   pw               1x1x32x64                      1        112x112x64
//   dw               3x3x64 dw                      2        56x56x64
//   pw               1x1x64x128                     1        56x56x128
//   dw               3x3x128 dw                     1        56x56x128
//   pw               1x1x128x128                    1        56x56x128
//   dw               3x3x128 dw                     2        28x28x128
//   pw               1x1x128x256                    1        28x28x256
//   dw               3x3x256 dw                     1        28x28x256
//   pw               1x1x256x256                    1        28x28x256
//   dw               3x3x256 dw                     2        14x14x256
//   pw               1x1x256x512                    1        14x14x512
//   5 x { dw 3x3x512 dw, s1; pw 1x1x512x512, s1 }            14x14x512
//   dw               3x3x512 dw                     2        7x7x512
//   pw               1x1x512x1024                   1        7x7x1024
//   dw               3x3x1024 dw                    1 (*)    7x7x1024
//   pw               1x1x1024x1024                  1        7x7x1024
//   avg pool 7x7                                             1x1x1024
//   fc               1024 x 1000                             1000, then softmax
//
// Every conv is followed by batch norm and ReLU (paper Fig. 3). Published: 569M mult-adds,
// 4.2M parameters.
//
// Deviations and choices:
//   (*) Table 1 prints "Conv dw / s2" for the second-to-last depthwise layer although its
//       input and output are both 7x7; the reference implementations (TF-slim, Keras) use
//       stride 1 there, and so does this builder.
//   - The global pool is a global average pool (7x7 at 224; any size at other resolutions).
//   - Padding is PyTorch's symmetric k//2; TF "SAME" pads stride-2 layers asymmetrically but
//     gives the same output sizes whenever the input is even (224 -> 112 -> ... -> 7).
//   - The softmax is left to the loss / the caller; the graph ends with the FC logits.
//   - Width multiplier alpha: channels = max(8, int(c * alpha)), TF-slim's rule with its
//     min_depth of 8 (the paper only says "alpha * M").
//   - The FC has a bias; parameter counts include BN gamma and beta: 4,231,976 at 1.0x,
//     Keras' trainable count. The paper's 4.2M is the conv and FC weights alone: 4,209,088
//     (4,210,088 with the FC bias; BN adds 2 x 10,944 channels = 21,888).
#include "models/models.h"

#include <algorithm>

namespace es::models::arch {

int mobilenet_v1(engine::graph_builder& b, const arch_options& o) {
    auto ch = [&](int c) { return std::max(8, static_cast<int>(static_cast<float>(c) * o.width)); };
    struct row {
        int cout, stride;
    };
    static const row rows[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},  {512, 2}, {512, 1},
                               {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
    int x = block::conv_bn_act(b, b.input(), ch(32), 3, 2, engine::act::act_relu, "conv1");
    int i = 1;
    for (const auto& r : rows)
        x = block::dsc(b, x, ch(r.cout), r.stride, "block" + std::to_string(i++));
    return block::classifier(b, x, o.classes);
}

} // namespace es::models::arch
