// png_write: encodes RGBA8 pixels as a PNG file (stored deflate blocks, no compression
// library needed). Used for the desktop app's --screenshot.
//
//   std::vector<unsigned char> png = es::image::png_encode_rgba(w, h, pixels);
//   std::string err = es::image::png_write_file("shot.png", w, h, pixels);  // "" on success
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace es::image {

// pixels: rows top to bottom, 4 bytes per pixel (R, G, B, A), width*height*4 bytes.
std::vector<unsigned char> png_encode_rgba(std::uint32_t width, std::uint32_t height,
                                           const unsigned char* pixels);
std::string png_write_file(const std::string& path, std::uint32_t width, std::uint32_t height,
                           const unsigned char* pixels);

std::uint32_t crc32(const unsigned char* data, std::size_t n, std::uint32_t crc = 0);
std::uint32_t adler32(const unsigned char* data, std::size_t n);

}  // namespace es::image
