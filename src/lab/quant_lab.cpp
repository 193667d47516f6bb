#include "lab/quant_lab.h"

#include "lab/clock.h"
#include "lab/model_lab.h"

#include "engine/bench.h"
#include "engine/session.h"
#include "models/model_file.h"
#include "models/shipped.h"
#include "train/augment.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace es::lab {

namespace {

constexpr int sample_images = 4;     // activation histograms
constexpr int sqnr_images = 8;       // per-layer SQNR
constexpr int timed_runs = 40;       // per engine, interleaved
constexpr double warmup_ms = 600.0;  // V8 tiers hot wasm up over time

histogram make_hist(const float* v, std::size_t n, int bins) {
    histogram h;
    bins = std::clamp(bins, 1, 4096);
    h.counts.assign(static_cast<std::size_t>(bins), 0);
    if (n == 0) return h;
    h.lo = *std::min_element(v, v + n);
    h.hi = *std::max_element(v, v + n);
    if (!(h.hi > h.lo)) h.hi = h.lo + 1e-6f;
    const float inv = static_cast<float>(bins) / (h.hi - h.lo);
    for (std::size_t i = 0; i < n; ++i) {
        const int b = std::clamp(static_cast<int>((v[i] - h.lo) * inv), 0, bins - 1);
        ++h.counts[static_cast<std::size_t>(b)];
    }
    return h;
}

}  // namespace

std::string quant_lab::load_data() {
    if (has_data()) return "";
    return load_page_subsets(&test_, &train_);
}

std::string quant_lab::configure(const quant_settings& s) {
    cancel();
    if (!has_data())
        if (auto e = load_data(); !e.empty()) return e;
    quant::ptq_options o;
    o.weight_bits = s.weight_bits;
    o.act_bits = s.act_bits;
    o.per_channel = s.per_channel;
    o.restricted = s.restricted;
    if (auto e = quant::check_options(o); !e.empty()) return e;
    if (s.calib_images < 1 || s.calib_images > train_->count)
        return "calibration images must be between 1 and " + std::to_string(train_->count) + ", got " +
               std::to_string(s.calib_images);
    std::string err;
    if (!model_ || loaded_ != s.model) {
        auto path = models::resolve_model(s.model, &err);
        if (!path) return err;
        auto m = models::load_model_file(*path, &err);
        if (!m) return err;
        if (m->input.h != 28 || m->input.w != 28 || m->input.c != 1) return s.model + " does not take 28x28x1 images";
        model_ = std::move(*m);
        loaded_ = s.model;
        fp32_cached_.reset();
    }
    quant::calib_options c;
    c.method = s.calib;
    c.percentile = s.percentile;
    auto q = quant::quantize_ptq(*model_, *train_, s.calib_images, c, o, &err);
    if (!q) return err;
    settings_ = s;
    q_ = std::move(*q);
    res_ = quant_results{};
    res_.fp32_accuracy = fp32_cached_;
    message_.clear();

    const auto imgs = quant::normalised_images(*train_, 0, sqnr_images);
    errors_ = quant::layer_errors(*q_, imgs.data(), sqnr_images, &err);
    weight_layers_.clear();
    for (std::size_t i = 1; i < q_->graph.nodes.size(); ++i) {
        const auto t = q_->graph.nodes[i].type;
        if (t == engine::op::op_conv2d || t == engine::op::op_fc) weight_layers_.push_back(static_cast<int>(i));
    }
    // Float activations of every tensor on a few calibration images, for the histograms.
    act_off_.assign(q_->graph.tensors.size(), 0);
    act_len_.assign(q_->graph.tensors.size(), 0);
    act_sample_.clear();
    engine::session f;
    if (auto e = f.prepare(q_->graph, sample_images, sample_images); !e.empty()) return e;
    f.set_observer([&](const engine::session::observation& ob) {
        if (ob.which < 0) return;
        const int t = q_->graph.nodes[static_cast<std::size_t>(ob.node)].out[static_cast<std::size_t>(ob.which)];
        act_off_[static_cast<std::size_t>(t)] = act_sample_.size();
        act_len_[static_cast<std::size_t>(t)] = ob.count;
        act_sample_.insert(act_sample_.end(), ob.data, ob.data + ob.count);
    });
    std::copy_n(imgs.begin(), f.input_count(), f.input());
    act_off_[0] = act_sample_.size();
    act_len_[0] = f.input_count();
    act_sample_.insert(act_sample_.end(), imgs.begin(), imgs.begin() + static_cast<std::ptrdiff_t>(f.input_count()));
    f.run();
    return "";
}

