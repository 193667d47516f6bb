#include "lab/compare.h"

#include "engine/bench.h"
#include "lab/clock.h"
#include "lab/dsc_probe.h"
#include "lab/model_lab.h"
#include "models/analysis.h"
#include "models/model_file.h"
#include "models/shipped.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace es::lab {

namespace {

bool is_integer_variant(const std::string& v) { return v == "int8" || v == "int8-per-tensor" || v == "qat4"; }

}  // namespace

std::vector<int> pareto_front(const std::vector<double>& latency, const std::vector<double>& accuracy) {
    std::vector<int> order(latency.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    // By latency, then by accuracy (best first), then by index: a point is on the front when it
    // is more accurate than every faster (or equally fast and listed earlier) point.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        if (latency[a] != latency[b]) return latency[a] < latency[b];
        return accuracy[a] > accuracy[b];
    });
    std::vector<int> front;
    double best = -1e300;
    for (int i : order)
        if (accuracy[i] > best) {
            front.push_back(i);
            best = accuracy[i];
        }
    return front;
}

const char* cell_status_name(cell_status s) {
    switch (s) {
    case cell_status::pending: return "pending";
    case cell_status::running: return "running";
    case cell_status::done: return "done";
    case cell_status::failed: return "failed";
    case cell_status::cancelled: return "cancelled";
    }
    return "pending";
}

double predicted_speedup(const std::string& variant, std::uint64_t dense_macs, std::uint64_t variant_macs) {
    if (variant == "fp32") return 1.0;
    if (is_integer_variant(variant)) return 4.0;
    if (variant_macs == 0) return 1.0;
    return static_cast<double>(dense_macs) / static_cast<double>(variant_macs);
}

// The cell being measured: its model, variant, evaluators and sessions.
struct compare_job::work {
    int cell = -1;
    enum class step { load, accuracy, warmup, batch1, sparse, batch32, dsc } at = step::load;
    std::optional<engine::model> model;
    std::optional<api::variant_model> variant;
    train::evaluator fev;
    quant::qevaluator qev;
    api::variant_session s1, s32, sparse;
    double warm_start = 0;
    int warm_runs = 0;
    double warm_run_ms = 0;
    int reps = 1;
    bool s32_ready = false;  // runs per batch-1 sample: browsers round timers to 0.1 ms or coarser
    std::vector<double> t1, t32, ts;
    // The depthwise-separable probe (fp32 cells): pair by pair, both blocks timed interleaved.
    std::vector<dsc_pair> pairs;
    std::size_t pair = 0;
    bool pair_ready = false;
    engine::session sep, std_conv;
    int reps_sep = 1, reps_std = 1;
    std::vector<double> t_sep, t_std;
    double sum_sep = 0, sum_std = 0;
};

compare_job::compare_job() = default;
compare_job::~compare_job() = default;

std::string compare_job::start(const std::vector<std::string>& models, const std::vector<std::string>& variants,
                               const compare_options& o) {
    if (busy()) cancel();
    if (o.runs < 1 || o.runs > 10000) return "runs must be between 1 and 10000, got " + std::to_string(o.runs);
    if (o.runs_b32 < 1 || o.runs_b32 > 1000) return "runs at batch 32 must be between 1 and 1000, got " + std::to_string(o.runs_b32);
    if (!(o.warm_ms >= 0 && o.warm_ms <= 60000)) return "warm-up must be between 0 and 60000 ms";
    if (o.limit < 0) return "limit must be 0 (all) or more";
    if (models.empty() || variants.empty()) return "choose at least one model and one variant";
    const auto shipped = models::shipped_models();
    for (const auto& m : models)
        if (std::find(shipped.begin(), shipped.end(), m) == shipped.end())
            return "no shipped model named \"" + m + "\"";
    for (const auto& v : variants)
        if (std::find(api::variant_names.begin(), api::variant_names.end(), v) == api::variant_names.end())
            return "unknown variant \"" + v + "\"";
    if (!test_)
        if (auto e = load_page_subsets(&test_, &train_); !e.empty()) return e;
    // Options that change the numbers drop the old ones.
    if (o.runs != opt_.runs || o.runs_b32 != opt_.runs_b32 || o.warm_ms != opt_.warm_ms || o.limit != opt_.limit)
        cells_.clear();
    opt_ = o;
    queue_.clear();
    for (const auto& m : models)
        for (const auto& v : variants) {
            auto it = std::find_if(cells_.begin(), cells_.end(),
                                   [&](const compare_cell& c) { return c.model == m && c.variant == v; });
            if (it == cells_.end()) {
                compare_cell c;
                c.model = m;
                c.variant = v;
                cells_.push_back(c);
                it = cells_.end() - 1;
            }
            if (it->status != cell_status::done) {
                it->status = cell_status::pending;
                queue_.push_back(static_cast<int>(it - cells_.begin()));
            }
        }
    queued_total_ = static_cast<int>(queue_.size());
    return "";
}

