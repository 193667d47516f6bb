#include "quant/calibrate.h"

#include "engine/session.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace es::quant {

namespace {

bool lut_activation(engine::act a) {
    return a == engine::act::act_hswish || a == engine::act::act_hsigmoid || a == engine::act::act_sigmoid;
}

constexpr int calib_batch = 16;
constexpr int hist_bins = 4096;

// Observed ranges, keyed like calibration's vectors.
struct slots {
    std::vector<range> tensor, pooled, hidden;
    std::vector<unsigned char> seen_t, seen_p, seen_h;
    void init(std::size_t tensors, std::size_t nodes) {
        tensor.assign(tensors, {});
        pooled.assign(nodes, {});
        hidden.assign(nodes, {});
        seen_t.assign(tensors, 0);
        seen_p.assign(nodes, 0);
        seen_h.assign(nodes, 0);
    }
};

// The slot an observation goes to: (vector, seen flags, index); null for outputs not kept.
struct slot_ref {
    range* r = nullptr;
    unsigned char* seen = nullptr;
    std::size_t key = 0;  // flat key for histograms: tensors first, then pooled, then hidden
};

slot_ref find_slot(slots& s, const engine::model& g, const engine::session::observation& o) {
    const auto& n = g.nodes[static_cast<std::size_t>(o.node)];
    const std::size_t nt = g.tensors.size(), nn = g.nodes.size();
    if (o.which == -1) return {&s.pooled[static_cast<std::size_t>(o.node)], &s.seen_p[static_cast<std::size_t>(o.node)], nt + o.node};
    if (o.which == -2)
        return {&s.hidden[static_cast<std::size_t>(o.node)], &s.seen_h[static_cast<std::size_t>(o.node)], nt + nn + o.node};
    const int t = n.out[static_cast<std::size_t>(o.which)];
    return {&s.tensor[static_cast<std::size_t>(t)], &s.seen_t[static_cast<std::size_t>(t)], static_cast<std::size_t>(t)};
}

range batch_range(const float* x, std::size_t count) {
    range r{std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()};
    for (std::size_t i = 0; i < count; ++i) {
        const float v = x[i];
        if (!std::isfinite(v)) continue;
        r.lo = std::min(r.lo, v);
        r.hi = std::max(r.hi, v);
    }
    if (r.lo > r.hi) r = {0.0f, 0.0f};
    return r;
}

}  // namespace

engine::model int8_graph(const engine::model& trained) {
    engine::model g = engine::optimize(trained);
    engine::model out = g;
    out.nodes.clear();
    for (const auto& n : g.nodes) {
        const bool fused_lut = lut_activation(n.activation) &&
                               (n.type == engine::op::op_conv2d || n.type == engine::op::op_fc ||
                                n.type == engine::op::op_add || n.type == engine::op::op_batchnorm);
        if (!fused_lut) {
            out.nodes.push_back(n);
            continue;
        }
        // conv -> new tensor (pre-activation), act node -> the original output tensor.
        engine::node pre = n;
        const int t = static_cast<int>(out.tensors.size());
        out.tensors.push_back(g.tensors[static_cast<std::size_t>(n.out[0])]);
        pre.out = {t};
        pre.activation = engine::act::act_none;
        engine::node a;
        a.type = engine::op::op_act;
        a.name = n.name + "." + engine::act_name(n.activation);
        a.in = {t};
        a.out = n.out;
        a.activation = n.activation;
        out.nodes.push_back(std::move(pre));
        out.nodes.push_back(std::move(a));
    }
    return out;
}

std::string_view calib_method_name(calib_method m) {
    switch (m) {
    case calib_method::minmax: return "minmax";
    case calib_method::moving_average: return "moving_average";
    case calib_method::percentile: return "percentile";
    }
    return "minmax";
}

std::optional<calib_method> parse_calib_method(std::string_view s) {
    if (s == "minmax") return calib_method::minmax;
    if (s == "moving_average" || s == "moving-average" || s == "ema") return calib_method::moving_average;
    if (s == "percentile") return calib_method::percentile;
    return std::nullopt;
}

