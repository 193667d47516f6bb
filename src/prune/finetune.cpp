#include "prune/finetune.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace es::prune {

namespace {
using clock_type = std::chrono::steady_clock;
}

std::string check_options(const prune_options& o) {
    if (o.mask.how != method::sparse24)
        if (auto e = check_sparsity(o.mask.sparsity); !e.empty()) return e;
    if (o.iterations < 1 || o.iterations > 100) return "iterations must be from 1 to 100, got " + std::to_string(o.iterations);
    if (o.mask.how == method::sparse24 && o.iterations != 1)
        return "iterations must be 1 for sparse24 (2:4 is one fixed pattern, pruned at once)";
    if (o.train.max_steps < 0) return "steps must be 0 or more";
    if (o.train.max_steps > 0 && o.train.max_steps < o.iterations)
        return "steps (" + std::to_string(o.train.max_steps) + ") must be at least the iterations (" +
               std::to_string(o.iterations) + ")";
    if (o.train.batch < 1) return "batch must be at least 1";
    if (!(o.train.lr > 0.0f)) return "lr must be greater than 0";
    return "";
}

double scheduled_sparsity(double s, int i, int n) {
    if (n <= 1 || i >= n) return s;
    const double f = 1.0 - static_cast<double>(i) / static_cast<double>(n);
    return s * (1.0 - f * f * f);
}

struct prune_trainer::impl {
    prune_options o;
    const data::dataset* train = nullptr;
    engine::model current, once;
    weight_mask mask;
    train::trainer t;
    bool training = false;  // t holds the current round's fine-tuning
    int round = 0;
    long long done_steps = 0;  // steps of finished rounds
    prune_status st;
    std::vector<float> losses;
    clock_type::time_point t0;
    double seconds = 0.0;

    long long round_steps(int r) const {  // steps of round r (1-based): max_steps split evenly
        const long long total = o.train.max_steps, n = o.iterations;
        return total / n + (r <= total % n ? 1 : 0);
    }
    std::string prune_round(int r, bool first) {  // prune current to round r's target; "" or error
        mask_options mo = o.mask;
        mo.sparsity = scheduled_sparsity(o.mask.sparsity, r, o.iterations);
        std::string err;
        auto m = make_mask(current, mo, first ? nullptr : &mask, &err);
        if (!m) return err;
        mask = std::move(*m);
        if (auto e = apply_mask(current, mask); !e.empty()) return e;
        round = r;
        st.round = r;
        st.target = mo.sparsity;
        return "";
    }
    std::string start_round() {
        train::train_options to = o.train;
        to.max_steps = round_steps(round);
        to.keep_mask = mask.keep;
        to.seed = o.train.seed + static_cast<std::uint64_t>(round - 1);
        to.epochs = 0;  // as many as max_steps needs
        if (auto e = t.start(current, *train, to); !e.empty()) return e;
        training = true;
        return "";
    }
};

prune_trainer::prune_trainer() : p_(std::make_unique<impl>()) {}
prune_trainer::~prune_trainer() = default;

std::string prune_trainer::start(const engine::model& trained, const data::dataset& train, const prune_options& o) {
    p_ = std::make_unique<impl>();
    impl& s = *p_;
    if (auto e = check_options(o); !e.empty()) return e;
    if (train.count <= 0 && o.train.max_steps > 0) return "no training images";
    s.o = o;
    s.train = &train;
    s.current = trained;
    s.t0 = clock_type::now();
    // The reference "pruned, not fine-tuned": the trained weights pruned to the final target at once.
    std::string err;
    auto once = make_mask(trained, o.mask, nullptr, &err);
    if (!once) return err;
    s.once = trained;
    apply_mask(s.once, *once);
    // Without fine-tuning there is nothing between rounds: prune to the target at once.
    if (auto e = s.prune_round(o.train.max_steps > 0 ? 1 : o.iterations, true); !e.empty()) return e;
    s.st.rounds = o.iterations;
    s.st.steps_total = o.train.max_steps;
    if (o.train.max_steps > 0)
        if (auto e = s.start_round(); !e.empty()) return e;
    return "";
}

bool prune_trainer::done() const { return !p_->train || p_->done_steps >= p_->o.train.max_steps; }

bool prune_trainer::step() {
    if (done()) return false;
    impl& s = *p_;
    if (!s.training) {  // the next round: prune further from the fine-tuned weights, then train
        if (!s.prune_round(s.round + 1, false).empty() || !s.start_round().empty()) {
            s.done_steps = s.o.train.max_steps;  // cannot happen with checked options; stop
            return false;
        }
    }
    s.t.step();
    const auto& p = s.t.status();
    s.losses.push_back(s.t.step_loss().back());
    s.st.step = s.done_steps + p.step;
    s.st.loss = p.loss;
    s.st.accuracy = p.accuracy;
    s.st.lr = p.lr;
    s.seconds = std::chrono::duration<double>(clock_type::now() - s.t0).count();
    s.st.images_per_s = s.seconds > 0 ? static_cast<double>(s.st.step * s.o.train.batch) / s.seconds : 0.0;
    if (s.t.done()) {
        s.current = s.t.model();
        s.done_steps += s.t.status().step;
        s.training = false;
    }
    return true;
}

const prune_status& prune_trainer::status() const { return p_->st; }
const std::vector<float>& prune_trainer::step_loss() const { return p_->losses; }
const engine::model& prune_trainer::pruned_once() const { return p_->once; }
engine::model prune_trainer::model() const { return p_->training ? p_->t.model() : p_->current; }
const weight_mask& prune_trainer::mask() const { return p_->mask; }
double prune_trainer::seconds() const { return p_->seconds; }

prune_result run_prune(const engine::model& trained, const data::dataset& train, const prune_options& o,
                       const std::function<bool(const prune_status&)>& progress_cb) {
    prune_result r;
    prune_trainer t;
    if (auto e = t.start(trained, train, o); !e.empty()) {
        r.error = e;
        return r;
    }
    while (t.step())
        if (progress_cb && !progress_cb(t.status())) {
            r.error = "cancelled";
            break;
        }
    r.pruned_once = t.pruned_once();
    r.model = t.model();
    r.mask = t.mask();
    r.step_loss = t.step_loss();
    r.seconds = t.seconds();
    return r;
}

}  // namespace es::prune
