// rng: splitmix64 with Box-Muller normals, deterministic across compilers, standard libraries
// and targets (std::normal_distribution is not). The engine's weight initialisation and the
// explorer's random matrices use it. (Training's data order and augmentation use train::rng,
// whose uniform() is half-open at 0 and must stay so for reproducible weights.)
#pragma once

#include <cmath>
#include <cstdint>

namespace es::engine {

struct rng {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // (0, 1): never 0, so log() below is finite.
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
    double normal() {
        const double u1 = uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
};

}  // namespace es::engine