std::string quant_lab::start() {
    if (!q_) return "choose a model first";
    cancel();
    res_ = quant_results{};
    res_.fp32_accuracy = fp32_cached_;
    res_.fp32_bytes = 0;
    message_.clear();
    if (!fp32_cached_) {
        if (auto e = fev_.start(*model_, *test_, 0, 100); !e.empty()) return e;
        phase_ = phase::eval_fp32;
    } else {
        if (auto e = qev_.start(*q_, *test_, 0, 100); !e.empty()) return e;
        phase_ = phase::eval_int8;
    }
    return "";
}

std::string quant_lab::start_qat(const qat_lab_settings& s) {
    if (!q_) return "choose a model first";
    if (s.steps < 1 || s.steps > 5000) return "QAT steps must be between 1 and 5000, got " + std::to_string(s.steps);
    if (s.batch < 1 || s.batch > 256) return "QAT batch must be between 1 and 256, got " + std::to_string(s.batch);
    if (!(s.lr >= 0 && s.lr <= 1)) return "QAT learning rate must be between 0 (automatic) and 1";
    cancel();
    quant::qat_options o;
    o.q = q_->opt;
    o.ste = s.ste;
    o.steps = s.steps;
    o.batch = s.batch;
    o.lr = static_cast<float>(s.lr > 0 ? s.lr : quant::default_lr(o.q.weight_bits, o.optimizer));
    o.calib_batches = std::max(1, 128 / s.batch);
    auto t = std::make_unique<quant::qat_trainer>();
    if (auto e = t->start(*model_, *train_, o); !e.empty()) return e;
    qat_ = std::move(t);
    qat_settings_ = s;
    qat_settings_.lr = o.lr;
    qres_ = qat_lab_results{};
    qres_.weight_bits = o.q.weight_bits;
    qres_.act_bits = o.q.act_bits;
    qres_.steps = s.steps;
    qat_q_.reset();
    message_.clear();
    phase_ = phase::qat_train;
    return "";
}

void quant_lab::qat_next_eval() {
    std::string e;
    if (!res_.int8_accuracy) {
        e = qev_.start(*q_, *test_, 0, 100);
        phase_ = phase::qat_eval_ptq;
    } else if (!fp32_cached_) {
        e = fev_.start(*model_, *test_, 0, 100);
        phase_ = phase::qat_eval_fp32;
    } else {
        phase_ = phase::idle;
        message_ = "done";
    }
    if (!e.empty()) {
        message_ = e;
        phase_ = phase::idle;
    }
}

void quant_lab::cancel() {
    if (phase_ != phase::idle) message_ = "cancelled";
    phase_ = phase::idle;
    fs_.reset();
    qs_.reset();
    qat_.reset();
}

const char* quant_lab::phase_name() const {
    switch (phase_) {
    case phase::idle: return "idle";
    case phase::eval_fp32: return "eval_fp32";
    case phase::eval_int8: return "eval_int8";
    case phase::warmup: return "warmup";
    case phase::timing: return "timing";
    case phase::qat_train: return "qat_train";
    case phase::qat_eval: return "qat_eval";
    case phase::qat_eval_ptq: return "qat_eval_ptq";
    case phase::qat_eval_fp32: return "qat_eval_fp32";
    }
    return "idle";
}

