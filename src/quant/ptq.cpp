#include "quant/ptq.h"

#include "engine/session.h"
#include "train/augment.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace es::quant {

std::optional<variant_spec> ptq_variant(std::string_view name) {
    variant_spec v;
    if (name == "int8") return v;
    if (name == "int8-per-tensor") {
        v.opt.per_channel = false;
        return v;
    }
    return std::nullopt;
}

std::vector<float> normalised_images(const data::dataset& d, int first, int count) {
    const std::size_t img = static_cast<std::size_t>(d.rows) * d.cols;
    first = std::clamp(first, 0, d.count);
    count = std::clamp(count, 0, d.count - first);
    std::vector<float> out(img * static_cast<std::size_t>(count));
    train::normalise(d.images.data() + img * static_cast<std::size_t>(first), out.data(), out.size());
    return out;
}

std::optional<quantized> quantize_ptq(const engine::model& trained, const data::dataset& calib_set, int calib_images,
                                      const calib_options& c, const ptq_options& o, std::string* error) {
    auto fail = [&](std::string m) {
        if (error) *error = std::move(m);
        return std::optional<quantized>{};
    };
    if (auto e = check_options(o); !e.empty()) return fail(e);
    if (calib_images < 1) return fail("calibration needs at least one image, got " + std::to_string(calib_images));
    if (calib_set.count < 1) return fail("the calibration set is empty");
    if (calib_set.rows != trained.input.h || calib_set.cols != trained.input.w || trained.input.c != 1)
        return fail("the calibration images do not fit the model's input");
    quantized q;
    q.graph = int8_graph(trained);
    q.opt = o;
    const int n = std::min(calib_images, calib_set.count);
    const auto images = normalised_images(calib_set, 0, n);
    auto cal = calibrate(q.graph, images.data(), n, c, error);
    if (!cal) return std::nullopt;
    q.cal = std::move(*cal);
    // Prepare once to surface graph problems here rather than at evaluation.
    qsession probe;
    if (auto e = probe.prepare(q.graph, q.cal, q.opt, 1); !e.empty()) return fail(e);
    return q;
}

std::string qevaluator::start(const quantized& q, const data::dataset& d, int limit, int batch) {
    tally_ = train::eval_tally{};
    next_ = 0;
    d_ = &d;
    n_ = limit > 0 ? std::min(limit, d.count) : d.count;
    if (n_ <= 0) return "";
    batch_ = std::max(1, std::min(batch, n_));
    full_ = std::make_unique<qsession>();
    if (auto e = full_->prepare(q.graph, q.cal, q.opt, batch_); !e.empty()) {
        n_ = 0;
        return e;
    }
    tail_.reset();
    if (const int rest = n_ % batch_; rest) {
        tail_ = std::make_unique<qsession>();
        if (auto e = tail_->prepare(q.graph, q.cal, q.opt, rest); !e.empty()) {
            n_ = 0;
            return e;
        }
    }
    return "";
}

bool qevaluator::step() {
    if (done()) return false;
    const data::dataset& d = *d_;
    const std::size_t img = static_cast<std::size_t>(d.rows) * d.cols;
    const int start = next_;
    const bool full = n_ - start >= batch_;
    qsession& cur = full ? *full_ : *tail_;
    const int k = full ? batch_ : n_ - start;
    train::normalise(d.images.data() + static_cast<std::size_t>(start) * img, cur.input(), img * static_cast<std::size_t>(k));
    cur.run();
    tally_.add(cur.output(), k, cur.output_shape().c, d.labels.data() + start);
    next_ += k;
    return true;
}

train::eval_result qevaluator::result() const { return tally_.result(); }

train::eval_result evaluate_int8(const quantized& q, const data::dataset& d, int limit, int batch) {
    qevaluator e;
    train::eval_result empty;
    empty.n = limit > 0 ? std::min(limit, d.count) : d.count;
    if (!e.start(q, d, limit, batch).empty()) return empty;
    while (e.step()) {
    }
    return e.result();
}

std::vector<layer_error> layer_errors(const quantized& q, const float* images, int count, std::string* error) {
    std::vector<layer_error> out;
    if (count < 1) {
        if (error) *error = "layer errors need at least one image";
        return out;
    }
    engine::session f;
    qsession s;
    if (auto e = f.prepare(q.graph, count, count); !e.empty()) {
        if (error) *error = e;
        return out;
    }
    if (auto e = s.prepare(q.graph, q.cal, q.opt, count); !e.empty()) {
        if (error) *error = e;
        return out;
    }
    const auto src = param_source(q.graph);
    // Float activations of every parameter-carrying tensor, by tensor id.
    std::map<int, std::vector<float>> ref;
    f.set_observer([&](const engine::session::observation& o) {
        if (o.which < 0) return;
        const int t = q.graph.nodes[static_cast<std::size_t>(o.node)].out[static_cast<std::size_t>(o.which)];
        if (src[static_cast<std::size_t>(t)] != t) return;
        ref[t].assign(o.data, o.data + o.count);
    });
    std::copy_n(images, f.input_count(), f.input());
    f.run();
    ref[0].assign(images, images + f.input_count());
    std::map<int, std::pair<double, double>> acc;  // tensor -> (signal, noise)
    s.set_observer([&](const qsession::observation& o) {
        const int t = o.node == 0 ? 0 : q.graph.nodes[static_cast<std::size_t>(o.node)].out[static_cast<std::size_t>(o.which)];
        auto it = ref.find(t);
        if (it == ref.end() || it->second.size() != o.count) return;
        double sig = 0, noise = 0;
        for (std::size_t i = 0; i < o.count; ++i) {
            const double r = it->second[i];
            const double d = o.scale * static_cast<double>(o.data[i] - o.zero_point) - r;
            sig += r * r;
            noise += d * d;
        }
        acc[t] = {sig, noise};
    });
    std::copy_n(images, s.input_count(), s.input());
    s.run();
    for (const auto& [t, sn] : acc) {
        layer_error e;
        e.tensor = t;
        e.node = 0;
        for (std::size_t i = 0; i < q.graph.nodes.size(); ++i)
            for (int o : q.graph.nodes[i].out)
                if (o == t) e.node = static_cast<int>(i);
        const auto& n = q.graph.nodes[static_cast<std::size_t>(e.node)];
        e.name = e.node == 0 ? "input" : n.name;
        e.type = e.node == 0 ? "input" : engine::op_name(n.type);
        const auto& p = s.tensor_params(t);
        e.scale = p.scale;
        e.zero_point = p.zero_point;
        e.sqnr_db = sn.second > 0 ? 10.0 * std::log10(std::max(sn.first, 1e-30) / sn.second) : 200.0;
        out.push_back(e);
    }
    std::sort(out.begin(), out.end(), [](const layer_error& a, const layer_error& b) { return a.node < b.node; });
    return out;
}

}  // namespace es::quant
