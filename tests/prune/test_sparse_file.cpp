// The sparse forms of the weights file (engine/weights_io.h dtypes 1 and 2): binary16
// conversion on exact cases; a pruned model stored as bitmask + f16 or f32 values reads back as
// exactly the f16-rounded (or the same) model, smaller; damaged sparse tensors are refused by name.
#include "engine/weights_io.h"
#include "image/png_write.h"
#include "models/model_file.h"
#include "models/models.h"
#include "prune/masks.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

using namespace es;

namespace {

engine::model pruned_model(double s) {
    std::string err;
    auto m = models::build_arch("tiny_mobilenet_v3", models::tiny_defaults(), &err);
    REQUIRE(m);
    prune::mask_options o;
    o.sparsity = s;
    auto k = prune::make_mask(*m, o, nullptr, &err);
    REQUIRE(k);
    prune::apply_mask(*m, *k);
    return *m;
}

void fix_crc(std::vector<unsigned char>& b) {
    const std::uint32_t crc = image::crc32(b.data(), b.size() - 4);
    for (int i = 0; i < 4; ++i) b[b.size() - 4 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(crc >> (8 * i));
}

// Byte offset of the data section and of the first tensor whose dtype is not 0 (its table entry).
struct located {
    std::size_t data_start = 0, dtype_pos = 0, data_off = 0, elems = 0;
};
located first_sparse(const std::vector<unsigned char>& b) {
    auto u32 = [&](std::size_t p) {
        return static_cast<std::uint32_t>(b[p]) | static_cast<std::uint32_t>(b[p + 1]) << 8 |
               static_cast<std::uint32_t>(b[p + 2]) << 16 | static_cast<std::uint32_t>(b[p + 3]) << 24;
    };
    auto u64 = [&](std::size_t p) { return static_cast<std::uint64_t>(u32(p)) | static_cast<std::uint64_t>(u32(p + 4)) << 32; };
    std::size_t p = 12;
    const std::uint32_t dlen = u32(p);
    p += 4 + dlen;
    const std::uint32_t count = u32(p);
    p += 4;
    located L;
    bool found = false;
    for (std::uint32_t t = 0; t < count; ++t) {
        const std::size_t nlen = b[p] | b[p + 1] << 8;
        p += 2 + nlen;
        const std::size_t dtype_pos = p;
        const unsigned rank = b[p + 1];
        p += 2 + 4 * rank;
        const std::uint64_t off = u64(p), elems = u64(p + 8);
        p += 16;
        if (!found && b[dtype_pos] != 0) {
            found = true;
            L.dtype_pos = dtype_pos;
            L.data_off = static_cast<std::size_t>(off);
            L.elems = static_cast<std::size_t>(elems);
        }
    }
    L.data_start = (p + 15) / 16 * 16;
    REQUIRE(found);
    return L;
}

}  // namespace

TEST_CASE("float_to_half / half_to_float: exact values, rounding to even, subnormals, saturation") {
    CHECK(engine::float_to_half(1.0f) == 0x3c00);
    CHECK(engine::float_to_half(-2.0f) == 0xc000);
    CHECK(engine::float_to_half(65504.0f) == 0x7bff);
    CHECK(engine::float_to_half(1e6f) == 0x7bff);       // saturates
    CHECK(engine::float_to_half(-1e6f) == 0xfbff);
    CHECK(engine::float_to_half(std::ldexp(1.0f, -24)) == 0x0001);  // smallest subnormal
    CHECK(engine::float_to_half(std::ldexp(1.0f, -26)) == 0x0000);  // below half of it: zero
    CHECK(engine::float_to_half(std::ldexp(1.0f, -14)) == 0x0400);  // smallest normal
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1.0); 1 + 3*2^-11 rounds up.
    CHECK(engine::float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);
    CHECK(engine::float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);
    for (std::uint32_t h = 0; h < 0x7c00; ++h) {  // every finite positive half round-trips
        const float f = engine::half_to_float(static_cast<std::uint16_t>(h));
        REQUIRE(engine::float_to_half(f) == h);
        REQUIRE(engine::float_to_half(-f) == (h | 0x8000u));
    }
    CHECK(engine::half_to_float(0x3555) == doctest::Approx(0.333251953125));
}

