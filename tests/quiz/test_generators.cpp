// Generated problems: reproducible from a seed, answered by the calculators, every listed
// slip detected by name and never equal to the answer; prompts in both languages.
#include "quiz/generators.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>

using namespace es;
using i18n::lang;

namespace {

std::string exact(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// The answer text a slip's value is typed as.
std::string typed(const quiz::problem& p, double v) {
    return p.type == quiz::item_type::single ? quiz::choice_letter(static_cast<int>(v)) : exact(v);
}

bool clean(const std::string& s) {
    return !s.empty() && s.find("quiz.") == std::string::npos && s.find("calc.") == std::string::npos &&
           s.find('{') == std::string::npos;
}

}  // namespace

TEST_CASE("quiz generators: 200 seeds each, answers finite and graded correct, slips named") {
    std::map<std::string, int> slips_seen;
    REQUIRE(quiz::generator_names().size() == 12);
    for (const auto& name : quiz::generator_names()) {
        CAPTURE(name);
        CHECK_FALSE(quiz::generator_bullet(name).empty());
        std::set<std::string> prompts;
        for (std::uint64_t seed = 0; seed < 200; ++seed) {
            CAPTURE(seed);
            auto p = quiz::generate(name, seed * 7919 + 1, lang::en);
            REQUIRE(p);
            prompts.insert(p->prompt);
            CHECK(p->id == "gen:" + name + ":" + std::to_string(seed * 7919 + 1));
            CHECK(p->section == p->bullet.substr(0, 1));
            CHECK(clean(p->prompt));
            CHECK(clean(p->explanation));
            CHECK_FALSE(p->steps.empty());
            for (const auto& s : p->steps) CHECK(clean(s.result));
            if (p->type == quiz::item_type::numeric) {
                CHECK(std::isfinite(p->answer));
                if (p->tolerance > 0) CHECK(p->answer != 0);  // a relative tolerance needs a non-zero answer
                CHECK(p->tolerance >= 0);
                CHECK(p->tolerance <= 0.01);
                if (p->tolerance == 0) CHECK(p->answer == std::floor(p->answer));
            } else {
                REQUIRE(p->type == quiz::item_type::single);
                CHECK(p->choices.size() >= 2);
                CHECK(p->answer_choice >= 0);
                CHECK(p->answer_choice < static_cast<int>(p->choices.size()));
            }
            const auto right = quiz::grade(*p, p->type == quiz::item_type::single ? quiz::choice_letter(p->answer_choice)
                                                                                 : exact(p->answer),
                                           lang::en);
            CHECK(right.error.empty());
            CHECK(right.correct);
            CHECK(right.slip.empty());
            const auto again = quiz::grade(*p, right.expected, lang::en);  // the displayed form grades correct too
            CHECK(again.correct);
            for (const auto& s : p->slips) {
                CAPTURE(s.id);
                CHECK(std::isfinite(s.value));
                // A mistake's answer is within reach of a real one, not an artefact of the computation
                // (an unclamped q of a value far outside a narrow range can reach a few thousand).
                CHECK(std::fabs(s.value) <= 1e4 * std::max(1.0, std::fabs(p->answer)));
                CHECK(std::find(quiz::slip_ids().begin(), quiz::slip_ids().end(), s.id) != quiz::slip_ids().end());
                const auto g = quiz::grade(*p, typed(*p, s.value), lang::en);
                CHECK(g.error.empty());
                CHECK_FALSE(g.correct);
                CHECK(g.slip == s.id);
                ++slips_seen[s.id];
            }
        }
        CHECK(prompts.size() > 2);  // the seed matters
    }
    // Every slip the generators know is reachable.
    for (const auto& id : quiz::slip_ids()) {
        CAPTURE(id);
        CHECK(slips_seen[id] > 0);
    }
}

TEST_CASE("quiz generators: the same seed gives the same problem; both languages") {
    for (const auto& name : quiz::generator_names()) {
        CAPTURE(name);
        auto a = quiz::generate(name, 12345, lang::en), b = quiz::generate(name, 12345, lang::en);
        auto zh = quiz::generate(name, 12345, lang::zh_tw);
        REQUIRE(a);
        REQUIRE(b);
        REQUIRE(zh);
        CHECK(a->prompt == b->prompt);
        CHECK(a->answer == b->answer);
        CHECK(a->answer_choice == b->answer_choice);
        CHECK(a->slips.size() == b->slips.size());
        // The language changes the words, never the numbers.
        CHECK(zh->prompt != a->prompt);
        CHECK(clean(zh->prompt));
        CHECK(zh->answer == a->answer);
        CHECK(zh->answer_choice == a->answer_choice);
        CHECK(zh->tolerance == a->tolerance);
        REQUIRE(zh->steps.size() == a->steps.size());
        for (std::size_t i = 0; i < a->steps.size(); ++i) CHECK(zh->steps[i].id == a->steps[i].id);
        for (const auto& s : a->slips) {
            CHECK(clean(quiz::slip_name(s.id, lang::en)));
            CHECK(clean(quiz::slip_name(s.id, lang::zh_tw)));
            CHECK(quiz::slip_name(s.id, lang::en) != quiz::slip_name(s.id, lang::zh_tw));
        }
    }
    CHECK_FALSE(quiz::generate("nope", 1, lang::en));
}

TEST_CASE("quiz generators: hand-checked problems and their slips") {
    // Find a conv_out problem with stride 2 and an odd span, and check its numbers by hand.
    bool found = false;
    for (std::uint64_t seed = 0; seed < 500 && !found; ++seed) {
        auto p = quiz::generate("conv_out", seed, lang::en);
        REQUIRE(p);
        for (const auto& s : p->slips)
            if (s.id == "ceil_instead_of_floor") {
                CHECK(s.value == p->answer + 1);  // ceil is one more than floor when S does not divide
                found = true;
            }
    }
    CHECK(found);
    // The zero-point sign slip: for uint8 (q_min = 0) the flipped sign gives exactly −Z before
    // clamping (what is typed) and 0 after it; both are caught.
    int uint8_problems = 0;
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        auto p = quiz::generate("quant_zero_point", seed, lang::en);
        REQUIRE(p);
        bool minus_z = false, zero = false;
        for (const auto& s : p->slips) {
            CHECK(s.id == "zero_point_sign");
            minus_z |= s.value == -p->answer;
            zero |= s.value == 0;
        }
        if (p->prompt.find("uint8") != std::string::npos) {
            ++uint8_problems;
            CHECK(minus_z);
            CHECK(zero);
            const std::string typed_minus = quiz::number_text(-p->answer);
            CHECK(quiz::grade(*p, typed_minus, lang::en).slip == "zero_point_sign");
        }
    }
    CHECK(uint8_problems > 10);
}

