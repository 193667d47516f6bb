// inflate: DEFLATE (RFC 1951) and gzip (RFC 1952) decompression, written for the
// dataset files Debian ships gzip'd (dataset-fashion-mnist). No zlib: the same code runs
// natively and in WebAssembly, and it is fuzzed (tests/fuzz/fuzz_gzip.cpp).
//
//   std::string err;
//   auto raw = es::data::gunzip(file_bytes, &err, 64 << 20);   // nullopt + err when corrupt
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace es::data {

// Raw DEFLATE stream. `max_out` bounds the output (a corrupt stream cannot exhaust memory).
std::optional<std::vector<unsigned char>> inflate_raw(std::span<const unsigned char> in, std::size_t max_out,
                                                      std::string* error, std::size_t* consumed = nullptr);
// gzip member(s): header, DEFLATE data, CRC-32 and length checked.
std::optional<std::vector<unsigned char>> gunzip(std::span<const unsigned char> in, std::string* error,
                                                 std::size_t max_out = std::size_t{256} << 20);

}  // namespace es::data