double quant_lab::progress() const {
    const double n = test_ ? test_->count : 1;
    switch (phase_) {
    case phase::idle: return res_.int8_ms ? 1.0 : 0.0;
    case phase::eval_fp32: return 0.4 * fev_.evaluated() / n;
    case phase::eval_int8: return 0.4 + 0.4 * qev_.evaluated() / n;
    case phase::warmup: return 0.8 + 0.1 * std::min(1.0, (now_ms() - warm_start_) / warmup_ms);
    case phase::timing: return 0.9 + 0.1 * timing_runs_ / timed_runs;
    case phase::qat_train:
        return 0.7 * (qres_.calib_done + static_cast<double>(qres_.step)) /
               std::max(1.0, qres_.calib_total + static_cast<double>(qres_.steps));
    case phase::qat_eval: return 0.7 + 0.1 * qev_.evaluated() / n;
    case phase::qat_eval_ptq: return 0.8 + 0.1 * qev_.evaluated() / n;
    case phase::qat_eval_fp32: return 0.9 + 0.1 * fev_.evaluated() / n;
    }
    return 0.0;
}

bool quant_lab::tick(double budget_ms) {
    const double t0 = now_ms();
    bool first = true;
    while (phase_ != phase::idle && (first || now_ms() - t0 < budget_ms)) {
        first = false;
        switch (phase_) {
        case phase::eval_fp32:
            fev_.step();
            if (fev_.done()) {
                fp32_cached_ = fev_.result().accuracy;
                res_.fp32_accuracy = fp32_cached_;
                if (auto e = qev_.start(*q_, *test_, 0, 100); !e.empty()) {
                    message_ = e;
                    phase_ = phase::idle;
                    break;
                }
                phase_ = phase::eval_int8;
            }
            break;
        case phase::eval_int8:
            qev_.step();
            res_.evaluated = qev_.evaluated();
            if (qev_.done()) {
                res_.int8_accuracy = qev_.result().accuracy;
                fs_ = std::make_unique<engine::session>();
                qs_ = std::make_unique<quant::qsession>();
                std::string e = fs_->prepare(engine::optimize(*model_), 1);
                if (e.empty()) e = qs_->prepare(q_->graph, q_->cal, q_->opt, 1);
                if (!e.empty()) {
                    message_ = e;
                    phase_ = phase::idle;
                    break;
                }
                const auto img = quant::normalised_images(*test_, 0, 1);
                std::copy(img.begin(), img.end(), fs_->input());
                std::copy(img.begin(), img.end(), qs_->input());
                res_.fp32_bytes = fs_->weight_bytes();
                res_.int8_bytes = qs_->weight_bytes();
                warm_start_ = now_ms();
                warm_runs_ = 0;
                timing_runs_ = 0;
                phase_ = phase::warmup;
            }
            break;
        case phase::warmup: {
            const double r0 = now_ms();
            fs_->run();
            qs_->run();
            warm_pair_ms_ = now_ms() - r0;  // the last pair alone (frames pass between slices)
            ++warm_runs_;
            if (now_ms() - warm_start_ >= warmup_ms && ++timing_runs_ >= 10) {
                // A sample times as many runs of each engine as span about 8 ms together:
                // browsers round their clock to 0.1 ms or coarser.
                const double per_pair = warm_pair_ms_;
                reps_ = std::clamp(static_cast<int>(std::ceil(8.0 / std::max(per_pair, 0.02))), 1, 400);
                timing_runs_ = 0;
                phase_ = phase::timing;
            }
            break;
        }
        case phase::timing: {
            // Interleaved, so both engines see the same machine load.
            double a = now_ms();
            for (int i = 0; i < reps_; ++i) fs_->run();
            double b = now_ms();
            for (int i = 0; i < reps_; ++i) qs_->run();
            double c = now_ms();
            res_.fp32_samples.push_back((b - a) / reps_);
            res_.int8_samples.push_back((c - b) / reps_);
            if (++timing_runs_ >= timed_runs) {
                res_.fp32_ms = engine::median_of(res_.fp32_samples);
                res_.int8_ms = engine::median_of(res_.int8_samples);
                fs_.reset();
                qs_.reset();
                phase_ = phase::idle;
                message_ = "done";
            }
            break;
        }
        case phase::qat_train: {
            qat_->step();
            const auto& st = qat_->status();
            qres_.calib_done = st.calib_done;
            qres_.calib_total = st.calib_total;
            qres_.step = st.step;
            qres_.loss = qat_->step_loss();
            qres_.accuracy = qat_->step_accuracy();
            qres_.seconds = qat_->seconds();
            if (qat_->done()) {
                // For the integer engine: the SE blocks' inner ranges from the PTQ's
                // calibration images, as the qat4 variant does.
                const int n = std::min(settings_.calib_images, train_->count);
                const auto imgs = quant::normalised_images(*train_, 0, n);
                std::string err;
                qat_q_ = quant::to_quantized(qat_->model(), imgs.data(), n, &err);
                qat_.reset();
                if (!qat_q_) {
                    message_ = err;
                    phase_ = phase::idle;
                    break;
                }
                if (auto e = qev_.start(*qat_q_, *test_, 0, 100); !e.empty()) {
                    message_ = e;
                    phase_ = phase::idle;
                    break;
                }
                quant::qsession probe;
                if (probe.prepare(qat_q_->graph, qat_q_->cal, qat_q_->opt, 1).empty()) qres_.bytes = probe.weight_bytes();
                phase_ = phase::qat_eval;
            }
            break;
        }
        case phase::qat_eval:
            qev_.step();
            qres_.evaluated = qev_.evaluated();
            if (qev_.done()) {
                qres_.accuracy_int8 = qev_.result().accuracy;
                qat_next_eval();
            }
            break;
        case phase::qat_eval_ptq:
            qev_.step();
            res_.evaluated = qev_.evaluated();
            if (qev_.done()) {
                res_.int8_accuracy = qev_.result().accuracy;
                qat_next_eval();
            }
            break;
        case phase::qat_eval_fp32:
            fev_.step();
            if (fev_.done()) {
                fp32_cached_ = fev_.result().accuracy;
                res_.fp32_accuracy = fp32_cached_;
                qat_next_eval();
            }
            break;
        case phase::idle: break;
        }
    }
    return phase_ != phase::idle;
}

