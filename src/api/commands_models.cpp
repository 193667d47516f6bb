// Model commands: analyze (per-layer MACs, parameters, memory traffic of an architecture).
//
//   edgestudy-cli analyze --arch mobilenet_v2 --convention paper --json
//   {"arch": "mobilenet_v2", "convention": "paper",
//    "total": {"macs", "params", "activations", "weight_bytes"},
//    "memory": {"weight_values", "bias_values", "weights_bytes": {"fp32", "fp16", "int8"},
//               "sparse24": {"eligible_weights", "fp16_bytes", "int8_bytes"},
//               "peak_activation_bytes": {"fp32", "fp16", "int8"}}   (models/memory.h)
//    "layers": [{"name", "type", "in_shape", "out_shape", "macs", "params", "bytes", "intensity"}]}
//
// The tiny presets (tiny_*) default to res 28, in-ch 1, classes 10; the others to 224, 3, 1000.
#include "api/dispatcher.h"
#include "api/model_args.h"

#include "models/analysis.h"
#include "models/memory.h"
#include "models/models.h"

#include <limits>

namespace es::api {

namespace {

json cmd_analyze(const json& args) {
    const std::string arch = args.at("arch").get<std::string>();
    const models::arch_options o = options_from_args(args);
    const std::string conv_text = args.value("convention", std::string("paper"));
    const auto conv = models::parse_convention(conv_text);
    if (!conv) return make_error("argument --convention: unknown convention \"" + conv_text + "\"");

    std::string error;
    auto m = models::build_arch(arch, o, &error);
    if (!m) return make_error(error);
    const models::analysis r = models::analyze(*m, *conv);

    json layers = json::array();
    for (const auto& l : r.layers) {
        layers.push_back({{"name", l.name},
                          {"type", l.type},
                          {"in_shape", l.in_shape},
                          {"out_shape", l.out_shape},
                          {"macs", l.macs},
                          {"params", l.params},
                          {"bytes", l.bytes},
                          {"intensity", l.intensity}});
    }
    const models::memory_footprint mem = models::memory_of(*m);
    if (!mem.error.empty()) return make_error(mem.error);
    json memory = {{"weight_values", mem.weight_values},
                   {"bias_values", mem.bias_values},
                   {"weights_bytes", {{"fp32", mem.weights_fp32}, {"fp16", mem.weights_fp16}, {"int8", mem.weights_int8}}},
                   {"sparse24",
                    {{"eligible_weights", mem.sparse24_eligible},
                     {"fp16_bytes", mem.sparse24_fp16},
                     {"int8_bytes", mem.sparse24_int8}}},
                   {"peak_activation_bytes",
                    {{"fp32", mem.peak_activations_fp32},
                     {"fp16", mem.peak_activations_fp16},
                     {"int8", mem.peak_activations_int8}}}};
    return {{"arch", arch},
            {"memory", std::move(memory)},
            {"convention", models::convention_name(*conv)},
            {"options",
             {{"res", o.res},
              {"width", o.width},
              {"in_ch", o.in_ch},
              {"classes", o.classes},
              {"groups", o.groups}}},
            {"total",
             {{"macs", r.total.macs},
              {"params", r.total.params},
              {"activations", r.total.activations},
              {"weight_bytes", r.total.weight_bytes}}},
            {"layers", std::move(layers)}};
}

std::vector<arg_spec> analyze_args() {
    auto args = model_arg_specs(/*arch_required=*/true);
    args.push_back({"convention", arg_type::arg_type_choice, "how to count MACs", false,
                    -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                    models::convention_names(), "paper"});
    return args;
}

} // namespace

void register_model_commands(std::vector<command_spec>& out) {
    out.push_back(
        {"analyze",
         "Per-layer MACs, parameters, FP32 bytes moved and arithmetic intensity of an architecture, "
         "under a paper's or a profiling tool's counting convention.",
         analyze_args(),
         cmd_analyze});
}

} // namespace es::api
