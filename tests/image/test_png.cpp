#include "image/png_write.h"

#include <doctest/doctest.h>

#include <cstring>
#include <vector>

using namespace es::image;

namespace {

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

TEST_CASE("crc32 and adler32 known values") {
    const char* s = "123456789";
    CHECK(crc32(reinterpret_cast<const unsigned char*>(s), 9) == 0xCBF43926u);
    const char* w = "Wikipedia";
    CHECK(adler32(reinterpret_cast<const unsigned char*>(w), 9) == 0x11E60398u);
}

TEST_CASE("png_encode_rgba writes a well-formed PNG") {
    const std::uint32_t w = 3, h = 2;
    std::vector<unsigned char> px(w * h * 4);
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 7);
    auto png = png_encode_rgba(w, h, px.data());
    REQUIRE(png.size() > 8 + 25 + 12);
    const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    CHECK(std::memcmp(png.data(), sig, 8) == 0);
    // Walk every chunk: length, type, data, CRC over type+data.
    size_t off = 8;
    std::vector<std::string> types;
    while (off + 12 <= png.size()) {
        std::uint32_t len = be32(&png[off]);
        REQUIRE(off + 12 + len <= png.size());
        std::string type(reinterpret_cast<const char*>(&png[off + 4]), 4);
        types.push_back(type);
        CHECK(crc32(&png[off + 4], 4 + len) == be32(&png[off + 8 + len]));
        if (type == "IHDR") {
            CHECK(be32(&png[off + 8]) == w);
            CHECK(be32(&png[off + 12]) == h);
            CHECK(png[off + 16] == 8);  // bit depth
            CHECK(png[off + 17] == 6);  // RGBA
        }
        if (type == "IDAT") {
            // zlib header, one stored block holding every filtered row, adler32 of the raw rows.
            const unsigned char* z = &png[off + 8];
            CHECK(z[0] == 0x78);
            CHECK(z[2] == 1);  // final stored block
            const size_t raw_len = (w * 4 + 1) * h;
            CHECK((z[3] | (z[4] << 8)) == raw_len);
            std::vector<unsigned char> raw(z + 7, z + 7 + raw_len);
            CHECK(raw[0] == 0);
            CHECK(raw[1] == px[0]);
            CHECK(raw[w * 4 + 1] == 0);
            CHECK(be32(z + 7 + raw_len) == adler32(raw.data(), raw.size()));
        }
        off += 12 + len;
    }
    CHECK(off == png.size());
    CHECK(types == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
}

TEST_CASE("large images split into several stored blocks") {
    const std::uint32_t w = 200, h = 100;  // 80,100 raw bytes > one 65,535-byte block
    std::vector<unsigned char> px(w * h * 4, 200);
    auto png = png_encode_rgba(w, h, px.data());
    CHECK(png.size() > w * h * 4);
    CHECK(png.size() < w * h * 4 + 200);
}
