#include "prune/lottery.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace es::prune {

std::string check_options(const lottery_options& o) {
    if (o.rounds < 1 || o.rounds > 20) return "rounds must be from 1 to 20, got " + std::to_string(o.rounds);
    if (!(o.rate > 0.0 && o.rate < 1.0)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", o.rate);
        return std::string("rate must be in (0, 1), got ") + buf;
    }
    if (o.train.max_steps < 1) return "steps must be at least 1";
    if (o.train.batch < 1) return "batch must be at least 1";
    if (!(o.train.lr > 0.0f)) return "lr must be greater than 0";
    if (o.eval_limit < 0) return "eval-limit must be 0 or more";
    return "";
}

namespace {
double tail_mean(const std::vector<float>& v) {
    if (v.empty()) return 0.0;
    const std::size_t k = std::max<std::size_t>(1, v.size() / 10);
    return std::accumulate(v.end() - static_cast<std::ptrdiff_t>(k), v.end(), 0.0) / static_cast<double>(k);
}
}  // namespace

struct lottery_run::impl {
    engine::model init, reinit, ticket;  // ticket: the last trained rewind arm (round 0: dense)
    const data::dataset *train = nullptr, *test = nullptr;
    lottery_options o;
    weight_mask mask;
    train::trainer t;
    int round = 0;
    int arm = 0;  // 0: rewind (round 0: dense), 1: reinit
    bool running = false, evaluating = false, finished = false;
    engine::model trained;  // the run just trained, while it is evaluated
    train::evaluator ev;
    long long steps_done = 0, steps_all = 0;
    lottery_result r;
    std::chrono::steady_clock::time_point t0;

    std::string begin_run() {
        engine::model m = arm == 0 ? init : reinit;
        if (auto e = apply_mask(m, mask); !e.empty()) return e;
        train::train_options to = o.train;
        to.keep_mask = mask.keep;
        to.epochs = 0;  // as many as max_steps needs
        if (auto e = t.start(m, *train, to); !e.empty()) return e;
        running = true;
        return "";
    }
    // The trained run is evaluated batch by batch (one batch per step) before it is recorded.
    std::string finish_training() {
        running = false;
        trained = t.model();
        if (auto e = ev.start(trained, *test, o.eval_limit); !e.empty()) return e;
        evaluating = true;
        return "";
    }
    std::string finish_run() {  // record, move to the next run (pruning at a round's start)
        evaluating = false;
        const double acc = ev.result().accuracy;
        lottery_round& lr = r.rounds.back();
        if (arm == 0) {
            lr.accuracy_rewind = acc;
            lr.loss_rewind = t.step_loss();
            lr.final_loss_rewind = tail_mean(lr.loss_rewind);
            ticket = std::move(trained);
        } else {
            lr.accuracy_reinit = acc;
            lr.loss_reinit = t.step_loss();
            lr.final_loss_reinit = tail_mean(lr.loss_reinit);
        }
        if (round == 0 || arm == 1) {
            if (round == o.rounds) {
                finished = true;
                return "";
            }
            ++round;
            arm = 0;
            mask_options mo = o.select;
            mo.how = o.global ? method::global : method::layerwise;
            mo.sparsity = 1.0 - std::pow(1.0 - o.rate, round);
            std::string err;
            auto next = make_mask(ticket, mo, &mask, &err);
            if (!next) return err;
            mask = std::move(*next);
            lottery_round nr;
            nr.round = round;
            engine::model probe = init;
            apply_mask(probe, mask);
            nr.sparsity = measure_selected(probe);
            r.rounds.push_back(std::move(nr));
        } else {
            arm = 1;
        }
        return begin_run();
    }
    double measure_selected(const engine::model& m) const {
        std::size_t n = 0, z = 0;
        for (const auto& l : selected_layers(m, o.select)) {
            n += l.count;
            for (std::size_t i = l.off; i < l.off + l.count; ++i) z += !mask.keep[i];
        }
        return n ? static_cast<double>(z) / static_cast<double>(n) : 0.0;
    }
};

lottery_run::lottery_run() : p_(std::make_unique<impl>()) {}
lottery_run::~lottery_run() = default;

std::string lottery_run::start(const engine::model& init, const engine::model& reinit, const data::dataset& train,
                               const data::dataset& test, const lottery_options& o) {
    p_ = std::make_unique<impl>();
    impl& s = *p_;
    if (auto e = check_options(o); !e.empty()) return e;
    if (init.weights.size() != reinit.weights.size() || init.arch != reinit.arch)
        return "the random re-initialization must be the same architecture as the initialization";
    if (train.count <= 0) return "no training images";
    if (test.count <= 0) return "no test images";
    if (selected_layers(init, o.select).empty()) return "the model has no prunable layer";
    s.init = init;
    s.reinit = reinit;
    s.train = &train;
    s.test = &test;
    s.o = o;
    s.mask = full_mask(init);
    s.steps_all = o.train.max_steps * (1 + 2LL * o.rounds);
    s.r.n = o.eval_limit > 0 ? std::min(o.eval_limit, test.count) : test.count;
    s.r.rounds.push_back({});
    s.t0 = std::chrono::steady_clock::now();
    return s.begin_run();
}

bool lottery_run::step() {
    impl& s = *p_;
    if (done()) return false;
    std::string err;
    if (s.running) {
        s.t.step();
        ++s.steps_done;
        if (s.t.done()) err = s.finish_training();
    } else if (s.evaluating) {
        s.ev.step();
        if (s.ev.done()) err = s.finish_run();
    }
    if (!err.empty()) s.finished = true;  // cannot happen with checked options
    s.r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.t0).count();
    return true;
}

bool lottery_run::done() const { return !p_->train || p_->finished; }
double lottery_run::fraction_done() const {
    if (p_->finished) return 1.0;
    return p_->steps_all ? std::min(0.999, static_cast<double>(p_->steps_done) / static_cast<double>(p_->steps_all)) : 0.0;
}
int lottery_run::current_round() const { return p_->round; }
int lottery_run::current_arm() const { return p_->arm; }
bool lottery_run::evaluating() const { return p_->evaluating; }
const std::vector<float>& lottery_run::current_loss() const { return p_->t.step_loss(); }
const lottery_result& lottery_run::result() const { return p_->r; }

lottery_result run_lottery(const engine::model& init, const engine::model& reinit, const data::dataset& train,
                           const data::dataset& test, const lottery_options& o, std::string* error,
                           const std::function<bool(double)>& progress_cb) {
    lottery_run L;
    if (auto e = L.start(init, reinit, train, test, o); !e.empty()) {
        if (error) *error = e;
        return {};
    }
    while (L.step())
        if (progress_cb && !progress_cb(L.fraction_done())) {
            if (error) *error = "cancelled";
            break;
        }
    return L.result();
}

}  // namespace es::prune
