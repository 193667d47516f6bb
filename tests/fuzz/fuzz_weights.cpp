// libFuzzer target: arbitrary bytes as a weights file. The CRC in the last four bytes is
// recomputed first, so the fuzzer explores the structural parser rather than stopping at
// the checksum. Parsing must never crash; a file that parses and names a tiny preset is
// also applied to that network (shape checks), and a folded file with quantization metadata
// is read as a QAT model (src/quant/qat_file.h: the metadata validated against the graph).
// The sparse tensor forms (dtypes 1 and 2: bitmask + f16/f32 nonzeros, pruned models) go
// through the same parser; corpus/weights holds a pruned file as a seed. A file whose
// description says "ofa_supernet" is read as a Once-for-All supernet (src/nas/ofa_train.h: the
// space validated and bounded before the network is built); corpus/weights holds a small one.
#include "engine/weights_io.h"
#include "image/png_write.h"
#include "models/model_file.h"
#include "nas/ofa_train.h"
#include "quant/qat_file.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<unsigned char> bytes(data, data + size);
    if (bytes.size() >= 8) {
        const std::uint32_t crc = es::image::crc32(bytes.data(), bytes.size() - 4);
        for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(crc >> (8 * i));
    }
    std::string err;
    auto file = es::engine::weights_parse(bytes, &err);
    if (!file) return 0;
    if (file->description.is_object() && file->description.value("arch", nlohmann::json()) == "ofa_supernet") {
        es::nas::supernet_from_file(*file, &err);
        return 0;
    }
    auto desc = es::models::parse_description(file->description, &err);
    if (!desc || !es::models::is_tiny(desc->first) || desc->second.res > 64 || desc->second.width > 1.0f) return 0;
    if (file->description.contains("quant")) es::quant::qat_from_file(*file, &err);
    else es::models::model_from_file(*file, &err);
    return 0;
}
