// Architecture registry: names, option checks, building and validation (see models.h).
#include "models/models.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace es::models {

namespace {

using builder_fn = int (*)(engine::graph_builder&, const arch_options&);

struct entry {
    const char* name;
    builder_fn build;
    bool tiny;
    bool uses_groups;
};

constexpr entry registry[] = {
    {"mobilenet_v1", arch::mobilenet_v1, false, false},
    {"mobilenet_v2", arch::mobilenet_v2, false, false},
    {"mobilenet_v3_large", arch::mobilenet_v3_large, false, false},
    {"mobilenet_v3_small", arch::mobilenet_v3_small, false, false},
    {"shufflenet_v1", arch::shufflenet_v1, false, true},
    {"shufflenet_v2", arch::shufflenet_v2, false, false},
    {"tiny_mobilenet_v1", arch::tiny_mobilenet_v1, true, false},
    {"tiny_mobilenet_v2", arch::tiny_mobilenet_v2, true, false},
    {"tiny_mobilenet_v3", arch::tiny_mobilenet_v3, true, false},
    {"tiny_shufflenet_v1", arch::tiny_shufflenet_v1, true, true},
    {"tiny_shufflenet_v2", arch::tiny_shufflenet_v2, true, false},
};

const entry* find(std::string_view name) {
    for (const auto& e : registry)
        if (name == e.name) return &e;
    return nullptr;
}

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

} // namespace

void tidy_names(engine::model& m) {
    std::vector<int> producer(m.tensors.size(), -1);
    for (std::size_t i = 0; i < m.nodes.size(); ++i)
        for (int t : m.nodes[i].out)
            producer[static_cast<std::size_t>(t)] = static_cast<int>(i);
    for (auto& n : m.nodes) {
        if (n.type != engine::op::op_batchnorm || n.in.size() != 1) continue;
        const int p = producer[static_cast<std::size_t>(n.in[0])];
        if (p >= 0 && m.nodes[static_cast<std::size_t>(p)].type == engine::op::op_conv2d &&
            n.name.rfind("bn_", 0) == 0)
            n.name = m.nodes[static_cast<std::size_t>(p)].name + ".bn";
    }
}

namespace {

// How many times the network downsamples before its global pool (the product of the strides
// along any path; every path of these networks agrees), and the first layer that would have
// to stride over an input smaller than its stride.
struct stride_report {
    int total = 1;
    std::string first_degenerate; // "" when every strided layer sees at least `stride` pixels
};

stride_report strides(const engine::model& m) {
    stride_report r;
    std::vector<int> acc(m.tensors.size(), 1);
    for (const auto& n : m.nodes) {
        int in_stride = 1;
        for (int t : n.in)
            in_stride = std::max(in_stride, acc[static_cast<std::size_t>(t)]);
        int s = 1;
        if (n.type == engine::op::op_conv2d || n.type == engine::op::op_maxpool ||
            n.type == engine::op::op_avgpool) {
            s = std::max(n.win.sh, n.win.sw);
            if (s > 1 && !n.in.empty() && r.first_degenerate.empty()) {
                const auto& in = m.tensors[static_cast<std::size_t>(n.in[0])];
                if (in.h < n.win.sh || in.w < n.win.sw)
                    r.first_degenerate = n.name + " (stride " + std::to_string(s) + ") would see a " +
                                         std::to_string(in.h) + "x" + std::to_string(in.w) + " input";
            }
        }
        for (int t : n.out)
            acc[static_cast<std::size_t>(t)] = in_stride * s;
        if (n.type != engine::op::op_global_avgpool) r.total = std::max(r.total, in_stride * s);
    }
    return r;
}

std::string check_options(const entry& e, const arch_options& o) {
    const std::string who = std::string(e.name) + ": ";
    if (!(o.width > 0.0f) || !std::isfinite(o.width) || o.width > max_width)
        return who + "width must be greater than 0 and at most " + number_text(max_width) + ", got " +
               number_text(o.width);
    if (o.res < 1 || o.res > max_res)
        return who + "res must be between 1 and " + std::to_string(max_res) + ", got " +
               std::to_string(o.res);
    if (o.in_ch < 1 || o.in_ch > max_in_ch)
        return who + "in_ch must be between 1 and " + std::to_string(max_in_ch) + ", got " +
               std::to_string(o.in_ch);
    if (o.classes < 1 || o.classes > max_classes)
        return who + "classes must be between 1 and " + std::to_string(max_classes) + ", got " +
               std::to_string(o.classes);
    if (e.uses_groups) {
        static const int ok[] = {1, 2, 3, 4, 8};
        if (std::find(std::begin(ok), std::end(ok), o.groups) == std::end(ok))
            return who + "groups must be 1, 2, 3, 4 or 8 (ShuffleNet V1, Table 1), got " +
                   std::to_string(o.groups);
    }
    return {};
}

} // namespace

std::vector<std::string> arch_names() {
    std::vector<std::string> out;
    for (const auto& e : registry)
        out.emplace_back(e.name);
    return out;
}

bool is_tiny(std::string_view name) {
    const entry* e = find(name);
    return e && e->tiny;
}

arch_options tiny_defaults() {
    arch_options o;
    o.res = 28;
    o.in_ch = 1;
    o.classes = 10;
    return o;
}

int make_divisible(double v, int divisor, int min_value) {
    if (min_value <= 0) min_value = divisor;
    int n = std::max(min_value, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
    if (n < 0.9 * v) n += divisor;
    return n;
}

std::optional<engine::model> build_arch(const std::string& name, const arch_options& options,
                                        std::string* error) {
    auto fail = [&](const std::string& message) -> std::optional<engine::model> {
        if (error) *error = message;
        return std::nullopt;
    };
    const entry* e = find(name);
    if (!e) {
        std::string known;
        for (const auto& r : registry)
            known += (known.empty() ? "" : ", ") + std::string(r.name);
        return fail("unknown architecture '" + name + "' (known: " + known + ")");
    }
    if (auto problem = check_options(*e, options); !problem.empty()) return fail(problem);

    engine::graph_builder b(e->name, {1, options.res, options.res, options.in_ch}, options.seed);
    const int logits = e->build(b, options);
    if (!b.error().empty())
        return fail(std::string(e->name) + " at res " + std::to_string(options.res) + ": " + b.error());
    engine::model m = b.finish(logits);
    tidy_names(m);

    const stride_report s = strides(m);
    if (options.res < s.total || !s.first_degenerate.empty())
        return fail("res " + std::to_string(options.res) + " is too small for " + e->name +
                    ": its strides downsample the input " + std::to_string(s.total) +
                    " times, so res must be at least " + std::to_string(s.total) +
                    (s.first_degenerate.empty() ? "" : "; layer " + s.first_degenerate));
    if (auto problem = engine::validate(m); !problem.empty())
        return fail(std::string(e->name) + ": the built graph is not valid: " + problem);
    if (error) error->clear();
    return m;
}

} // namespace es::models