TEST_CASE("sparse weights files: f16 reads back as the f16-rounded model, f32 exactly; both smaller") {
    const auto m = pruned_model(0.7);
    const auto desc = models::describe("tiny_mobilenet_v3", models::tiny_defaults());
    const auto dense = engine::weights_serialize(m, desc);
    const auto s16 = engine::weights_serialize(m, desc, engine::weight_storage::sparse_f16);
    const auto s32 = engine::weights_serialize(m, desc, engine::weight_storage::sparse_f32);
    CHECK(s16.size() < dense.size() / 3);
    CHECK(s32.size() < dense.size() / 2);
    std::string err;
    auto f16 = engine::weights_parse(s16, &err);
    REQUIRE_MESSAGE(f16, err);
    auto f32 = engine::weights_parse(s32, &err);
    REQUIRE_MESSAGE(f32, err);
    auto a = models::model_from_file(*f16, &err);
    REQUIRE_MESSAGE(a, err);
    auto b = models::model_from_file(*f32, &err);
    REQUIRE_MESSAGE(b, err);
    CHECK(b->weights == m.weights);
    const auto layers = prune::weight_layers(m);
    std::vector<unsigned char> in_layer(m.weights.size(), 0);
    for (const auto& l : layers)
        for (std::size_t i = l.off; i < l.off + l.count; ++i) in_layer[i] = 1;
    std::size_t mismatches = 0, changed = 0;
    for (std::size_t i = 0; i < m.weights.size(); ++i) {
        const float want = in_layer[i] ? engine::f16_round(m.weights[i]) : m.weights[i];  // biases, BN stay f32
        mismatches += std::memcmp(&want, &a->weights[i], sizeof want) != 0;
        changed += a->weights[i] != m.weights[i];
    }
    CHECK(mismatches == 0);
    CHECK(changed > 0);
    CHECK(prune::measure(*a).zeros == prune::measure(m).zeros);
    // Saving the rounded model again gives the same bytes (the file is a fixed point).
    CHECK(engine::weights_serialize(*a, desc, engine::weight_storage::sparse_f16) == s16);
}

TEST_CASE("sparse weights files: damaged sparse tensors are refused with a reason") {
    const auto m = pruned_model(0.5);
    const auto desc = models::describe("tiny_mobilenet_v3", models::tiny_defaults());
    const auto good = engine::weights_serialize(m, desc, engine::weight_storage::sparse_f16);
    const auto L = first_sparse(good);
    std::string err;
    auto parse_error = [&](std::vector<unsigned char> b) {
        fix_crc(b);
        err.clear();
        CHECK_FALSE(engine::weights_parse(b, &err));
        return err;
    };
    {  // an unknown dtype
        auto b = good;
        b[L.dtype_pos] = 7;
        CHECK(parse_error(b).find("unsupported dtype 7") != std::string::npos);
    }
    {  // a stored nonzero that is zero
        auto b = good;
        const std::size_t mask_len = (L.elems + 7) / 8;
        const std::size_t base = L.data_start + L.data_off;
        b[base + mask_len] = 0;
        b[base + mask_len + 1] = 0;
        CHECK(parse_error(b).find("marks nonzero is 0") != std::string::npos);
    }
    {  // every mask bit set: more values than the file holds, or wrong zeros. Set all bits of the mask.
        auto b = good;
        const std::size_t base = L.data_start + L.data_off;
        for (std::size_t k = 0; k < L.elems / 8; ++k) b[base + k] = 0xff;
        CHECK_FALSE(parse_error(b).empty());
    }
    {  // a truncated file
        std::vector<unsigned char> b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(L.data_start + L.data_off + 3));
        b.insert(b.end(), 4, 0);
        CHECK_FALSE(parse_error(b).empty());
    }
    {  // an infinite f16 value
        auto b = good;
        const std::size_t mask_len = (L.elems + 7) / 8, base = L.data_start + L.data_off;
        b[base + mask_len] = 0x00;
        b[base + mask_len + 1] = 0x7c;
        CHECK(parse_error(b).find("not finite") != std::string::npos);
    }
    CHECK(engine::weights_parse(good, &err));
}
