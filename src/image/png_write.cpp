#include "image/png_write.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace es::image {

namespace {

const std::array<std::uint32_t, 256>& crc_table() {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    return table;
}

void put_u32_be(std::vector<unsigned char>& out, std::uint32_t v) {
    out.push_back(static_cast<unsigned char>(v >> 24));
    out.push_back(static_cast<unsigned char>(v >> 16));
    out.push_back(static_cast<unsigned char>(v >> 8));
    out.push_back(static_cast<unsigned char>(v));
}

void put_chunk(std::vector<unsigned char>& out, const char type[4], const std::vector<unsigned char>& data) {
    put_u32_be(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    put_u32_be(out, crc32(out.data() + start, out.size() - start));
}

}  // namespace

std::uint32_t crc32(const unsigned char* data, std::size_t n, std::uint32_t crc) {
    const auto& t = crc_table();
    crc = ~crc;
    for (std::size_t i = 0; i < n; ++i) crc = t[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

std::uint32_t adler32(const unsigned char* data, std::size_t n) {
    std::uint32_t a = 1, b = 0;
    for (std::size_t i = 0; i < n; ++i) {
        a = (a + data[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

std::vector<unsigned char> png_encode_rgba(std::uint32_t width, std::uint32_t height, const unsigned char* pixels) {
    std::vector<unsigned char> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    std::vector<unsigned char> ihdr;
    put_u32_be(ihdr, width);
    put_u32_be(ihdr, height);
    ihdr.insert(ihdr.end(), {8, 6, 0, 0, 0});  // 8 bits, RGBA, deflate, no filter method, no interlace
    put_chunk(out, "IHDR", ihdr);

    // Raw scanlines, each prefixed with filter type 0.
    const std::size_t row = static_cast<std::size_t>(width) * 4;
    std::vector<unsigned char> raw;
    raw.reserve((row + 1) * height);
    for (std::uint32_t y = 0; y < height; ++y) {
        raw.push_back(0);
        raw.insert(raw.end(), pixels + y * row, pixels + (y + 1) * row);
    }
    // zlib stream of stored (uncompressed) deflate blocks of at most 65535 bytes.
    std::vector<unsigned char> z = {0x78, 0x01};
    std::size_t off = 0;
    do {
        const std::size_t len = std::min<std::size_t>(65535, raw.size() - off);
        const bool last = off + len == raw.size();
        z.push_back(last ? 1 : 0);
        z.push_back(static_cast<unsigned char>(len & 0xFF));
        z.push_back(static_cast<unsigned char>(len >> 8));
        z.push_back(static_cast<unsigned char>(~len & 0xFF));
        z.push_back(static_cast<unsigned char>((~len >> 8) & 0xFF));
        z.insert(z.end(), raw.begin() + static_cast<std::ptrdiff_t>(off),
                 raw.begin() + static_cast<std::ptrdiff_t>(off + len));
        off += len;
    } while (off < raw.size());
    put_u32_be(z, adler32(raw.data(), raw.size()));
    put_chunk(out, "IDAT", z);
    put_chunk(out, "IEND", {});
    return out;
}

std::string png_write_file(const std::string& path, std::uint32_t width, std::uint32_t height,
                           const unsigned char* pixels) {
    const auto png = png_encode_rgba(width, height, pixels);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return "cannot open " + path + " for writing";
    const bool ok = std::fwrite(png.data(), 1, png.size(), f) == png.size();
    if (std::fclose(f) != 0 || !ok) return "cannot write " + path;
    return {};
}

}  // namespace es::image
