// fashion_mnist: the Fashion-MNIST files of Debian's dataset-fashion-mnist package
// (/usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz:
// gzip'd IDX, big-endian header, 28x28 unsigned bytes, labels 0..9).
//
//   std::string err;
//   auto test = es::data::load_fashion_mnist(es::data::fashion_mnist_dir(), es::data::split::test, &err);
//   if (!test) die(err);                      // the message names the file and what is wrong
//   test->images[i * 784 + y * 28 + x], test->labels[i]
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace es::data {

enum class split { train, test };

struct dataset {
    int count = 0, rows = 0, cols = 0;
    std::vector<std::uint8_t> images;  // [count][rows][cols]
    std::vector<std::uint8_t> labels;  // [count], 0..9
};

inline constexpr const char* fashion_mnist_classes_en[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// $EDGESTUDY_FASHION_MNIST if set (the page points it at its embedded subsets,
// /data/fashion-mnist), else Debian's folder.
std::string fashion_mnist_dir();

// IDX parsing of already-decompressed bytes. `what` names the file in errors.
std::optional<dataset> parse_idx_images(std::span<const unsigned char> bytes, const std::string& what, std::string* error);
std::optional<std::vector<std::uint8_t>> parse_idx_labels(std::span<const unsigned char> bytes, const std::string& what,
                                                          std::string* error);

std::optional<dataset> load_fashion_mnist(const std::string& dir, split s, std::string* error);

}  // namespace es::data
