// Checks shared by the calculator suites: a worked solution in both languages has the same
// steps (same ids, in order), translated titles, and every part filled (no missing key, no
// unfilled {N} placeholder).
#pragma once

#include "calc/step.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace es::testing {

inline void check_bilingual_steps(const std::vector<calc::step>& en, const std::vector<calc::step>& zh) {
    REQUIRE(en.size() == zh.size());
    for (std::size_t i = 0; i < en.size(); ++i) {
        CHECK(en[i].id == zh[i].id);
        CHECK(en[i].title != zh[i].title);
        for (const auto* s : {&en[i], &zh[i]})
            for (const std::string* f : {&s->title, &s->formula, &s->substituted, &s->result}) {
                CHECK_FALSE(f->empty());
                CHECK(f->find("calc.") == std::string::npos);
                CHECK(f->find('{') == std::string::npos);
            }
    }
}

}  // namespace es::testing