std::string compare_job::rerun(int i) {
    if (i < 0 || i >= static_cast<int>(cells_.size()))
        return "no cell " + std::to_string(i) + " (there are " + std::to_string(cells_.size()) + ")";
    if (w_ && w_->cell == i) return "";  // being measured now
    if (std::find(queue_.begin(), queue_.end(), i) != queue_.end()) return "";
    compare_cell& c = cells_[static_cast<std::size_t>(i)];
    const std::string model = c.model, variant = c.variant;
    c = compare_cell{};
    c.model = model;
    c.variant = variant;
    if (!busy()) queued_total_ = 0;
    queue_.push_back(i);
    ++queued_total_;
    update_speedups();
    return "";
}

void compare_job::cancel() {
    if (w_) finish_cell(cell_status::cancelled, "cancelled");
    for (int i : queue_) cells_[static_cast<std::size_t>(i)].status = cell_status::pending;
    queue_.clear();
}

bool compare_job::busy() const { return w_ != nullptr || !queue_.empty(); }

double compare_job::progress() const {
    if (queued_total_ == 0) return busy() ? 0.0 : 1.0;
    double part = 0;
    if (w_) {
        const auto& c = cells_[static_cast<std::size_t>(w_->cell)];
        const double n = test_ ? (opt_.limit > 0 ? std::min(opt_.limit, test_->count) : test_->count) : 1;
        switch (w_->at) {
        case work::step::load: part = 0.0; break;
        case work::step::accuracy: part = 0.1 + 0.5 * c.evaluated / std::max(1.0, n); break;
        case work::step::warmup: part = 0.6; break;
        case work::step::batch1: part = 0.7 + 0.1 * static_cast<double>(w_->t1.size()) / opt_.runs; break;
        case work::step::sparse: part = 0.8 + 0.1 * static_cast<double>(w_->ts.size()) / opt_.runs; break;
        case work::step::batch32: part = 0.9 + 0.05 * static_cast<double>(w_->t32.size()) / opt_.runs_b32; break;
        case work::step::dsc:
            part = 0.95 + 0.05 * static_cast<double>(w_->pair) / static_cast<double>(std::max<std::size_t>(1, w_->pairs.size()));
            break;
        }
    }
    const double remaining = static_cast<double>(queue_.size()) + (w_ ? 1.0 - part : 0.0);
    return std::clamp(1.0 - remaining / queued_total_, 0.0, 1.0);
}

void compare_job::finish_cell(cell_status s, const std::string& error) {
    compare_cell& c = cells_[static_cast<std::size_t>(w_->cell)];
    c.status = s;
    c.phase.clear();
    if (s != cell_status::done) c.error = error;
    w_.reset();
    update_speedups();
}

void compare_job::update_speedups() {
    for (auto& c : cells_) {
        c.measured_speedup.reset();
        if (!c.latency_ms_b1) continue;
        for (const auto& f : cells_)
            if (f.model == c.model && f.variant == "fp32" && f.latency_ms_b1 && *c.latency_ms_b1 > 0)
                c.measured_speedup = *f.latency_ms_b1 / *c.latency_ms_b1;
    }
}

