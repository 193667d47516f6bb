// analysis: per-layer MACs, parameters, memory traffic and arithmetic intensity of a model
// graph, under the counting convention of a paper or of a profiling tool.
//
//   auto m = es::models::build_arch("mobilenet_v2", {}, &err);
//   auto r = es::models::analyze(*m, es::models::convention::convention_paper);
//   r.total.macs;      // 300,774,272 multiply-accumulates
//   r.layers[3].type;  // "depthwise"
//
// It runs on the builder's graph (before engine::optimize()), so batch norm and activations
// are layers of their own, as the papers draw them.
//
// Per layer:
//   macs       under the chosen convention (below)
//   params     trainable parameters: conv/fc weights and biases, BN gamma and beta, SE weights
//              and biases (engine::param_count over one layer); the totals add up to it
//   bytes      FP32 memory traffic if the layer ran alone:
//              4 x (input elements + stored weight floats + output elements), where the stored
//              weights are everything the layer reads from the model's weights (a BN reads
//              gamma, beta, mean and var: 4C floats; a conv its weights and bias). Layers with
//              two inputs (add, concat) count both; a split counts both outputs.
//   intensity  macs / bytes (MACs per byte; 0 when bytes is 0), the roofline's x axis
//   type       engine::op_name(), except that convolutions say "conv2d" (dense), "depthwise"
//              (groups == input channels > 1), "pointwise" (1x1, groups 1) or "group_conv"
//              (other groups > 1, e.g. ShuffleNet's 1x1 group convs)
// Totals: macs and params summed over the layers; activations = elements of the input plus
// every layer's outputs (a split's two outputs both count); weight_bytes = params x 4.
//
// Conventions. Definitions: a conv's "MACs" are out_elements x (Cin / groups) x Kh x Kw,
// an FC's are in_features x out_features, an SE block's are C x squeeze + squeeze x C (its
// two FCs). No convention counts the channel shuffle, split or concat.
//
//   paper         The papers' "multiply-adds" (MobileNet V1/V2/V3, ShuffleNet V1/V2): MACs
//                 of convs, FCs and the SE block's two FCs. No bias, BN, activation, pooling,
//                 residual add or SE scaling. The default.
//   torchprofile  profile_macs() of torchprofile (0.0.4; its current tests agree), per aten op:
//                 conv and linear MACs without bias; batch norm with affine parameters
//                 counts its output elements (one multiply-add each); average pools, the
//                 global pool (adaptive_avg_pool2d / mean) count their OUTPUT elements; the SE
//                 block counts its pool (C), its two FCs and its gating multiply (aten::mul:
//                 the block's elements). ReLU, ReLU6 (hardtanh), sigmoid, max pool, add and cat
//                 count 0; hardswish / hardsigmoid have no handler (skipped: 0). Not simply the
//                 paper count: BN alone adds a few percent (torchprofile's own test expects
//                 0.3075 GMACs for torchvision's mobilenet_v2, the paper count is 0.3008).
//   ptflops       get_model_complexity_info() of ptflops (0.7.x) with its pytorch backend
//                 (module hooks plus its functional and tensor-op patches): conv MACs + bias
//                 (Cout x Ho x Wo when the conv has one: the NBN conv, the SE FCs), linear
//                 in x out + out (bias); batch norm 2 x elements (affine); ReLU and ReLU6
//                 (also the SE's inner ReLU) their output elements; hard-swish, hard-sigmoid and
//                 sigmoid 0 (ptflops has no hook for them); max / average / global pooling
//                 their INPUT elements (also the SE's pool); the residual add and the SE's
//                 scaling multiply their output elements (its torch.add / torch.mul hooks;
//                 a model written with the + and * operators escapes those hooks); softmax its
//                 elements.
//   fvcore        FlopCountAnalysis of fvcore (0.1.5), model in eval mode. Despite the name,
//                 one "flop" is one multiply-add: conv and linear MACs without bias; batch
//                 norm 2 x elements (batchnorm_flop_jit in inference with affine
//                 parameters; 5 x in training mode); the global pool and the SE's pool as
//                 adaptive_avg_pool2d = INPUT elements. Activations, max / average pooling
//                 (aten::avg_pool2d has no handler), add and mul are not counted.
//   flops         2 x the paper count: one multiply-add = two floating-point operations,
//                 the convention of torch.utils.flop_counter (conv and matmul only, no
//                 bias, no BN, no elementwise ops).
#pragma once

#include "engine/model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::models {

enum class convention : std::uint8_t {
    convention_paper,
    convention_torchprofile,
    convention_ptflops,
    convention_fvcore,
    convention_flops,
};

// "paper", "torchprofile", "ptflops", "fvcore", "flops" (exact, lower case); nullopt otherwise.
std::optional<convention> parse_convention(std::string_view s);
const char* convention_name(convention c);
std::vector<std::string> convention_names();

struct layer_row {
    std::string name;
    std::string type;
    std::string in_shape;  // shape_text of the input(s), ", "-separated for several
    std::string out_shape; // shape_text of the output(s)
    std::uint64_t macs = 0;
    std::uint64_t params = 0;
    std::uint64_t bytes = 0;
    double intensity = 0.0;
};

struct analysis_totals {
    std::uint64_t macs = 0;
    std::uint64_t params = 0;
    std::uint64_t activations = 0;
    std::uint64_t weight_bytes = 0;
};

struct analysis {
    convention conv = convention::convention_paper;
    std::vector<layer_row> layers; // one per node after the input, in execution order
    analysis_totals total;
};

analysis analyze(const engine::model& m, convention c = convention::convention_paper);

// The type column for one node ("depthwise", "pointwise", ... for convolutions).
std::string layer_type(const engine::model& m, const engine::node& n);

} // namespace es::models
