// qat_file: a quantization-aware-trained model as a weights file (engine/weights_io.h), next
// to the shipped weights (web/models/<arch>.qat<bits>.esw).
//
// The file is an ordinary .esw file of the FOLDED graph (every conv carries a bias, no batch
// norm is left: the tensors "<layer>.weight" / "<layer>.bias" and the SE blocks' fc1/fc2),
// holding the float master weights; the description says so and adds the quantization:
//
//   {"arch", "options", "layout", "format",   as models::describe()
//    "folded": true,
//    "quant": {"graph": "int8_graph",           the ranges' tensor ids are those of
//              "weight_bits": 2..8,              quant::int8_graph(build_arch(arch, options))
//              "act_bits": 2..8,
//              "per_channel": bool, "restricted": bool,
//              "ranges": [[t, lo, hi], ...]},    one per tensor with param_source(graph)[t] == t,
//                                                finite, lo <= hi
//    "qat": {...}}                               how it was made (informational, never read back)
//
// The integer engine re-derives the stored weights from the masters with weight_params(), so
// they are exactly the fake-quantized weights QAT trained with. Loading rebuilds the
// architecture, makes int8_graph() of it, applies the tensors (models::model_from_file) and
// validates "quant" completely: bad metadata is an error naming the field, never a model.
//
//   auto err = es::quant::save_qat_file("m.qat4.esw", result.trained, "tiny_mobilenet_v2", opts, info);
//   auto m = es::quant::load_qat_file("m.qat4.esw", &err);   // qat_model, or nullopt + err
#pragma once

#include "engine/weights_io.h"
#include "models/models.h"
#include "quant/qat.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::quant {

// The description of m (info becomes "qat"; may be null).
nlohmann::json describe_qat(const std::string& arch, const models::arch_options& o, const qat_model& m,
                            const nlohmann::json& info);
std::string save_qat_file(const std::string& path, const qat_model& m, const std::string& arch,
                          const models::arch_options& o, const nlohmann::json& info = nullptr);

// The "quant" object read against the graph it belongs to: the options and the ranges by
// tensor id (zero where a tensor has no parameters of its own); nullopt + *error when any
// field is missing, mistyped or out of range, a tensor id is unknown, repeated or not
// parameter-carrying, or a parameter-carrying tensor has no range.
std::optional<std::pair<ptq_options, std::vector<range>>> parse_quant(const nlohmann::json& quant, const engine::model& g,
                                                                      std::string* error);

// A parsed weights file (engine::weights_parse) as a QAT model; nullopt + *error when it is
// not a folded file with valid quantization for its architecture.
std::optional<qat_model> qat_from_file(const engine::weights_file& f, std::string* error);
std::optional<qat_model> load_qat_file(const std::string& path, std::string* error);

}  // namespace es::quant
