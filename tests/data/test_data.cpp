// gzip/DEFLATE and the Fashion-MNIST reader: known vectors, damage, and the real files.
#include "data/fashion_mnist.h"
#include "data/inflate.h"
#include "image/png_write.h"

#include "gzip_fixtures.h"

#include <doctest/doctest.h>

#include <array>
#include <string>

using namespace es::data;

namespace {

std::string text_of(const std::vector<unsigned char>& v) { return std::string(v.begin(), v.end()); }

}  // namespace

TEST_CASE("gunzip: stored, fixed-Huffman, dynamic-Huffman blocks and two members") {
    std::string err;
    auto a = gunzip(gz_stored, &err);
    REQUIRE_MESSAGE(a.has_value(), err);
    CHECK(text_of(*a) == "hello, stored block");
    auto b = gunzip(gz_fixed, &err);
    REQUIRE_MESSAGE(b.has_value(), err);
    CHECK(text_of(*b) == "abcabcabcabcabcabc fixed huffman");
    auto c = gunzip(gz_dynamic, &err);
    REQUIRE_MESSAGE(c.has_value(), err);
    CHECK(c->size() == gz_dynamic_plain_size);
    CHECK(es::image::crc32(c->data(), c->size()) == gz_dynamic_plain_crc);
    auto d = gunzip(gz_multi, &err);
    REQUIRE_MESSAGE(d.has_value(), err);
    CHECK(text_of(*d) == "first member, second member");
}

TEST_CASE("gunzip rejects damage with a reason") {
    std::string err;
    CHECK_FALSE(gunzip(std::span<const unsigned char>(), &err).has_value());
    CHECK(err.find("too short") != std::string::npos);
    std::vector<unsigned char> v(gz_dynamic, gz_dynamic + sizeof gz_dynamic);
    auto bad_magic = v;
    bad_magic[0] = 0;
    CHECK_FALSE(gunzip(bad_magic, &err).has_value());
    CHECK(err.find("magic") != std::string::npos);
    for (std::size_t cut : {v.size() - 1, v.size() - 8, v.size() / 2, std::size_t{20}}) {
        CAPTURE(cut);
        std::vector<unsigned char> t(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK_FALSE(gunzip(t, &err).has_value());
    }
    auto crc = v;
    crc[v.size() - 6] ^= 1;  // the stored CRC
    CHECK_FALSE(gunzip(crc, &err).has_value());
    CHECK(err.find("CRC") != std::string::npos);
    auto body = v;
    body[v.size() / 2] ^= 0x10;  // inside the compressed data
    CHECK_FALSE(gunzip(body, &err).has_value());
    // The output limit holds against a stream that expands beyond it.
    CHECK_FALSE(gunzip(v, &err, 100).has_value());
    CHECK(err.find("size limit") != std::string::npos);
}

TEST_CASE("IDX parsing checks magic, dimensions and labels") {
    std::string err;
    const unsigned char img[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 10, 20, 30, 40};
    auto d = parse_idx_images(img, "x", &err);
    REQUIRE(d.has_value());
    CHECK(d->count == 2);
    CHECK(d->images == std::vector<std::uint8_t>{10, 20, 30, 40});
    CHECK_FALSE(parse_idx_images(std::span<const unsigned char>(img, sizeof img - 1), "x", &err).has_value());
    CHECK(err.find("truncated") != std::string::npos);
    const unsigned char lbl[] = {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 12};
    CHECK_FALSE(parse_idx_labels(lbl, "y", &err).has_value());
    CHECK(err.find("not 0..9") != std::string::npos);
    CHECK(err.find("y:") == 0);
}

TEST_CASE("the real Fashion-MNIST test split: 10,000 images, 1,000 per class, known first labels and pixels") {
    std::string err;
    auto t = load_fashion_mnist(fashion_mnist_dir(), split::test, &err);
    REQUIRE_MESSAGE(t.has_value(), err);
    CHECK(t->count == 10000);
    CHECK(t->rows == 28);
    CHECK(t->cols == 28);
    const std::vector<std::uint8_t> first(t->labels.begin(), t->labels.begin() + 10);
    CHECK(first == std::vector<std::uint8_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
    std::array<int, 10> per{};
    for (auto l : t->labels) per[l]++;
    for (int c = 0; c < 10; ++c) CHECK(per[static_cast<std::size_t>(c)] == 1000);
    long first_sum = 0;
    for (int i = 0; i < 784; ++i) first_sum += t->images[static_cast<std::size_t>(i)];
    CHECK(first_sum == 33456);
    long long total = 0;
    for (auto p : t->images) total += p;
    CHECK(total == 573469082LL);
}

TEST_CASE("a missing dataset folder gives an error naming the file") {
    std::string err;
    CHECK_FALSE(load_fashion_mnist("/nonexistent", split::train, &err).has_value());
    CHECK(err.find("/nonexistent/train-images-idx3-ubyte.gz") != std::string::npos);
}
