#include "data/inflate.h"

#include "image/png_write.h"  // crc32

#include <array>
#include <cstdint>

namespace es::data {

namespace {

struct bit_reader {
    std::span<const unsigned char> in;
    std::size_t pos = 0;  // next byte
    std::uint32_t bits = 0;
    int count = 0;
    bool overrun = false;

    bool need(int n) {
        while (count < n) {
            if (pos >= in.size()) {
                overrun = true;
                return false;
            }
            bits |= static_cast<std::uint32_t>(in[pos++]) << count;
            count += 8;
        }
        return true;
    }
    std::uint32_t take(int n) {  // n <= 24
        if (n == 0) return 0;
        if (!need(n)) return 0;
        const std::uint32_t v = bits & ((1u << n) - 1);
        bits >>= n;
        count -= n;
        return v;
    }
    void align() {
        bits >>= count % 8;
        count -= count % 8;
    }
};

// Canonical Huffman decoding table (counts per length + symbols sorted by code).
struct huffman {
    std::array<std::uint16_t, 16> counts{};
    std::array<std::uint16_t, 320> symbols{};
    bool build(const std::uint8_t* lengths, int n) {
        counts.fill(0);
        for (int i = 0; i < n; ++i) counts[lengths[i]]++;
        counts[0] = 0;
        int left = 1;
        for (int len = 1; len < 16; ++len) {
            left <<= 1;
            left -= counts[static_cast<std::size_t>(len)];
            if (left < 0) return false;  // over-subscribed
        }
        std::array<std::uint16_t, 16> offs{};
        for (int len = 1; len < 15; ++len)
            offs[static_cast<std::size_t>(len + 1)] = static_cast<std::uint16_t>(offs[static_cast<std::size_t>(len)] + counts[static_cast<std::size_t>(len)]);
        for (int i = 0; i < n; ++i)
            if (lengths[i]) symbols[offs[lengths[i]]++] = static_cast<std::uint16_t>(i);
        return true;
    }
    // -1 on a code that is not in the table or on running out of input.
    int decode(bit_reader& br) const {
        int code = 0, first = 0, index = 0;
        for (int len = 1; len < 16; ++len) {
            code |= static_cast<int>(br.take(1));
            if (br.overrun) return -1;
            const int count = counts[static_cast<std::size_t>(len)];
            if (code - count < first) return symbols[static_cast<std::size_t>(index + (code - first))];
            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }
        return -1;
    }
};

constexpr std::uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                        31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::uint16_t dist_base[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                         193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

}  // namespace

std::optional<std::vector<unsigned char>> inflate_raw(std::span<const unsigned char> in, std::size_t max_out,
                                                      std::string* error, std::size_t* consumed) {
    auto fail = [&](const char* why) -> std::optional<std::vector<unsigned char>> {
        if (error) *error = why;
        return std::nullopt;
    };
    bit_reader br{in};
    std::vector<unsigned char> out;
    huffman lit, dist;
    for (bool last = false; !last;) {
        last = br.take(1) != 0;
        const std::uint32_t type = br.take(2);
        if (br.overrun) return fail("truncated DEFLATE stream");
        if (type == 0) {  // stored
            br.align();
            const std::uint32_t len = br.take(16), nlen = br.take(16);
            if (br.overrun) return fail("truncated stored block");
            if ((len ^ 0xFFFFu) != nlen) return fail("corrupt stored block length");
            if (len > in.size() - br.pos) return fail("truncated stored block");
            if (out.size() + len > max_out) return fail("decompressed data exceeds the size limit");
            out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(br.pos),
                       in.begin() + static_cast<std::ptrdiff_t>(br.pos + len));
            br.pos += len;
            continue;
        }
        if (type == 3) return fail("invalid DEFLATE block type");
        std::uint8_t lengths[320] = {};
        if (type == 1) {  // fixed Huffman codes
            for (int i = 0; i < 144; ++i) lengths[i] = 8;
            for (int i = 144; i < 256; ++i) lengths[i] = 9;
            for (int i = 256; i < 280; ++i) lengths[i] = 7;
            for (int i = 280; i < 288; ++i) lengths[i] = 8;
            lit.build(lengths, 288);
            std::uint8_t d[30];
            for (auto& v : d) v = 5;
            dist.build(d, 30);
        } else {  // dynamic Huffman codes
            const int nlit = static_cast<int>(br.take(5)) + 257, ndist = static_cast<int>(br.take(5)) + 1,
                      ncode = static_cast<int>(br.take(4)) + 4;
            if (br.overrun) return fail("truncated block header");
            if (nlit > 286 || ndist > 30) return fail("bad code counts in a dynamic block");
            static constexpr std::uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
            std::uint8_t cl[19] = {};
            for (int i = 0; i < ncode; ++i) cl[order[i]] = static_cast<std::uint8_t>(br.take(3));
            huffman clh;
            if (br.overrun || !clh.build(cl, 19)) return fail("bad code-length code");
            int i = 0;
            while (i < nlit + ndist) {
                const int sym = clh.decode(br);
                if (sym < 0) return fail("bad code-length code");
                if (sym < 16) {
                    lengths[i++] = static_cast<std::uint8_t>(sym);
                    continue;
                }
                int rep = 0;
                std::uint8_t val = 0;
                if (sym == 16) {
                    if (i == 0) return fail("repeat with no previous length");
                    val = lengths[i - 1];
                    rep = 3 + static_cast<int>(br.take(2));
                } else if (sym == 17) {
                    rep = 3 + static_cast<int>(br.take(3));
                } else {
                    rep = 11 + static_cast<int>(br.take(7));
                }
                if (br.overrun || i + rep > nlit + ndist) return fail("code lengths overflow");
                while (rep--) lengths[i++] = val;
            }
            if (lengths[256] == 0) return fail("no end-of-block code");
            if (!lit.build(lengths, nlit) || !dist.build(lengths + nlit, ndist)) return fail("bad Huffman code");
        }
        for (;;) {
            const int sym = lit.decode(br);
            if (sym < 0) return fail("bad literal/length code or truncated data");
            if (sym < 256) {
                if (out.size() >= max_out) return fail("decompressed data exceeds the size limit");
                out.push_back(static_cast<unsigned char>(sym));
                continue;
            }
            if (sym == 256) break;
            const int li = sym - 257;
            if (li >= 29) return fail("bad length symbol");
            const std::size_t len = len_base[li] + br.take(len_extra[li]);
            const int ds = dist.decode(br);
            if (ds < 0 || ds >= 30) return fail("bad distance code");
            const std::size_t d = dist_base[ds] + br.take(dist_extra[ds]);
            if (br.overrun) return fail("truncated DEFLATE stream");
            if (d > out.size()) return fail("distance reaches before the start of the data");
            if (out.size() + len > max_out) return fail("decompressed data exceeds the size limit");
            const std::size_t from = out.size() - d;
            for (std::size_t k = 0; k < len; ++k) out.push_back(out[from + k]);
        }
    }
    if (consumed) *consumed = br.pos;
    return out;
}

std::optional<std::vector<unsigned char>> gunzip(std::span<const unsigned char> in, std::string* error,
                                                 std::size_t max_out) {
    auto fail = [&](const std::string& why) -> std::optional<std::vector<unsigned char>> {
        if (error) *error = why;
        return std::nullopt;
    };
    std::vector<unsigned char> out;
    std::size_t pos = 0;
    do {
        if (in.size() - pos < 18) return fail(pos == 0 ? "not gzip data (too short)" : "truncated gzip member");
        if (in[pos] != 0x1F || in[pos + 1] != 0x8B) return fail("not gzip data (bad magic)");
        if (in[pos + 2] != 8) return fail("unsupported gzip compression method");
        const unsigned flags = in[pos + 3];
        if (flags & 0xE0) return fail("reserved gzip flags set");
        std::size_t p = pos + 10;
        if (flags & 4) {  // FEXTRA
            if (in.size() - p < 2) return fail("truncated gzip header");
            const std::size_t xlen = in[p] | static_cast<std::size_t>(in[p + 1]) << 8;
            p += 2;
            if (in.size() - p < xlen) return fail("truncated gzip header");
            p += xlen;
        }
        for (unsigned f : {8u, 16u})  // FNAME, FCOMMENT: zero-terminated
            if (flags & f) {
                while (p < in.size() && in[p] != 0) ++p;
                if (p >= in.size()) return fail("truncated gzip header");
                ++p;
            }
        if (flags & 2) p += 2;  // FHCRC
        if (p > in.size()) return fail("truncated gzip header");
        std::size_t used = 0;
        auto part = inflate_raw(in.subspan(p), max_out - out.size(), error, &used);
        if (!part) return std::nullopt;
        p += used;
        if (in.size() - p < 8) return fail("truncated gzip trailer");
        const std::uint32_t crc = static_cast<std::uint32_t>(in[p]) | static_cast<std::uint32_t>(in[p + 1]) << 8 |
                                  static_cast<std::uint32_t>(in[p + 2]) << 16 | static_cast<std::uint32_t>(in[p + 3]) << 24;
        const std::uint32_t isize = static_cast<std::uint32_t>(in[p + 4]) | static_cast<std::uint32_t>(in[p + 5]) << 8 |
                                    static_cast<std::uint32_t>(in[p + 6]) << 16 | static_cast<std::uint32_t>(in[p + 7]) << 24;
        if (image::crc32(part->data(), part->size()) != crc) return fail("gzip CRC mismatch: the data is corrupt");
        if (static_cast<std::uint32_t>(part->size()) != isize) return fail("gzip length mismatch: the data is corrupt");
        out.insert(out.end(), part->begin(), part->end());
        pos = p + 8;
    } while (pos < in.size());
    return out;
}

}  // namespace es::data