// One unit of work: a load, a batch of evaluation, one run, or a batch-32 preparation.
void compare_job::advance() {
    if (!w_) {
        if (queue_.empty()) return;
        w_ = std::make_unique<work>();
        w_->cell = queue_.front();
        queue_.erase(queue_.begin());
        compare_cell& c = cells_[static_cast<std::size_t>(w_->cell)];
        c.status = cell_status::running;
        c.phase = "load";
        c.error.clear();
        return;
    }
    work& w = *w_;
    compare_cell& c = cells_[static_cast<std::size_t>(w.cell)];
    switch (w.at) {
    case work::step::load: {
        std::string err;
        auto path = models::resolve_model(c.model, &err);
        if (path) w.model = models::load_model_file(*path, &err);
        if (!w.model) return finish_cell(cell_status::failed, err);
        w.variant = api::load_variant(nlohmann::json{{"model", c.model}, {"variant", c.variant}}, *w.model, &err);
        if (!w.variant) return finish_cell(cell_status::failed, err);
        const std::uint64_t dense = models::analyze(*w.model).total.macs;
        c.macs = w.variant->model ? api::effective_macs(*w.variant->model) : dense;
        c.sparsity = w.variant->sparsity;
        c.predicted_speedup = predicted_speedup(c.variant, dense, c.macs);
        err = w.variant->q ? w.qev.start(*w.variant->q, *test_, opt_.limit, 100)
                           : w.fev.start(w.variant->model ? *w.variant->model : *w.model, *test_, opt_.limit, 100);
        if (!err.empty()) return finish_cell(cell_status::failed, err);
        w.at = work::step::accuracy;
        c.phase = "accuracy";
        return;
    }
    case work::step::accuracy: {
        const bool more = w.variant->q ? w.qev.step() : w.fev.step();
        c.evaluated = w.variant->q ? w.qev.evaluated() : w.fev.evaluated();
        if (more && !(w.variant->q ? w.qev.done() : w.fev.done())) return;
        c.accuracy = (w.variant->q ? w.qev.result() : w.fev.result()).accuracy;
        if (auto e = w.s1.prepare(*w.model, *w.variant, 1); !e.empty()) return finish_cell(cell_status::failed, e);
        engine::fill_bench_input(w.s1.input(), w.s1.input_count());
        c.weight_bytes = w.s1.weight_bytes();
        w.warm_start = now_ms();
        w.at = work::step::warmup;
        c.phase = "warmup";
        return;
    }
    case work::step::warmup: {
        const double r0 = now_ms();
        w.s1.run();
        w.warm_run_ms = now_ms() - r0;  // the last warm run alone (frames pass between slices)
        if (++w.warm_runs >= 5 && now_ms() - w.warm_start >= opt_.warm_ms) {
            // Each batch-1 sample times enough runs to span about 8 ms, far above the timer's
            // resolution, and reports their mean.
            const double per_run = w.warm_run_ms;
            w.reps = engine::runs_per_sample(per_run, 8.0);
            w.at = work::step::batch1;
            c.phase = "batch1";
        }
        return;
    }
    case work::step::batch1: {
        const double t0 = now_ms();
        for (int i = 0; i < w.reps; ++i) w.s1.run();
        w.t1.push_back((now_ms() - t0) / w.reps);
        if (static_cast<int>(w.t1.size()) < opt_.runs) return;
        c.latency_ms_b1 = engine::median_of(w.t1);
        if (c.sparsity >= 0.3) {
            // Sparse weights: the same batch-1 timing on the sparse kernels (2:4 or CSR).
            if (auto e = w.sparse.prepare(*w.model, *w.variant, 1, true); !e.empty())
                return finish_cell(cell_status::failed, e);
            engine::fill_bench_input(w.sparse.input(), w.sparse.input_count());
            for (int i = 0; i < 5; ++i) w.sparse.run();
            w.at = work::step::sparse;
            c.phase = "sparse";
            return;
        }
        w.at = work::step::batch32;
        c.phase = "batch32";
        return;
    }
    case work::step::sparse: {
        const double t0 = now_ms();
        for (int i = 0; i < w.reps; ++i) w.sparse.run();
        w.ts.push_back((now_ms() - t0) / w.reps);
        if (static_cast<int>(w.ts.size()) < opt_.runs) return;
        c.latency_ms_b1_sparse = engine::median_of(w.ts);
        c.sparse_weight_bytes = w.sparse.weight_bytes();
        w.at = work::step::batch32;
        c.phase = "batch32";
        return;
    }
    case work::step::batch32: {
        if (w.t32.empty() && !w.s32_ready) {
            if (auto e = w.s32.prepare(*w.model, *w.variant, 32); !e.empty()) return finish_cell(cell_status::failed, e);
            engine::fill_bench_input(w.s32.input(), w.s32.input_count());
            w.s32.run();  // one untimed run: first touch of the bigger arena
            w.s32_ready = true;
            return;
        }
        const double t0 = now_ms();
        w.s32.run();
        w.t32.push_back(now_ms() - t0);
        if (static_cast<int>(w.t32.size()) < opt_.runs_b32) return;
        c.latency_ms_b32 = engine::median_of(w.t32);
        if (c.variant == "fp32") w.pairs = find_dsc_pairs(*w.model);
        if (w.pairs.empty()) return finish_cell(cell_status::done);
        w.at = work::step::dsc;
        c.phase = "dsc";
        return;
    }
    case work::step::dsc: {
        const dsc_pair& p = w.pairs[w.pair];
        if (!w.pair_ready) {
            if (auto e = w.sep.prepare(separable_block(p), 1); !e.empty()) return finish_cell(cell_status::failed, e);
            if (auto e = w.std_conv.prepare(standard_block(p), 1); !e.empty()) return finish_cell(cell_status::failed, e);
            engine::fill_bench_input(w.sep.input(), w.sep.input_count());
            engine::fill_bench_input(w.std_conv.input(), w.std_conv.input_count());
            // A few untimed runs, then as many runs per sample as span about 4 ms.
            auto reps_for = [](engine::session& s) {
                for (int i = 0; i < 3; ++i) s.run();
                const double t0 = now_ms();
                s.run();
                return engine::runs_per_sample(now_ms() - t0, 4.0);
            };
            w.reps_sep = reps_for(w.sep);
            w.reps_std = reps_for(w.std_conv);
            w.t_sep.clear();
            w.t_std.clear();
            w.pair_ready = true;
            return;
        }
        const double t0 = now_ms();
        for (int i = 0; i < w.reps_sep; ++i) w.sep.run();
        const double t1 = now_ms();
        for (int i = 0; i < w.reps_std; ++i) w.std_conv.run();
        const double t2 = now_ms();
        w.t_sep.push_back((t1 - t0) / w.reps_sep);
        w.t_std.push_back((t2 - t1) / w.reps_std);
        if (static_cast<int>(w.t_sep.size()) < std::clamp(opt_.runs, 1, 15)) return;
        w.sum_sep += engine::median_of(w.t_sep);
        w.sum_std += engine::median_of(w.t_std);
        c.dsc_macs_separable += p.macs_separable;
        c.dsc_macs_standard += p.macs_standard;
        w.pair_ready = false;
        if (++w.pair < w.pairs.size()) return;
        c.dsc_pairs = static_cast<int>(w.pairs.size());
        c.dsc_ms_separable = w.sum_sep;
        c.dsc_ms_standard = w.sum_std;
        return finish_cell(cell_status::done);
    }
    }
}