std::optional<calibration> calibrate(const engine::model& graph, const float* images, int count,
                                     const calib_options& o, std::string* error) {
    auto fail = [&](std::string m) {
        if (error) *error = std::move(m);
        return std::optional<calibration>{};
    };
    if (count < 1) return fail("calibration needs at least one image (the calibration set is empty)");
    if (!images) return fail("calibration images are missing");
    if (o.method == calib_method::percentile && !(o.percentile > 50.0 && o.percentile <= 100.0))
        return fail("the calibration percentile must be in (50, 100], got " + std::to_string(o.percentile));

    const int batch = std::min(calib_batch, count);
    engine::session full, tail;
    if (auto e = full.prepare(graph, batch, batch); !e.empty()) return fail(e);
    const int rest = count % batch;
    if (rest)
        if (auto e = tail.prepare(graph, rest, rest); !e.empty()) return fail(e);
    const std::size_t img = full.input_count() / static_cast<std::size_t>(batch);

    slots s;
    s.init(graph.tensors.size(), graph.nodes.size());
    const bool ema = o.method == calib_method::moving_average;
    auto observe_range = [&](const engine::session::observation& ob) {
        slot_ref r = find_slot(s, graph, ob);
        const range b = batch_range(ob.data, ob.count);
        if (!*r.seen) {
            *r.r = b;
            *r.seen = 1;
        } else if (ema) {
            constexpr float c = 0.1f;
            r.r->lo = (1 - c) * r.r->lo + c * b.lo;
            r.r->hi = (1 - c) * r.r->hi + c * b.hi;
        } else {
            r.r->lo = std::min(r.r->lo, b.lo);
            r.r->hi = std::max(r.r->hi, b.hi);
        }
    };
    auto run_all = [&](const std::function<void(const engine::session::observation&)>& f) {
        full.set_observer(f);
        tail.set_observer(f);
        for (int i = 0; i + batch <= count; i += batch) {
            std::copy_n(images + static_cast<std::size_t>(i) * img, img * batch, full.input());
            full.run();
        }
        if (rest) {
            std::copy_n(images + static_cast<std::size_t>(count - rest) * img, img * rest, tail.input());
            tail.run();
        }
    };
    run_all(observe_range);
    // The input is not a step's output: its range comes from the images themselves.
    const range in = batch_range(images, img * static_cast<std::size_t>(count));
    s.tensor[0] = in;
    s.seen_t[0] = 1;

    if (o.method == calib_method::percentile) {
        // Second pass: a histogram per kept slot over its min/max range.
        const std::size_t keys = graph.tensors.size() + 2 * graph.nodes.size();
        std::vector<std::vector<std::uint32_t>> hist(keys);
        std::vector<range> span(keys);
        auto observe_hist = [&](const engine::session::observation& ob) {
            slot_ref r = find_slot(s, graph, ob);
            auto& h = hist[r.key];
            if (h.empty()) {
                h.assign(hist_bins, 0);
                span[r.key] = *r.r;
            }
            const range sp = span[r.key];
            const float width = sp.hi - sp.lo;
            if (!(width > 0.0f)) return;
            const float inv = static_cast<float>(hist_bins) / width;
            for (std::size_t i = 0; i < ob.count; ++i) {
                const float v = ob.data[i];
                if (!std::isfinite(v)) continue;
                const int b = std::clamp(static_cast<int>((v - sp.lo) * inv), 0, hist_bins - 1);
                ++h[static_cast<std::size_t>(b)];
            }
        };
        run_all(observe_hist);
        const double tail_frac = (100.0 - o.percentile) / 100.0;
        for (std::size_t k = 0; k < keys; ++k) {
            const auto& h = hist[k];
            if (h.empty()) continue;
            std::uint64_t total = 0;
            for (auto c : h) total += c;
            if (total == 0) continue;
            const auto cut = static_cast<std::uint64_t>(std::floor(tail_frac * static_cast<double>(total)));
            const range sp = span[k];
            const float w = (sp.hi - sp.lo) / hist_bins;
            int lo_bin = 0, hi_bin = hist_bins - 1;
            std::uint64_t acc = 0;
            while (lo_bin < hist_bins - 1 && acc + h[static_cast<std::size_t>(lo_bin)] <= cut) acc += h[static_cast<std::size_t>(lo_bin++)];
            acc = 0;
            while (hi_bin > lo_bin && acc + h[static_cast<std::size_t>(hi_bin)] <= cut) acc += h[static_cast<std::size_t>(hi_bin--)];
            range r{sp.lo + w * static_cast<float>(lo_bin), sp.lo + w * static_cast<float>(hi_bin + 1)};
            r.lo = std::max(r.lo, sp.lo);
            r.hi = std::min(r.hi, sp.hi);
            const std::size_t nt = graph.tensors.size(), nn = graph.nodes.size();
            if (k < nt) s.tensor[k] = r;
            else if (k < nt + nn) s.pooled[k - nt] = r;
            else s.hidden[k - nt - nn] = r;
        }
    }

    calibration c;
    c.tensor = std::move(s.tensor);
    c.se_pooled = std::move(s.pooled);
    c.se_hidden = std::move(s.hidden);
    c.images = count;
    c.method = o.method;
    return c;
}

}  // namespace es::quant