float quant_lab::weight_scale(int node, int channel) const {
    if (!q_) return 0.0f;
    const auto& n = q_->graph.nodes.at(static_cast<std::size_t>(node));
    const int per = static_cast<int>(n.w_count) / std::max(1, n.cout);
    const auto wq = quant::weight_params(q_->graph.weights.data() + n.w_off, n.cout, per, q_->opt.weight_bits,
                                         q_->opt.per_channel, q_->opt.restricted);
    return wq.scale.at(static_cast<std::size_t>(std::clamp(channel, 0, n.cout - 1)));
}

histogram quant_lab::weight_histogram(int node, int channel, int bins) const {
    if (!q_ || node <= 0 || static_cast<std::size_t>(node) >= q_->graph.nodes.size()) return {};
    const auto& n = q_->graph.nodes[static_cast<std::size_t>(node)];
    if (n.w_count == 0 || n.cout <= 0) return {};
    const std::size_t per = n.w_count / static_cast<std::size_t>(n.cout);
    const float* w = q_->graph.weights.data() + n.w_off;
    if (channel < 0) return make_hist(w, n.w_count, bins);
    channel = std::min(channel, n.cout - 1);
    return make_hist(w + per * static_cast<std::size_t>(channel), per, bins);
}

histogram quant_lab::activation_histogram(int tensor, int bins) const {
    if (!q_ || tensor < 0 || static_cast<std::size_t>(tensor) >= act_len_.size()) return {};
    return make_hist(act_sample_.data() + act_off_[static_cast<std::size_t>(tensor)],
                     act_len_[static_cast<std::size_t>(tensor)], bins);
}

