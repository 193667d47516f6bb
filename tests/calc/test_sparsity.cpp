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

TEST_CASE("calc sparse24 matrix: 2:4 against CSR and bitmask at 50% density (hand-computed)") {
    calc::sparse24_matrix_input in;
    in.rows = 64;
    in.cols = 128;
    in.value_bits = 16;  // FP16
    auto r = calc::sparse24_matrix(in, lang::en);
    REQUIRE(r);
    CHECK(r->weights == 8192);
    CHECK(r->kept == 4096);
    CHECK(r->dense_bytes == 16384);
    CHECK(r->values_bytes == 8192);
    CHECK(r->index_bytes == 1024);  // 4096 positions x 2 bits
    CHECK(r->compressed_bytes == 9216);
    CHECK(r->ratio == 0.5625);
    CHECK(r->saved == 0.4375);
    CHECK(r->csr_col_bits == 16);
    CHECK(r->csr_values_bytes == 8192);
    CHECK(r->csr_col_bytes == 8192);
    CHECK(r->csr_ptr_bytes == 260);  // (64 + 1) x 4
    CHECK(r->csr_bytes == 16644);
    CHECK(r->csr_ratio == doctest::Approx(16644.0 / 16384.0));
    CHECK(r->bitmask_mask_bytes == 1024);
    CHECK(r->bitmask_bytes == 9216);  // ties with 2:4 at 50%: 1 bit per weight = 2 bits per kept value
    CHECK(r->bitmask_ratio == 0.5625);

    in.rows = 3;
    in.cols = 4;
    in.value_bits = 32;
    r = calc::sparse24_matrix(in, lang::en);
    REQUIRE(r);
    CHECK(r->dense_bytes == 48);
    CHECK(r->index_bytes == 1.5);  // 6 positions x 2 bits = 12 bits
    CHECK(r->compressed_bytes == 25.5);
    CHECK(r->ratio == 0.53125);
    in.value_bits = 8;
    CHECK(calc::sparse24_matrix(in, lang::en)->ratio == 0.625);
    in.cols = 65540;  // beyond 16-bit column indices
    CHECK(calc::sparse24_matrix(in, lang::en)->csr_col_bits == 32);
    CHECK(calc::dtype_bits("fp16") == 16);
    CHECK(calc::dtype_bits("int8") == 8);
    CHECK_FALSE(calc::dtype_bits("fp64"));
}

TEST_CASE("calc sparse24 matrix: steps in both languages; bad input named") {
    calc::sparse24_matrix_input in;
    in.rows = 10;
    in.cols = 36;
    auto en = calc::sparse24_matrix(in, lang::en), zh = calc::sparse24_matrix(in, lang::zh_tw);
    REQUIRE(en);
    REQUIRE(zh);
    REQUIRE(en->steps.size() == 9);
    es::testing::check_bilingual_steps(en->steps, zh->steps);
    CHECK(en->steps[5].id == "ratio");
    CHECK(en->steps[5].result.find("53.12%") != std::string::npos);
    CHECK(en->steps[6].id == "csr");
    CHECK(zh->steps[7].id == "bitmask");

    calc::calc_error err;
    in.cols = 6;
    CHECK_FALSE(calc::sparse24_matrix(in, lang::en, &err));
    CHECK(err.field == "cols");
    CHECK(err.message.find("--cols") != std::string::npos);
    CHECK(err.message.find("6") != std::string::npos);
    in.cols = 8;
    in.rows = 0;
    CHECK_FALSE(calc::sparse24_matrix(in, lang::zh_tw, &err));
    CHECK(err.field == "rows");
    in.rows = 2;
    in.value_bits = 0;
    CHECK_FALSE(calc::sparse24_matrix(in, lang::en, &err));
    CHECK(err.field == "dtype");
    in.value_bits = 32;
    in.rows = std::int64_t{1} << 40;
    in.cols = std::int64_t{1} << 40;  // R·C overflows
    CHECK_FALSE(calc::sparse24_matrix(in, lang::en, &err));
    CHECK(err.field == "rows");
    in.rows = std::int64_t{1} << 30;
    in.cols = std::int64_t{1} << 30;  // R·C fits, R·C·32 does not
    CHECK_FALSE(calc::sparse24_matrix(in, lang::en, &err));
}
