// model_file: a weights file (engine/weights_io.h) plus the architecture it describes.
//
//   es::models::save_model_file("m.esw", model, "tiny_mobilenet_v2", opts);
//   auto m = es::models::load_model_file("m.esw", &err);   // rebuilt and filled, or nullopt
#pragma once

#include "engine/model.h"
#include "engine/weights_io.h"
#include "models/models.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace es::models {

nlohmann::json describe(const std::string& arch, const arch_options& o);
// Reads "arch" and "options" back; nullopt + *error when absent or out of range.
std::optional<std::pair<std::string, arch_options>> parse_description(const nlohmann::json& d, std::string* error);

// `storage`: how the weight tensors are stored (engine/weights_io.h: f32, or the sparse forms
// pruned models use); `extra` is merged into the description (e.g. "pruning": {...}).
std::string save_model_file(const std::string& path, const engine::model& m, const std::string& arch,
                            const arch_options& o,
                            engine::weight_storage storage = engine::weight_storage::f32,
                            const nlohmann::json& extra = nlohmann::json::object());
// The model a parsed weights file describes: the architecture rebuilt from "arch"/"options",
// then, when the description holds "channels": {"<layer>": width, ...} (a channel-pruned
// model, src/prune/channels.h), those layers narrowed to their widths, then, when the
// description says "folded": true (a file written from an optimized graph:
// conv biases, no batch norm; quantization-aware training writes these, src/quant/qat_file.h),
// engine::optimize() of it, and the file's tensors applied. nullopt + *error otherwise.
std::optional<engine::model> model_from_file(const engine::weights_file& file, std::string* error);
std::optional<engine::model> load_model_file(const std::string& path, std::string* error);

}  // namespace es::models
