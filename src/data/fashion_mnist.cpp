#include "data/fashion_mnist.h"

#include "data/inflate.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace es::data {

namespace {

std::uint32_t be32(std::span<const unsigned char> b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) << 24 | static_cast<std::uint32_t>(b[at + 1]) << 16 |
           static_cast<std::uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

std::optional<std::vector<unsigned char>> read_gz(const std::string& path, std::string* error) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        if (error)
            *error = "cannot open " + path + " (install Debian's dataset-fashion-mnist, or set EDGESTUDY_FASHION_MNIST)";
        return std::nullopt;
    }
    std::vector<unsigned char> gz((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::string why;
    auto raw = gunzip(gz, &why, std::size_t{128} << 20);
    if (!raw && error) *error = path + ": " + why;
    return raw;
}

}  // namespace

std::string fashion_mnist_dir() {
    if (const char* d = std::getenv("EDGESTUDY_FASHION_MNIST"); d && *d) return d;
    return "/usr/share/datasets/fashion-mnist";
}

std::optional<dataset> parse_idx_images(std::span<const unsigned char> b, const std::string& what, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<dataset> {
        if (error) *error = what + ": " + why;
        return std::nullopt;
    };
    if (b.size() < 16) return fail("too short for an IDX image file");
    if (be32(b, 0) != 0x00000803) return fail("not an IDX file of unsigned-byte images (bad magic)");
    dataset d;
    const std::uint32_t n = be32(b, 4), rows = be32(b, 8), cols = be32(b, 12);
    if (n == 0 || n > 1000000 || rows == 0 || rows > 1024 || cols == 0 || cols > 1024)
        return fail("implausible dimensions " + std::to_string(n) + "x" + std::to_string(rows) + "x" + std::to_string(cols));
    const std::size_t need = static_cast<std::size_t>(n) * rows * cols;
    if (b.size() - 16 != need)
        return fail("holds " + std::to_string(b.size() - 16) + " pixel bytes, the header promises " + std::to_string(need) +
                    " (truncated?)");
    d.count = static_cast<int>(n);
    d.rows = static_cast<int>(rows);
    d.cols = static_cast<int>(cols);
    d.images.assign(b.begin() + 16, b.end());
    return d;
}

std::optional<std::vector<std::uint8_t>> parse_idx_labels(std::span<const unsigned char> b, const std::string& what,
                                                          std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<std::vector<std::uint8_t>> {
        if (error) *error = what + ": " + why;
        return std::nullopt;
    };
    if (b.size() < 8) return fail("too short for an IDX label file");
    if (be32(b, 0) != 0x00000801) return fail("not an IDX label file (bad magic)");
    const std::uint32_t n = be32(b, 4);
    if (b.size() - 8 != n) return fail("holds " + std::to_string(b.size() - 8) + " labels, the header promises " +
                                       std::to_string(n) + " (truncated?)");
    std::vector<std::uint8_t> labels(b.begin() + 8, b.end());
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] > 9) return fail("label " + std::to_string(labels[i]) + " at index " + std::to_string(i) + " is not 0..9");
    return labels;
}

std::optional<dataset> load_fashion_mnist(const std::string& dir, split s, std::string* error) {
    const std::string prefix = dir + (s == split::train ? "/train" : "/t10k");
    const std::string img_path = prefix + "-images-idx3-ubyte.gz", lbl_path = prefix + "-labels-idx1-ubyte.gz";
    auto img_raw = read_gz(img_path, error);
    if (!img_raw) return std::nullopt;
    auto lbl_raw = read_gz(lbl_path, error);
    if (!lbl_raw) return std::nullopt;
    auto d = parse_idx_images(*img_raw, img_path, error);
    if (!d) return std::nullopt;
    auto labels = parse_idx_labels(*lbl_raw, lbl_path, error);
    if (!labels) return std::nullopt;
    if (labels->size() != static_cast<std::size_t>(d->count)) {
        if (error)
            *error = lbl_path + ": " + std::to_string(labels->size()) + " labels for " + std::to_string(d->count) +
                     " images in " + img_path;
        return std::nullopt;
    }
    d->labels = std::move(*labels);
    return d;
}

}  // namespace es::data