std::optional<conv_trace> quant_lab::trace(int node, int image, int y, int x, int channel, std::string* error) const {
    auto fail = [&](std::string m) {
        if (error) *error = std::move(m);
        return std::optional<conv_trace>{};
    };
    if (!q_) return fail("choose a model first");
    const auto& g = q_->graph;
    if (node <= 0 || static_cast<std::size_t>(node) >= g.nodes.size()) return fail("no such layer");
    const auto& n = g.nodes[static_cast<std::size_t>(node)];
    if (n.type != engine::op::op_conv2d && n.type != engine::op::op_fc) return fail(n.name + " is not a conv or fc layer");
    if (image < 0 || image >= test_->count) return fail("no such test image");
    const engine::shape in = g.tensors[static_cast<std::size_t>(n.in[0])];
    const engine::shape out = g.tensors[static_cast<std::size_t>(n.out[0])];
    if (y < 0 || y >= out.h || x < 0 || x >= out.w || channel < 0 || channel >= out.c)
        return fail("position outside the layer's output " + engine::shape_text(out));

    quant::qsession s;
    if (auto e = s.prepare(g, q_->cal, q_->opt, 1); !e.empty()) return fail(e);
    std::vector<std::int8_t> xin, yout;
    s.set_observer([&](const quant::qsession::observation& o) {
        const int t = o.node == 0 ? 0 : g.nodes[static_cast<std::size_t>(o.node)].out[static_cast<std::size_t>(o.which)];
        if (t == n.in[0]) xin.assign(o.data, o.data + o.count);
        if (t == n.out[0]) yout.assign(o.data, o.data + o.count);
    });
    const auto img = quant::normalised_images(*test_, image, 1);
    std::copy(img.begin(), img.end(), s.input());
    s.run();
    engine::session f;
    if (auto e = f.prepare(g, 1, 1); !e.empty()) return fail(e);
    std::vector<float> yf;
    f.set_observer([&](const engine::session::observation& o) {
        if (o.which == 0 && o.node == node) yf.assign(o.data, o.data + o.count);
    });
    std::copy(img.begin(), img.end(), f.input());
    f.run();
    if (xin.empty() || yout.empty() || yf.empty()) return fail("the layer's tensors were not observed");

    const auto& info = s.layers().at(static_cast<std::size_t>(node - 1));
    const auto& wq = s.node_weights(node);
    const auto& bq = s.node_bias(node);
    conv_trace t;
    t.layer = n.name;
    t.node = node;
    t.y = y;
    t.x = x;
    t.channel = channel;
    t.s_in = info.s_in;
    t.zp_in = info.zp_in;
    t.s_out = info.s_out;
    t.zp_out = info.zp_out;
    t.s_w = info.s_w.at(static_cast<std::size_t>(channel));
    t.rq = info.rq.at(static_cast<std::size_t>(channel));
    t.lo = info.lo;
    t.hi = info.hi;
    t.bias = bq.at(static_cast<std::size_t>(channel));
    if (n.type == engine::op::op_fc) {
        const std::size_t k = in.numel();
        for (std::size_t i = 0; i < k; ++i) {
            t.xq.push_back(xin[i]);
            t.wq.push_back(wq[static_cast<std::size_t>(channel) * k + i]);
        }
    } else {
        const int cin_g = in.c / n.groups, cout_g = n.cout / n.groups, c0 = (channel / cout_g) * cin_g;
        const std::size_t per = static_cast<std::size_t>(n.win.kh) * n.win.kw * cin_g;
        for (int ky = 0; ky < n.win.kh; ++ky)
            for (int kx = 0; kx < n.win.kw; ++kx) {
                const int iy = y * n.win.sh - n.win.pad_t + ky, ix = x * n.win.sw - n.win.pad_l + kx;
                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;  // padding: real 0 contributes 0
                for (int ci = 0; ci < cin_g; ++ci) {
                    t.xq.push_back(xin[(static_cast<std::size_t>(iy) * in.w + ix) * in.c + c0 + ci]);
                    t.wq.push_back(wq[static_cast<std::size_t>(channel) * per +
                                      (static_cast<std::size_t>(ky) * n.win.kw + kx) * cin_g + ci]);
                }
            }
    }
    for (std::size_t i = 0; i < t.xq.size(); ++i) {
        t.products.push_back((t.xq[i] - t.zp_in) * t.wq[i]);
        t.sum += t.products.back();
    }
    t.acc = t.bias + t.sum;
    t.m_real = static_cast<double>(t.s_in) * t.s_w / t.s_out;
    t.scaled = kernels::requantize(t.acc, t.rq);
    t.out_q = std::clamp<std::int32_t>(t.scaled + t.zp_out, t.lo, t.hi);
    const std::size_t pos = (static_cast<std::size_t>(y) * out.w + x) * out.c + channel;
    t.engine_q = yout.at(pos);
    t.real_float = yf.at(pos);
    return t;
}