TEST_CASE("quiz generators: ids, the generator, and wrong-form answers") {
    CHECK(quiz::generated_id("conv_out", 12345) == "gen:conv_out:12345");
    auto ok = quiz::parse_generated_id("gen:conv_out:12345");
    REQUIRE(ok);
    CHECK(ok->first == "conv_out");
    CHECK(ok->second == 12345u);
    CHECK(quiz::parse_generated_id("gen:kd:18446744073709551615"));
    for (const char* bad : {"gen:nope:1", "gen:conv_out:", "gen:conv_out:-1", "gen:conv_out:1x", "gen:conv_out",
                            "conv_out:1", "gen:conv_out:18446744073709551616", "gen::1", "1.1.1-a"}) {
        CAPTURE(bad);
        CHECK_FALSE(quiz::parse_generated_id(bad));
    }
    auto p = quiz::generate("conv_macs", 3, lang::en);
    REQUIRE(p);
    CHECK_FALSE(quiz::grade(*p, "lots", lang::en).error.empty());
    CHECK_FALSE(quiz::grade(*p, "", lang::zh_tw).error.empty());
    auto b = quiz::generate("roofline_bound", 3, lang::en);
    REQUIRE(b);
    CHECK(b->choices.size() == 2);
    CHECK(quiz::grade(*b, "C", lang::en).error.find("A–B") != std::string::npos);

    // The generator: fixed values, unbiased bounds, no std distributions.
    quiz::rng g(0);
    CHECK(g.next() == 0xE220A8397B1DCDAFull);  // splitmix64's first output for seed 0
    quiz::rng h(7);
    for (int i = 0; i < 1000; ++i) {
        const auto v = h.uniform(-3, 3);
        CHECK(v >= -3);
        CHECK(v <= 3);
    }
}
