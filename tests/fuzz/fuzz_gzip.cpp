// libFuzzer target: arbitrary bytes as gzip data (the dataset files' format). Decompression
// must never crash, read out of bounds or exceed its output limit.
#include "data/inflate.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string err;
    auto out = es::data::gunzip(std::span<const unsigned char>(data, size), &err, 1 << 20);
    if (out && out->size() > (1u << 20)) std::abort();
    es::data::inflate_raw(std::span<const unsigned char>(data, size), 1 << 20, &err);
    return 0;
}
