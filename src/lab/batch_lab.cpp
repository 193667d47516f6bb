#include "lab/batch_lab.h"

#include "engine/rng.h"
#include "lab/clock.h"
#include "lab/model_lab.h"
#include "models/models.h"
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace es::lab {

std::string check_settings(const batch_settings& s) {
    if (!models::is_tiny(s.model)) return "model: \"" + s.model + "\" is not a tiny preset";
    if (s.small_batch < 1 || s.small_batch > 1024) return "small batch must be from 1 to 1024";
    if (s.large_batch <= s.small_batch || s.large_batch > 1024)
        return "large batch must be larger than the small one and at most 1024";
    if (!(s.lr > 0.0 && s.lr <= 1.0)) return "lr must be in (0, 1], got " + fmt_g(s.lr);
    if (s.epochs < 1 || s.epochs > 50) return "epochs must be from 1 to 50";
    if (s.train_limit < s.large_batch) return "train-limit must hold at least one large batch";
    if (s.eval_limit < 1) return "eval-limit must be at least 1";
    if (s.seed < 0) return "seed must be 0 or more";
    if (s.radii.empty() || s.radii.size() > 20) return "radii: give 1 to 20 values";
    for (std::size_t i = 0; i < s.radii.size(); ++i) {
        if (!(s.radii[i] >= 0.0 && s.radii[i] <= 5.0)) return "radii must be in [0, 5], got " + fmt_g(s.radii[i]);
        if (i > 0 && !(s.radii[i] > s.radii[i - 1])) return "radii must increase";
    }
    if (s.directions < 1 || s.directions > 20) return "directions must be from 1 to 20";
    if (s.probe_images < 1) return "probe-images must be at least 1";
    return "";
}

double dataset_loss(const engine::model& m, const data::dataset& d, int limit) {
    return train::evaluate(m, d, limit).loss;
}

engine::model perturb_filters(const engine::model& m, double radius, std::uint64_t seed) {
    engine::model out = m;
    engine::rng r{seed * 0x9E3779B97F4A7C15ull + 17};
    for (const auto& n : m.nodes) {
        if ((n.type != engine::op::op_conv2d && n.type != engine::op::op_fc) || n.cout <= 0 || n.w_count == 0) continue;
        const std::size_t per = n.w_count / static_cast<std::size_t>(n.cout);
        std::vector<double> dir(per);
        for (int c = 0; c < n.cout; ++c) {
            const std::size_t off = n.w_off + static_cast<std::size_t>(c) * per;
            double wn = 0, dn = 0;
            for (std::size_t i = 0; i < per; ++i) {
                dir[i] = r.normal();
                dn += dir[i] * dir[i];
                wn += static_cast<double>(m.weights[off + i]) * m.weights[off + i];
            }
            const double scale = dn > 0 ? radius * std::sqrt(wn) / std::sqrt(dn) : 0.0;
            for (std::size_t i = 0; i < per; ++i) out.weights[off + i] += static_cast<float>(scale * dir[i]);
        }
    }
    return out;
}

struct batch_job::impl {
    std::optional<data::dataset> test, train;
    engine::model init;
    enum class phase { idle, train, eval, probe } ph = phase::idle;
    std::size_t arm = 0;
    train::trainer t;
    double epoch_ms = 0, epoch_loss = 0;
    int epoch_steps = 0;
    train::evaluator ev;
    engine::model trained;
    train::evaluator probe;  // the sharpness probe's training loss at one perturbed point
    int dir = 0;
    std::size_t radius = 0;
    std::vector<double> sums;
    double t0 = 0;
    long long work_done = 0, work_total = 1;  // steps + evaluation and probe batches, for progress
};

batch_job::batch_job() : p_(std::make_unique<impl>()) {}
batch_job::~batch_job() = default;

std::string batch_job::load_data() {
    if (p_->test && p_->train) return "";
    return load_page_subsets(&p_->test, &p_->train);
}

std::string batch_job::start(const batch_settings& s) {
    if (auto e = check_settings(s); !e.empty()) return e;
    if (auto e = load_data(); !e.empty()) return e;
    std::string err;
    models::arch_options ao = models::tiny_defaults();
    ao.seed = static_cast<std::uint64_t>(s.seed);
    auto m = models::build_arch(s.model, ao, &err);
    if (!m) return err;
    impl& p = *p_;
    batch_result r;
    r.radii = s.radii;
    r.n = std::min(s.eval_limit, p.test->count);
    r.probe_n = std::min(s.probe_images, p.train->count);
    const double scaled = s.lr * static_cast<double>(s.large_batch) / static_cast<double>(s.small_batch);
    r.arms = {{"small", s.small_batch, s.lr, 0, {}, {}, {}},
              {"large", s.large_batch, s.lr, 0, {}, {}, {}},
              {"large_scaled", s.large_batch, std::min(1.0, scaled), 0, {}, {}, {}}};
    // The first arm's trainer (the others start the same way when their turn comes).
    train::train_options o;
    o.epochs = s.epochs;
    o.batch = r.arms[0].batch;
    o.lr = static_cast<float>(r.arms[0].lr);
    o.seed = static_cast<std::uint64_t>(s.seed);
    o.limit = s.train_limit;
    o.warmup_steps = 0;  // no warm-up: the arms differ only in batch size and learning rate
    if (auto e = p.t.start(*m, *p.train, o); !e.empty()) return e;
    p.init = std::move(*m);
    settings_ = s;
    r_ = std::move(r);
    const int n = std::min(s.train_limit, p.train->count);
    p.work_total = 0;
    for (const auto& a : r_.arms) p.work_total += static_cast<long long>(n / a.batch) * s.epochs;
    p.work_total += 3LL * s.epochs + 3LL * s.directions * static_cast<long long>(s.radii.size());
    p.work_done = 0;
    p.arm = 0;
    p.epoch_ms = p.epoch_loss = 0;
    p.epoch_steps = 0;
    p.ph = impl::phase::train;
    p.t0 = now_ms();
    message_ = "running";
    return "";
}

void batch_job::cancel() {
    if (!busy()) return;
    p_->ph = impl::phase::idle;
    message_ = "cancelled";
}

bool batch_job::busy() const { return p_->ph != impl::phase::idle; }

double batch_job::progress() const {
    if (!busy()) return r_.finished ? 1.0 : 0.0;
    return std::clamp(static_cast<double>(p_->work_done) / static_cast<double>(std::max(1LL, p_->work_total)), 0.0, 0.999);
}

bool batch_job::tick(double budget_ms) {
    if (!busy()) return false;
    impl& p = *p_;
    const double t_start = now_ms();
    do {
        batch_arm& a = r_.arms[p.arm];
        switch (p.ph) {
        case impl::phase::idle: break;
        case impl::phase::train: {
            const std::size_t epochs_before = p.t.history().size();
            const double t0 = now_ms();
            if (!p.t.step()) {  // cannot happen with checked settings; stop rather than spin
                p.ph = impl::phase::idle;
                message_ = "training stopped early";
                break;
            }
            p.epoch_ms += now_ms() - t0;
            ++p.work_done;
            ++a.steps;
            a.step_loss.push_back(p.t.step_loss().back());
            p.epoch_loss += p.t.step_loss().back();
            ++p.epoch_steps;
            if (p.t.history().size() > epochs_before) {  // an epoch ended: test it
                batch_epoch e;
                e.epoch = static_cast<int>(p.t.history().size());
                e.train_loss = p.epoch_loss / std::max(1, p.epoch_steps);
                e.seconds = p.epoch_ms / 1000.0;
                a.epochs.push_back(e);
                p.epoch_ms = p.epoch_loss = 0;
                p.epoch_steps = 0;
                p.trained = p.t.model();
                p.ev.start(p.trained, *p.test, settings_.eval_limit);
                p.ph = impl::phase::eval;
            }
            break;
        }
        case impl::phase::eval:
            p.ev.step();
            if (!p.ev.done()) break;
            ++p.work_done;
            a.epochs.back().test_accuracy = p.ev.result().accuracy;
            if (!p.t.done()) {
                p.ph = impl::phase::train;
                break;
            }
            // Trained: the sharpness probe, direction by direction, radius by radius.
            p.dir = 0;
            p.radius = 0;
            p.sums.assign(settings_.radii.size(), 0.0);
            p.probe.start(perturb_filters(p.trained, settings_.radii[0], 1), *p.train, settings_.probe_images);
            p.ph = impl::phase::probe;
            break;
        case impl::phase::probe:
            p.probe.step();
            if (!p.probe.done()) break;
            ++p.work_done;
            p.sums[p.radius] += p.probe.result().loss;
            if (++p.radius == settings_.radii.size()) {
                p.radius = 0;
                ++p.dir;
            }
            if (p.dir < settings_.directions) {
                p.probe.start(perturb_filters(p.trained, settings_.radii[p.radius], static_cast<std::uint64_t>(p.dir) + 1),
                              *p.train, settings_.probe_images);
                break;
            }
            a.sharpness.resize(p.sums.size());
            for (std::size_t i = 0; i < p.sums.size(); ++i) a.sharpness[i] = p.sums[i] / settings_.directions;
            if (++p.arm == r_.arms.size()) {
                p.ph = impl::phase::idle;
                r_.finished = true;
                message_ = "done";
                break;
            }
            {
                const batch_arm& next = r_.arms[p.arm];
                train::train_options o;
                o.epochs = settings_.epochs;
                o.batch = next.batch;
                o.lr = static_cast<float>(next.lr);
                o.seed = static_cast<std::uint64_t>(settings_.seed);
                o.limit = settings_.train_limit;
                o.warmup_steps = 0;
                if (auto e = p.t.start(p.init, *p.train, o); !e.empty()) {  // the same settings started arm 0
                    p.ph = impl::phase::idle;
                    message_ = e;
                    break;
                }
                p.ph = impl::phase::train;
            }
            break;
        }
    } while (busy() && now_ms() - t_start < budget_ms);
    r_.seconds = (now_ms() - p.t0) / 1000.0;
    return busy();
}

nlohmann::json to_json(const batch_result& r) {
    nlohmann::json arms = nlohmann::json::array();
    for (const auto& a : r.arms) {
        nlohmann::json ep = nlohmann::json::array();
        for (const auto& e : a.epochs)
            ep.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"test_accuracy", e.test_accuracy},
                          {"seconds", e.seconds}});
        nlohmann::json j = {{"name", a.name}, {"batch", a.batch}, {"lr", a.lr}, {"steps", a.steps},
                            {"epochs", ep}, {"sharpness", a.sharpness}};
        j["test_accuracy"] = a.epochs.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.epochs.back().test_accuracy);
        double secs = 0;
        for (const auto& e : a.epochs) secs += e.seconds;
        j["seconds_per_epoch"] = a.epochs.empty() ? nlohmann::json(nullptr) : nlohmann::json(secs / a.epochs.size());
        // How much the loss rises from the minimum to the largest radius.
        j["sharpness_rise"] = a.sharpness.size() >= 2 ? nlohmann::json(a.sharpness.back() - a.sharpness.front())
                                                      : nlohmann::json(nullptr);
        arms.push_back(j);
    }
    return {{"arms", arms}, {"radii", r.radii}, {"n", r.n}, {"probe_n", r.probe_n}, {"seconds", r.seconds},
            {"finished", r.finished}};
}

nlohmann::json batch_job::state_json() const {
    nlohmann::json j = to_json(r_);
    const auto& s = settings_;
    j["busy"] = busy();
    j["progress"] = progress();
    j["message"] = message_;
    j["settings"] = {{"model", s.model}, {"small_batch", s.small_batch}, {"large_batch", s.large_batch}, {"lr", s.lr},
                     {"epochs", s.epochs}, {"train_limit", s.train_limit}, {"eval_limit", s.eval_limit},
                     {"seed", s.seed}, {"radii", s.radii}, {"directions", s.directions},
                     {"probe_images", s.probe_images}};
    return j;
}

}  // namespace es::lab