bool compare_job::tick(double budget_ms) {
    const double t0 = now_ms();
    bool first = true;
    while (busy() && (first || now_ms() - t0 < budget_ms)) {
        first = false;
        advance();
    }
    return busy();
}

nlohmann::json compare_job::rows_json() const {
    auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : cells_)
        rows.push_back({{"model", c.model},
                        {"variant", c.variant},
                        {"status", cell_status_name(c.status)},
                        {"error", c.error},
                        {"accuracy", opt(c.accuracy)},
                        {"n", c.evaluated},
                        {"latency_ms_b1", opt(c.latency_ms_b1)},
                        {"latency_ms_b32", opt(c.latency_ms_b32)},
                        {"weight_bytes", c.weight_bytes},
                        {"macs", c.macs},
                        {"predicted_speedup", c.predicted_speedup},
                        {"measured_speedup", opt(c.measured_speedup)},
                        {"sparsity", c.sparsity},
                        {"latency_ms_b1_sparse_kernels", opt(c.latency_ms_b1_sparse)},
                        {"sparse_weight_bytes", c.sparse_weight_bytes},
                        {"dsc_pairs", c.dsc_pairs},
                        {"dsc_macs_separable", c.dsc_macs_separable},
                        {"dsc_macs_standard", c.dsc_macs_standard},
                        {"dsc_latency_ms_separable", opt(c.dsc_ms_separable)},
                        {"dsc_latency_ms_standard", opt(c.dsc_ms_standard)},
                        {"dsc_predicted_speedup", c.dsc_macs_separable
                                                      ? nlohmann::json(static_cast<double>(c.dsc_macs_standard) /
                                                                       static_cast<double>(c.dsc_macs_separable))
                                                      : nlohmann::json(nullptr)},
                        {"dsc_measured_speedup", c.dsc_ms_separable && *c.dsc_ms_separable > 0
                                                     ? nlohmann::json(*c.dsc_ms_standard / *c.dsc_ms_separable)
                                                     : nlohmann::json(nullptr)}});
    return {{"rows", rows}};
}

