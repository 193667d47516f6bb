// weights_io: the weights file format, version 1 (".esw"). Little-endian throughout.
//
//   offset  size  field
//   0       4     magic "ESWT"
//   4       4     u32 version (1)
//   8       4     u32 flags (0)
//   12      4     u32 description length D (at most 64 KiB)
//   16      D     description: UTF-8 JSON, {"arch": "...", "options": {"width", "res", "in_ch",
//                 "classes", "groups"}, ...}: enough to rebuild the architecture
//   16+D    4     u32 tensor count T (at most 100,000)
//           ...   T entries: u16 name length, name bytes, u8 dtype (0 = f32), u8 rank (1..4),
//                 u32 dims[rank], u64 offset (bytes, from the start of the data section),
//                 u64 element count (= product of dims)
//           ...   zero padding to a multiple of 16 bytes; the data section
//   end-4   4     u32 CRC-32 (IEEE) of every byte before it
//
// Tensor names follow the builder's layer names: "<layer>.weight" / "<layer>.bias" for conv
// and fc ([cout][kh][kw][cin/groups], [cout][in]), "<layer>.gamma", ".beta",
// ".running_mean", ".running_var" for batch norm, "<layer>.fc1.weight" ... for SE.
// A file may also hold an optimized (folded) graph: every conv then has a bias and no batch
// norm is left; its description says "folded": true (models::model_from_file optimizes the
// rebuilt architecture before applying it). Quantization-aware-trained models are stored so,
// with their quantization in the description's "quant" (src/quant/qat_file.h).
//
//   auto bytes = es::engine::weights_serialize(m, {{"arch", "tiny_mobilenet_v2"}});
//   auto file = es::engine::weights_parse(bytes, &err);            // nullopt + err when bad
//   std::string e = es::engine::weights_apply(m2, *file);          // "" when every tensor fits
//
// The parser validates everything once (sizes, bounds, overflow, checksum, finite values)
// and names what is wrong; it is fuzzed (tests/fuzz/fuzz_weights.cpp).
#pragma once

#include "engine/model.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace es::engine {

inline constexpr std::uint32_t weights_version = 1;

struct named_tensor {
    std::string name;
    std::vector<std::uint32_t> dims;
    std::vector<float> values;
};

struct weights_file {
    nlohmann::json description;
    std::vector<named_tensor> tensors;
};

// Every parameter and batch-norm statistic of the model, by layer name (of an optimized
// model: its conv/fc/SE weights and biases).
std::vector<named_tensor> model_tensors(const model& m);

std::vector<unsigned char> weights_serialize(const model& m, const nlohmann::json& description);
std::optional<weights_file> weights_parse(std::span<const unsigned char> bytes, std::string* error);
// Copies the file's tensors into the model. Every tensor the model needs must be present
// with its exact shape, and the file may hold nothing else. Returns "" or the mismatch.
std::string weights_apply(model& m, const weights_file& file);

// Files: errors name the file.
std::string weights_save_file(const std::string& path, const model& m, const nlohmann::json& description);
std::optional<weights_file> weights_load_file(const std::string& path, std::string* error);

}  // namespace es::engine
