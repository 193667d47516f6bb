// clock: the labs' wall clock in milliseconds (steady), for frame budgets and timings.
#pragma once

#include <chrono>

namespace es::lab {

inline double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace es::lab
