// calc kd: the temperature softmax of distillation, its entropy and worked steps.
#include "api/dispatcher.h"
#include "calc/kd.h"
#include "support/calc_steps.h"

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

using namespace es;
using i18n::lang;

TEST_CASE("calc kd: softened probabilities, entropy, T = 1 comparison") {
    calc::kd_input in;
    in.logits = {2, 1, 0};
    in.temperature = 2;
    auto r = calc::kd(in, lang::en);
    REQUIRE(r);
    REQUIRE(r->probs.size() == 3);
    // e^1, e^0.5, e^0 over their sum 5.3670: the quiz bank's 4.1.2-c answer is q_3 = 0.186324.
    CHECK(r->probs[2] == doctest::Approx(0.186324).epsilon(1e-5));
    CHECK(r->probs[0] == doctest::Approx(std::exp(1.0) / (std::exp(1.0) + std::exp(0.5) + 1.0)));
    CHECK(std::accumulate(r->probs.begin(), r->probs.end(), 0.0) == doctest::Approx(1.0));
    CHECK(r->probs_t1[2] == doctest::Approx(1.0 / (std::exp(2.0) + std::exp(1.0) + 1.0)));  // 0.0900
    // A higher temperature spreads the mass: the entropy grows towards ln 3.
    CHECK(r->entropy > r->entropy_t1);
    CHECK(r->entropy < std::log(3.0));
    CHECK(r->entropy_bits == doctest::Approx(r->entropy / std::log(2.0)));
    in.temperature = 1e6;
    auto u = calc::kd(in, lang::en);
    REQUIRE(u);
    for (double p : u->probs) CHECK(p == doctest::Approx(1.0 / 3).epsilon(1e-5));
    CHECK(u->entropy == doctest::Approx(std::log(3.0)).epsilon(1e-6));
    in.temperature = 0.01;  // nearly one-hot; large z/T does not overflow
    auto o = calc::kd(in, lang::en);
    REQUIRE(o);
    CHECK(o->probs[0] == doctest::Approx(1.0));
    CHECK(std::isfinite(o->entropy));
    in.logits = {1000, 999, -1000};  // would overflow exp without the shift
    in.temperature = 1;
    auto big = calc::kd(in, lang::en);
    REQUIRE(big);
    CHECK(big->probs[0] == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))));
}

TEST_CASE("calc kd: worked steps in both languages; bad input named") {
    calc::kd_input in;
    in.logits = {3, 1, 0.5, -1};
    in.temperature = 4;
    auto en = calc::kd(in, lang::en), zh = calc::kd(in, lang::zh_tw);
    REQUIRE(en);
    REQUIRE(zh);
    CHECK(en->steps.size() == 6);
    es::testing::check_bilingual_steps(en->steps, zh->steps);
    calc::calc_error e;
    in.logits = {1};
    CHECK_FALSE(calc::kd(in, lang::en, &e));
    CHECK(e.field == "logits");
    in.logits = {1, NAN};
    CHECK_FALSE(calc::kd(in, lang::en, &e));
    CHECK(e.field == "logits");
    in.logits = {1, 2};
    in.temperature = 0;
    CHECK_FALSE(calc::kd(in, lang::zh_tw, &e));
    CHECK(e.field == "temperature");
    CHECK_FALSE(e.message.empty());
    CHECK(calc::parse_number_list(" 2, 1 ,0 ") == std::vector<double>{2, 1, 0});
    CHECK_FALSE(calc::parse_number_list("2,,1"));
    CHECK_FALSE(calc::parse_number_list("2, x"));
    CHECK_FALSE(calc::parse_number_list(""));
}

TEST_CASE("calc kd through the dispatcher") {
    auto r = api::run({{"cmd", "calc kd"}, {"logits", "2,1,0"}, {"temperature", 2}});
    REQUIRE_MESSAGE(!api::is_error(r), r.dump());
    CHECK(r["probs"].size() == 3);
    CHECK(r["probs"][2].get<double>() == doctest::Approx(0.186324).epsilon(1e-5));
    CHECK(r["entropy"].get<double>() > 0);
    CHECK(r["steps"].size() == 6);
    CHECK(api::is_error(api::run({{"cmd", "calc kd"}, {"logits", "2,oops"}, {"temperature", 2}})));
    CHECK(api::is_error(api::run({{"cmd", "calc kd"}, {"logits", "2,1"}, {"temperature", 0}})));
    CHECK(api::is_error(api::run({{"cmd", "calc kd"}, {"logits", "2,1"}})));
}
