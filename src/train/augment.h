// augment: random crop with zero padding and horizontal flip, deterministic from a seed,
// on uint8 images [n][h][w] (one channel, as Fashion-MNIST), plus the normalisation every
// front door uses before the network.
//
//   es::train::rng r{seed};
//   es::train::augment_batch(src, dst, n, 28, 28, {.pad = 2, .flip = true}, r);
#pragma once

#include <cstddef>
#include <cstdint>

namespace es::train {

// splitmix64: identical on every compiler and target (std:: distributions are not).
struct rng {
    std::uint64_t state;
    std::uint64_t next();
    double uniform();                   // [0, 1)
    std::uint32_t below(std::uint32_t n);  // [0, n)
};

struct augment_options {
    int pad = 2;       // crop a h x w window from the image padded by `pad` zeros on every side
    bool flip = true;  // mirror left-right with probability 1/2
};

void augment_batch(const std::uint8_t* src, std::uint8_t* dst, int n, int h, int w, const augment_options& o, rng& r);

// Fashion-MNIST normalisation: (pixel / 255 - 0.2860) / 0.3530, the training set's mean and
// standard deviation. Training, evaluation and the page all feed the network this.
inline constexpr float fmnist_mean = 0.2860f;
inline constexpr float fmnist_std = 0.3530f;
void normalise(const std::uint8_t* src, float* dst, std::size_t count);

}  // namespace es::train
