// calc sparse24: 2:4 structured sparsity storage against dense, with index metadata.
#include "calc/sparsity.h"
#include "support/calc_steps.h"

#include <doctest/doctest.h>

using namespace es;
using i18n::lang;

TEST_CASE("calc sparse24: FP16, INT8 and FP32 storage shares (hand-computed)") {
    calc::sparse24_input in;
    in.weights = 4096;
    in.value_bits = 16;
    auto h = calc::sparse24(in, lang::en);
    REQUIRE(h);
    CHECK(h->dense_bits == 65536);
    CHECK(h->kept == 2048);
    CHECK(h->value_bits_total == 32768);
    CHECK(h->index_bits_total == 4096);
    CHECK(h->sparse_bits == 36864);
    CHECK(h->dense_bytes == 8192);
    CHECK(h->sparse_bytes == 4608);
    CHECK(h->ratio == 0.5625);  // (16 + 2) / 32, exact in binary
    CHECK(h->saved == 0.4375);
    CHECK(h->values_only_ratio == 0.5);

    in.value_bits = 8;
    auto i8 = calc::sparse24(in, lang::en);
    REQUIRE(i8);
    CHECK(i8->ratio == 0.625);  // (8 + 2) / 16
    in.value_bits = 32;
    auto f32 = calc::sparse24(in, lang::en);
    REQUIRE(f32);
    CHECK(f32->ratio == 0.53125);  // (32 + 2) / 64
    in.index_bits = 0;
    auto no_meta = calc::sparse24(in, lang::en);
    REQUIRE(no_meta);
    CHECK(no_meta->ratio == 0.5);
}

TEST_CASE("calc sparse24: steps in both languages; bad input named") {
    calc::sparse24_input in;
    in.weights = 12;
    auto en = calc::sparse24(in, lang::en), zh = calc::sparse24(in, lang::zh_tw);
    REQUIRE(en);
    REQUIRE(zh);
    REQUIRE(en->steps.size() == 6);
    es::testing::check_bilingual_steps(en->steps, zh->steps);
    CHECK(en->steps.back().id == "ratio");
    CHECK(en->steps.back().result.find("56.25%") != std::string::npos);

    calc::calc_error err;
    in.weights = 10;
    CHECK_FALSE(calc::sparse24(in, lang::en, &err));
    CHECK(err.field == "weights");
    CHECK(err.message.find("10") != std::string::npos);
    in.weights = 8;
    in.value_bits = 0;
    CHECK_FALSE(calc::sparse24(in, lang::zh_tw, &err));
    CHECK(err.field == "value-bits");
    in.value_bits = 8;
    in.index_bits = 9;
    CHECK_FALSE(calc::sparse24(in, lang::en, &err));
    CHECK(err.field == "index-bits");
    in.index_bits = 2;
    in.weights = 4611686018427387904;  // N·b overflows
    CHECK_FALSE(calc::sparse24(in, lang::en, &err));
}
