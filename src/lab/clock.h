// clock: the labs' wall clock in milliseconds (steady), for frame budgets and timings; and
// fmt_g, how the labs' refusals print a number.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace es::lab {

inline double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A number as printf's %g prints it ("0.05", "1e-06").
inline std::string fmt_g(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

}  // namespace es::lab
