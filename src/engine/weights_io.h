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
//           ...   T entries: u16 name length, name bytes, u8 dtype, u8 rank (1..4),
//                 u32 dims[rank], u64 offset (bytes, from the start of the data section, a
//                 multiple of 4), u64 element count N (= product of dims)
//           ...   zero padding to a multiple of 16 bytes; the data section
//   end-4   4     u32 CRC-32 (IEEE) of every byte before it
//
// dtypes (how a tensor's N values are stored at its offset):
//   0  f32         N little-endian IEEE binary32 values.
//   1  sparse-f16  a bitmask of ceil(N/8) bytes (value i nonzero iff bit i%8 of byte i/8, LSB
//                  first; the bits past N are 0), then one IEEE binary16 value (u16) per set bit,
//                  in index order; every other value is exactly 0. Pruned weights: 50% sparse
//                  costs 1/8 + 1 byte per value instead of 4, 90% 1/8 + 0.2.
//   2  sparse-f32  the same bitmask, then binary32 values.
//   Dtypes 1 and 2 came with pruning (src/prune); a reader from before refuses them by name
//   ("unsupported dtype 1"). Stored nonzeros must be finite and not zero (one form per tensor).
//   The parser expands every tensor to dense floats: weights_file holds no dtype.
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

// How weights_serialize stores the weight tensors ("*.weight": conv, fc and SE weights).
// Biases and batch-norm tensors are always f32.
enum class weight_storage : std::uint8_t { f32 = 0, sparse_f16 = 1, sparse_f32 = 2 };

// IEEE binary16 <-> binary32, round to nearest even; magnitudes beyond the largest half
// (65504) saturate to it (the parser refuses infinities), NaN stays NaN.
std::uint16_t float_to_half(float f);
float half_to_float(std::uint16_t h);
// What a value becomes stored as binary16: half_to_float(float_to_half(f)). Round a model's
// weights with it before evaluating, and the file saved with sparse_f16 is that model exactly.
inline float f16_round(float f) { return half_to_float(float_to_half(f)); }

std::vector<unsigned char> weights_serialize(const model& m, const nlohmann::json& description,
                                             weight_storage storage = weight_storage::f32);
std::optional<weights_file> weights_parse(std::span<const unsigned char> bytes, std::string* error);
// Copies the file's tensors into the model. Every tensor the model needs must be present
// with its exact shape, and the file may hold nothing else. Returns "" or the mismatch.
std::string weights_apply(model& m, const weights_file& file);

// Files: errors name the file.
std::string weights_save_file(const std::string& path, const model& m, const nlohmann::json& description,
                              weight_storage storage = weight_storage::f32);
std::optional<weights_file> weights_load_file(const std::string& path, std::string* error);

}  // namespace es::engine
