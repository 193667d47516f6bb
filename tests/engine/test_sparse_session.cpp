// The session with sparse kernels (sparse_options): a tiny network pruned here (2:4 along the
// reduction, or the smallest 50/90% of each layer) gives the same outputs with and without the
// sparse kernels, the kernels chosen per layer are the expected ones, the weight bytes count the
// compressed storage, and with the option off nothing changes.
#include "engine/kernels/nn.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/sparsify.h"
#include "models/models.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace es;
using engine::session;
using engine::sparse_options;

namespace {

engine::model tiny(const std::string& arch) {
    models::arch_options o = models::tiny_defaults();
    o.seed = 7;
    std::string err;
    auto m = models::build_arch(arch, o, &err);
    REQUIRE_MESSAGE(m, err);
    return engine::optimize(*m);
}

std::vector<float> run(const engine::model& m, int batch, const sparse_options& opt, session* keep = nullptr) {
    session local;
    session& s = keep ? *keep : local;
    REQUIRE(s.prepare(m, batch, 0, opt).empty());
    for (std::size_t i = 0; i < s.input_count(); ++i)
        s.input()[i] = static_cast<float>((i * 7919) % 256) / 255.0f;
    s.run();
    return {s.output(), s.output() + s.output_shape().numel()};
}

int count(const std::vector<std::string>& v, const char* what) {
    return static_cast<int>(std::count(v.begin(), v.end(), std::string(what)));
}

void check_close(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(std::fabs(a[i] - b[i]) <= 1e-4f * (1.0f + std::fabs(a[i])));
}

}  // namespace

TEST_CASE("sparse session: 2:4-pruned tiny networks give the dense path's outputs on the 2:4 kernel") {
    sparse_options on;
    on.enabled = true;
    for (const char* arch : {"tiny_mobilenet_v1", "tiny_mobilenet_v2", "tiny_mobilenet_v3", "tiny_shufflenet_v1",
                             "tiny_shufflenet_v2"}) {
        CAPTURE(arch);
        engine::model m = tiny(arch);
        REQUIRE(engine::sparsify_24(m) > 0);
        session dense, sparse;
        const auto want = run(m, 3, {}, &dense);
        const auto got = run(m, 3, on, &sparse);
        check_close(want, got);
        const auto& k = sparse.layer_kernels();
        CHECK(count(k, "sparse24") > 0);
        CHECK(count(dense.layer_kernels(), "sparse24") == 0);
        CHECK(count(dense.layer_kernels(), "csr") == 0);
        // Every 2:4 layer is at least half zeros; the compressed weights are smaller.
        for (std::size_t i = 0; i < k.size(); ++i)
            if (k[i] == "sparse24") CHECK(sparse.layer_weight_sparsity()[i] >= 0.5);
        CHECK(sparse.weight_bytes() < dense.weight_bytes());
    }
}

TEST_CASE("sparse session: magnitude-pruned networks run on the CSR kernel above the threshold") {
    for (double sp : {0.5, 0.9}) {
        CAPTURE(sp);
        engine::model m = tiny("tiny_mobilenet_v2");
        REQUIRE(engine::sparsify_magnitude(m, sp) > 0);
        sparse_options on;
        on.enabled = true;
        session dense, sparse;
        const auto want = run(m, 2, {}, &dense);
        const auto got = run(m, 2, on, &sparse);
        check_close(want, got);
        CHECK(count(sparse.layer_kernels(), "csr") > 0);
        // unstructured: not 2:4 (at 90% a small layer may happen to be 2:4 by chance, and then is run so)
        if (sp == 0.5) CHECK(count(sparse.layer_kernels(), "sparse24") == 0);
        if (sp == 0.9) CHECK(sparse.weight_bytes() < dense.weight_bytes() / 2);
        // A threshold above the sparsity (and no 2:4) keeps every layer dense: then the same bits.
        on.min_sparsity = 0.95;
        on.allow_sparse24 = false;
        session high;
        const auto same = run(m, 2, on, &high);
        CHECK(count(high.layer_kernels(), "csr") == 0);
        CHECK(std::memcmp(same.data(), want.data(), want.size() * sizeof(float)) == 0);
        CHECK(high.weight_bytes() == dense.weight_bytes());
    }
}

TEST_CASE("sparse session: off by default; on a dense network nothing changes; a bad threshold is refused") {
    engine::model m = tiny("tiny_shufflenet_v2");
    session a, b;
    const auto plain = run(m, 2, {}, &a);
    sparse_options on;
    on.enabled = true;
    const auto with = run(m, 2, on, &b);
    CHECK(std::memcmp(plain.data(), with.data(), plain.size() * sizeof(float)) == 0);
    CHECK(count(b.layer_kernels(), "dense") > 0);
    CHECK(count(b.layer_kernels(), "dense") == count(a.layer_kernels(), "dense"));
    CHECK(a.weight_bytes() == b.weight_bytes());
    on.min_sparsity = 1.5;
    session c;
    const std::string err = c.prepare(m, 1, 0, on);
    CHECK(err.find("between 0 and 1") != std::string::npos);
}

TEST_CASE("sparsify: 2:4 leaves at most two nonzeros per group; bad patterns are refused") {
    engine::model m = tiny("tiny_mobilenet_v1");
    REQUIRE(engine::sparsify(m, "2:4").empty());
    for (const auto& n : m.nodes) {
        if (n.type != engine::op::op_conv2d) continue;
        const int cin = m.tensors[static_cast<std::size_t>(n.in[0])].c;
        const std::size_t k = static_cast<std::size_t>(n.win.kh) * n.win.kw * (cin / n.groups);
        if (n.groups == cin || k % 4 != 0) continue;
        CHECK(kernels::is_sparse24(n.cout, static_cast<int>(k), m.weights.data() + n.w_off));
    }
    CHECK(engine::sparsify(m, "1.0").find("--sparsify") != std::string::npos);
    CHECK_FALSE(engine::sparsify(m, "x").empty());
    CHECK(engine::sparsify(m, "0.7").empty());
}