namespace {

std::string num(const std::optional<double>& v, const char* fmt) {
    if (!v) return "";
    char b[64];
    std::snprintf(b, sizeof b, fmt, *v);
    return b;
}

}  // namespace

std::string compare_job::csv() const {
    std::ostringstream o;
    o << "model,variant,status,accuracy,latency_ms_b1,latency_ms_b32,weight_bytes,macs,predicted_speedup,measured_speedup\n";
    for (const auto& c : cells_)
        o << c.model << ',' << c.variant << ',' << cell_status_name(c.status) << ',' << num(c.accuracy, "%.4f") << ','
          << num(c.latency_ms_b1, "%.4f") << ',' << num(c.latency_ms_b32, "%.4f") << ',' << c.weight_bytes << ','
          << c.macs << ',' << num(c.predicted_speedup, "%.3f") << ',' << num(c.measured_speedup, "%.3f") << '\n';
    return o.str();
}

std::string compare_job::markdown() const {
    std::ostringstream o;
    o << "| model | variant | accuracy | latency b1 (ms) | latency b32 (ms) | weight bytes | MACs | predicted speedup | measured speedup |\n"
      << "|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& c : cells_) {
        const std::string acc = c.accuracy ? num(*c.accuracy * 100.0, "%.2f%%") : "";
        o << "| " << c.model << " | " << c.variant << " | " << acc << " | " << num(c.latency_ms_b1, "%.3f") << " | "
          << num(c.latency_ms_b32, "%.3f") << " | " << c.weight_bytes << " | " << c.macs << " | "
          << num(c.predicted_speedup, "%.2fx") << " | " << num(c.measured_speedup, "%.2fx") << " |\n";
    }
    bool dsc = false;
    for (const auto& c : cells_) dsc = dsc || (c.dsc_pairs > 0 && c.dsc_ms_separable);
    if (dsc) {
        o << "\n| model | depthwise-separable pairs | MACs separable | MACs standard | predicted speedup | "
             "time separable (ms) | time standard (ms) | measured speedup |\n"
          << "|---|---|---|---|---|---|---|---|\n";
        for (const auto& c : cells_) {
            if (c.dsc_pairs == 0 || !c.dsc_ms_separable) continue;
            o << "| " << c.model << " | " << c.dsc_pairs << " | " << c.dsc_macs_separable << " | " << c.dsc_macs_standard
              << " | " << num(static_cast<double>(c.dsc_macs_standard) / static_cast<double>(c.dsc_macs_separable), "%.2fx")
              << " | " << num(c.dsc_ms_separable, "%.3f") << " | " << num(c.dsc_ms_standard, "%.3f") << " | "
              << num(*c.dsc_ms_standard / *c.dsc_ms_separable, "%.2fx") << " |\n";
        }
    }
    return o.str();
}

}  // namespace es::lab