nlohmann::json quant_lab::state_json() const {
    nlohmann::json j;
    j["model"] = loaded_;
    j["ready"] = ready();
    j["phase"] = phase_name();
    j["progress"] = progress();
    j["message"] = message_;
    j["settings"] = {{"weight_bits", settings_.weight_bits}, {"act_bits", settings_.act_bits},
                     {"per_channel", settings_.per_channel}, {"restricted", settings_.restricted},
                     {"calibration", quant::calib_method_name(settings_.calib)},
                     {"calib_images", settings_.calib_images}, {"percentile", settings_.percentile}};
    auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    j["fp32_accuracy"] = opt(res_.fp32_accuracy);
    j["int8_accuracy"] = opt(res_.int8_accuracy);
    j["evaluated"] = res_.evaluated;
    j["fp32_ms"] = opt(res_.fp32_ms);
    j["int8_ms"] = opt(res_.int8_ms);
    j["fp32_bytes"] = res_.fp32_bytes;
    j["int8_bytes"] = res_.int8_bytes;
    j["layers"] = errors_.size();
    double worst = 1e9;
    for (const auto& e : errors_) worst = std::min(worst, e.sqnr_db);
    j["worst_sqnr_db"] = errors_.empty() ? nlohmann::json(nullptr) : nlohmann::json(worst);
    auto mean_tail = [](const std::vector<float>& v) {
        // The mean of the last 20 steps: one batch is noisy.
        if (v.empty()) return nlohmann::json(nullptr);
        const std::size_t k = std::min<std::size_t>(20, v.size());
        double s = 0;
        for (std::size_t i = v.size() - k; i < v.size(); ++i) s += v[i];
        return nlohmann::json(s / static_cast<double>(k));
    };
    j["qat"] = {{"steps", qres_.steps},
                {"step", qres_.step},
                {"batch", qat_settings_.batch},
                {"lr", qat_settings_.lr},
                {"ste", std::string(quant::ste_name(qat_settings_.ste))},
                {"weight_bits", qres_.weight_bits},
                {"act_bits", qres_.act_bits},
                {"calib_done", qres_.calib_done},
                {"calib_total", qres_.calib_total},
                {"loss", mean_tail(qres_.loss)},
                {"train_accuracy", mean_tail(qres_.accuracy)},
                {"seconds", qres_.seconds},
                {"evaluated", qres_.evaluated},
                {"accuracy_int8", opt(qres_.accuracy_int8)},
                {"bytes", qres_.bytes}};
    return j;
}

}  // namespace es::lab
