#include "lab/prune_lab.h"

#include "lab/clock.h"
#include "lab/model_lab.h"
#include "models/model_file.h"
#include "models/models.h"
#include "models/shipped.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace es::lab {

namespace {

const std::vector<float> no_loss;

}  // namespace

prune_lab::prune_lab() = default;
prune_lab::~prune_lab() = default;

std::string prune_lab::load_data() {
    if (has_data()) return "";
    return load_page_subsets(&test_, &train_);
}

std::string prune_lab::start_sensitivity(const sensitivity_settings& s) {
    if (!has_data())
        if (auto e = load_data(); !e.empty()) return e;
    std::string err;
    auto path = models::resolve_model(s.model, &err);
    if (!path) return err;
    auto m = models::load_model_file(*path, &err);
    if (!m) return err;
    prune::sensitivity_options o;
    o.levels = s.levels;
    o.eval_limit = s.eval_limit;
    o.select.skip_depthwise = s.skip_depthwise;
    o.batch = 20;  // small test batches: short slices, so the page keeps drawing while it scans
    if (s.eval_limit < 1) return "test images must be at least 1";
    auto scan = std::make_unique<prune::sensitivity_scan>();
    if (auto e = scan->start(*m, *test_, o); !e.empty()) return e;
    cancel();
    scan_ = std::move(scan);
    sens_settings_ = s;
    sens_ = scan_->result();
    sens_t0_ = now_ms();
    sens_seconds_ = 0;
    job_ = job::sensitivity;
    message_ = "running";
    return "";
}

std::string prune_lab::start_lottery(const lottery_settings& s) {
    if (!has_data())
        if (auto e = load_data(); !e.empty()) return e;
    if (s.train_limit < 1) return "training images must be at least 1";
    if (s.eval_limit < 1) return "test images must be at least 1";
    if (s.seed < 0) return "seed must be 0 or more";
    if (s.steps > 20000) return "steps must be at most 20000 per training run";
    if (s.batch > 512) return "batch must be at most 512";
    const auto archs = models::arch_names();
    if (s.model.rfind("tiny_", 0) != 0 || std::find(archs.begin(), archs.end(), s.model) == archs.end())
        return "unknown tiny model \"" + s.model + "\"";
    prune::lottery_options o;
    o.rounds = s.rounds;
    o.rate = s.rate;
    o.global = s.global;
    o.train.max_steps = s.steps;
    o.train.batch = s.batch;
    o.train.lr = static_cast<float>(s.lr);
    o.train.seed = static_cast<std::uint64_t>(s.seed);
    o.train.limit = s.train_limit;
    o.eval_limit = s.eval_limit;
    if (auto e = prune::check_options(o); !e.empty()) return e;
    std::string err;
    models::arch_options ao = models::tiny_defaults();
    ao.seed = static_cast<std::uint64_t>(s.seed);
    auto init = models::build_arch(s.model, ao, &err);
    ao.seed += 1000;
    auto reinit = init ? models::build_arch(s.model, ao, &err) : std::nullopt;
    if (!init || !reinit) return err;
    auto run = std::make_unique<prune::lottery_run>();
    if (auto e = run->start(*init, *reinit, *train_, *test_, o); !e.empty()) return e;
    cancel();
    run_ = std::move(run);
    lot_settings_ = s;
    lot_ = run_->result();
    job_ = job::lottery;
    message_ = "running";
    return "";
}

void prune_lab::cancel() {
    if (job_ == job::none) return;
    scan_.reset();
    run_.reset();
    job_ = job::none;
    message_ = "cancelled";
}

bool prune_lab::tick(double budget_ms) {
    if (job_ == job::none) return false;
    const double t0 = now_ms();
    do {
        if (job_ == job::sensitivity) {
            scan_->step();
            if (scan_->done()) break;
        } else {
            run_->step();
            if (run_->done()) break;
        }
    } while (now_ms() - t0 < budget_ms);
    if (job_ == job::sensitivity) {
        sens_ = scan_->result();
        sens_seconds_ = (now_ms() - sens_t0_) / 1000.0;
        if (scan_->done()) {
            scan_.reset();
            job_ = job::none;
            message_ = "done";
        }
    } else {
        lot_ = run_->result();
        if (run_->done()) {
            run_.reset();
            job_ = job::none;
            message_ = "done";
        }
    }
    return job_ != job::none;
}

const char* prune_lab::job_name() const {
    switch (job_) {
    case job::sensitivity: return "sensitivity";
    case job::lottery: return "lottery";
    case job::none: break;
    }
    return "idle";
}

double prune_lab::progress() const {
    if (job_ == job::sensitivity) return scan_->fraction_done();
    if (job_ == job::lottery) return run_->fraction_done();
    return 0.0;
}

int prune_lab::lottery_round() const { return run_ ? run_->current_round() : 0; }
int prune_lab::lottery_arm() const { return run_ ? run_->current_arm() : 0; }
bool prune_lab::lottery_evaluating() const { return run_ && run_->evaluating(); }
const std::vector<float>& prune_lab::lottery_loss() const { return run_ ? run_->current_loss() : no_loss; }

nlohmann::json to_json(const prune::sensitivity_result& r) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : r.rows) {
        nlohmann::json acc = nlohmann::json::array();
        for (double a : row.accuracy) acc.push_back(std::isnan(a) ? nlohmann::json(nullptr) : nlohmann::json(a));
        rows.push_back({{"layer", row.layer}, {"kind", row.kind}, {"count", row.count}, {"accuracy", acc}});
    }
    return {{"levels", r.levels}, {"accuracy_dense", r.dense_accuracy}, {"layers", rows}, {"n", r.n}};
}

nlohmann::json to_json(const prune::lottery_result& r) {
    nlohmann::json rounds = nlohmann::json::array();
    for (const auto& x : r.rounds) {
        nlohmann::json j = {{"round", x.round}, {"sparsity", x.sparsity}, {"accuracy_rewind", x.accuracy_rewind},
                            {"final_loss_rewind", x.final_loss_rewind}};
        if (x.round > 0) {
            j["accuracy_reinit"] = x.accuracy_reinit;
            j["final_loss_reinit"] = x.final_loss_reinit;
        }
        rounds.push_back(j);
    }
    return {{"rounds", rounds}, {"n", r.n}, {"seconds", r.seconds}};
}

nlohmann::json prune_lab::state_json() const {
    nlohmann::json j;
    j["job"] = job_name();
    j["progress"] = progress();
    j["message"] = message_;
    if (sens_) {
        auto s = to_json(*sens_);
        s["model"] = sens_settings_.model;
        s["seconds"] = sens_seconds_;
        s["skip_depthwise"] = sens_settings_.skip_depthwise;
        j["sensitivity"] = s;
    } else {
        j["sensitivity"] = nullptr;
    }
    if (lot_) {
        auto l = to_json(*lot_);
        const auto& c = lot_settings_;
        l["model"] = c.model;
        l["init_seed"] = c.seed;
        l["reinit_seed"] = c.seed + 1000;
        l["rate"] = c.rate;
        l["method"] = c.global ? "global" : "magnitude";
        l["steps"] = c.steps;
        l["batch"] = c.batch;
        l["lr"] = c.lr;
        l["train_images"] = std::min(c.train_limit, train_ ? train_->count : c.train_limit);
        j["lottery"] = l;
    } else {
        j["lottery"] = nullptr;
    }
    return j;
}

}  // namespace es::lab
