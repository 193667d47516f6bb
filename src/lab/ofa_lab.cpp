#include "lab/ofa_lab.h"

#include "engine/bench.h"
#include "engine/rng.h"
#include "engine/session.h"
#include "lab/clock.h"
#include "lab/model_lab.h"
#include "models/analysis.h"
#include "nas/ofa_train.h"
#include "train/trainer.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

namespace es::lab {

namespace {


// Batch norm is recalibrated in batches of 25 (the training graph plans about 86 MB for the
// largest sub-network at this batch, 171 MB at 50); the statistics are the mean over batches.
constexpr int recal_batch = 25;

template <class T>
T redraw(engine::rng& r, const std::vector<T>& choices) {
    return choices[static_cast<std::size_t>(r.next() % choices.size())];
}

}  // namespace

std::string check_settings(const ofa_settings& s) {
    if (s.supernet.empty()) return "supernet: give the shipped supernet's name or a supernet file";
    if (s.samples < 0 || s.samples > 200) return "samples must be from 0 to 200";
    if (!(s.budget_ms >= 0.0 && s.budget_ms <= 10000.0)) return "budget-ms must be from 0 (automatic) to 10000, got " + fmt_g(s.budget_ms);
    if (s.evals < 1 || s.evals > 200) return "evals must be from 1 to 200";
    if (s.population < 2 || s.population > s.evals) return "population must be from 2 to evals";
    if (!(s.mutate >= 0.0 && s.mutate <= 1.0)) return "mutate must be in [0, 1], got " + fmt_g(s.mutate);
    if (s.recal_images < recal_batch || s.recal_images > 6000)
        return "recal-images must be from " + std::to_string(recal_batch) + " to 6000";
    if (s.eval_limit < 1 || s.eval_limit > 2000) return "eval-limit must be from 1 to 2000";
    if (s.latency_runs < 1 || s.latency_runs > 1000) return "latency-runs must be from 1 to 1000";
    if (s.seed < 0) return "seed must be 0 or more";
    return "";
}

std::vector<int> pareto_front(const std::vector<ofa_point>& pts) {
    std::vector<int> idx;
    for (std::size_t i = 0; i < pts.size(); ++i)
        if (pts[i].accuracy >= 0) idx.push_back(static_cast<int>(i));
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) {
        const auto &pa = pts[static_cast<std::size_t>(a)], &pb = pts[static_cast<std::size_t>(b)];
        if (pa.latency_ms != pb.latency_ms) return pa.latency_ms < pb.latency_ms;
        return pa.accuracy > pb.accuracy;
    });
    std::vector<int> front;
    double best = -1;
    for (int i : idx)
        if (pts[static_cast<std::size_t>(i)].accuracy > best) {
            best = pts[static_cast<std::size_t>(i)].accuracy;
            front.push_back(i);
        }
    return front;
}

nas::ofa_config crossover_mutate(const nas::ofa_space& s, const nas::ofa_config& a, const nas::ofa_config& b,
                                 double mutate, std::uint64_t seed) {
    engine::rng r{seed * 0x9E3779B97F4A7C15ull + 101};
    auto coin = [&] { return (r.next() >> 11) & 1; };
    auto chance = [&] { return r.uniform() < mutate; };
    nas::ofa_config c = a;
    for (std::size_t i = 0; i < c.depth.size(); ++i) {
        if (coin()) c.depth[i] = b.depth[i];
        if (chance()) c.depth[i] = redraw(r, s.depths[i]);
    }
    for (std::size_t i = 0; i < c.kernel.size(); ++i) {
        if (coin()) c.kernel[i] = b.kernel[i];
        if (coin()) c.expand[i] = b.expand[i];
        if (chance()) c.kernel[i] = redraw(r, s.kernels);
        if (chance()) c.expand[i] = redraw(r, s.expands);
    }
    return c;
}

struct ofa_job::impl {
    std::optional<data::dataset> test, train;
    std::optional<nas::supernet> sup;
    std::string sup_path;
    nas::ofa_space default_space;
    enum class phase { idle, sample, random, evolution, manual } ph = phase::idle;

    // The sub-network being measured.
    struct candidate {
        bool active = false;
        nas::ofa_config c;
        std::string text, source;
        int search = -1;  // index into searches, or -1
        int stage = 0;    // 0: build; 1: warm-up; 2: timed samples; 3: recalibration; 4: test
        std::optional<engine::model> sub;
        engine::session timing;
        int reps = 1, warm_runs = 0;
        double warm_ms = 0;
        std::vector<double> samples;
        nas::bn_recalibrator recal;
        engine::model recalibrated;
        train::evaluator ev;
        ofa_point pt;
    } cand;

    std::vector<nas::ofa_config> planned;  // the sample phase's list
    std::size_t next_planned = 0;
    std::deque<std::string> manual;
    std::map<std::string, int> tested;           // config → point index
    std::map<std::string, ofa_point> measured;   // config → latency, MACs, params (tested or not)
    std::uint64_t draws = 0;
    std::map<std::string, bool> arm_seen;        // configs the current search arm drew
    int arm_draws = 0;
    bool warmed = false;  // the first sub-network's warm-up is done
    double t0 = 0;
    std::size_t work_total = 1;
};

ofa_job::ofa_job() : p_(std::make_unique<impl>()) {}
ofa_job::~ofa_job() = default;

std::string ofa_job::load_data() {
    if (p_->test && p_->train) return "";
    return load_page_subsets(&p_->test, &p_->train);
}

const nas::ofa_space& ofa_job::space() const { return p_->sup ? p_->sup->space : p_->default_space; }

std::string ofa_job::start(const ofa_settings& s) {
    if (auto e = check_settings(s); !e.empty()) return e;
    if (auto e = load_data(); !e.empty()) return e;
    impl& p = *p_;
    std::string err;
    auto path = nas::resolve_supernet(s.supernet, &err);
    if (!path) return err;
    // Loaded and checked aside: a refused start leaves the job as it was.
    std::optional<nas::supernet> fresh;
    if (!p.sup || p.sup_path != *path) {
        fresh = nas::load_supernet(*path, &err);
        if (!fresh) return *path + ": " + err;
    }
    const nas::ofa_space& check = fresh ? fresh->space : p.sup->space;
    if (p.test->rows != check.res || p.test->cols != check.res || check.in_ch != 1)
        return "the supernet takes " + std::to_string(check.res) + "x" + std::to_string(check.res) + "x" +
               std::to_string(check.in_ch) + " images, the data is " + std::to_string(p.test->rows) + "x" +
               std::to_string(p.test->cols) + "x1";
    if (fresh) {
        p.sup = std::move(*fresh);
        p.sup_path = *path;
    }
    const nas::ofa_space& sp = p.sup->space;
    settings_ = s;
    r_ = ofa_result{};
    r_.n = std::min(s.eval_limit, p.test->count);
    r_.recal_n = std::min(s.recal_images, p.train->count) / recal_batch * recal_batch;
    r_.budget_ms = s.budget_ms;
    r_.supernet_params = engine::param_count(p.sup->model);
    r_.training = p.sup->description.contains("training") ? p.sup->description["training"] : nlohmann::json(nullptr);
    if (s.search) r_.searches = {{"random", {}, {}, -1, 0}, {"evolution", {}, {}, -1, 0}};
    p.planned = {nas::largest(sp), nas::smallest(sp)};
    for (int i = 0; i < s.samples; ++i)
        p.planned.push_back(
            nas::canonical(sp, nas::sample_config(sp, static_cast<std::uint64_t>(s.seed) * 7777ull + static_cast<std::uint64_t>(i))));
    p.next_planned = 0;
    p.manual.clear();
    p.tested.clear();
    p.measured.clear();  // latencies are this run's: its settings, this moment's machine
    p.cand = {};
    p.arm_seen.clear();
    p.arm_draws = 0;
    p.draws = 0;
    p.warmed = false;
    p.work_total = p.planned.size() + (s.search ? 2 * static_cast<std::size_t>(s.evals) : 0);
    p.ph = impl::phase::sample;
    p.t0 = now_ms();
    message_ = "running";
    return "";
}

std::string ofa_job::measure(const std::string& config) {
    impl& p = *p_;
    if (!p.sup) return "run the lab once first: the supernet is loaded then";
    std::string err;
    auto c = nas::parse_config(p.sup->space, config, &err);
    if (!c) return err;
    p.manual.push_back(nas::config_text(nas::canonical(p.sup->space, *c)));
    if (p.ph == impl::phase::idle) {
        p.ph = impl::phase::manual;
        message_ = "running";
    }
    return "";
}

void ofa_job::cancel() {
    if (!busy()) return;
    p_->ph = impl::phase::idle;
    p_->cand.active = false;
    p_->manual.clear();
    message_ = "cancelled";
}

bool ofa_job::busy() const { return p_->ph != impl::phase::idle; }

double ofa_job::progress() const {
    if (!busy()) return r_.finished ? 1.0 : 0.0;
    std::size_t done = p_->next_planned;
    for (const auto& s : r_.searches) done += s.tested.size();
    if (p_->ph == impl::phase::manual) return 0.5;
    return std::clamp(static_cast<double>(done) / static_cast<double>(p_->work_total), 0.0, 0.999);
}

bool ofa_job::tick(double budget_ms) {
    if (!busy()) return false;
    impl& p = *p_;
    const nas::ofa_space& sp = p.sup->space;
    const double t_start = now_ms();
    // A sub-network that cannot be built, timed or tested ends the job with the reason.
    auto stop = [&](const std::string& why) {
        p.cand.active = false;
        p.ph = impl::phase::idle;
        message_ = why;
    };
    auto record_search = [&](int search, int point) {
        ofa_search& s = r_.searches[static_cast<std::size_t>(search)];
        s.tested.push_back(point);
        const ofa_point& pt = r_.points[static_cast<std::size_t>(point)];
        if (s.best_point < 0 || pt.accuracy > r_.points[static_cast<std::size_t>(s.best_point)].accuracy) s.best_point = point;
        s.best.push_back(r_.points[static_cast<std::size_t>(s.best_point)].accuracy);
    };
    // The next sub-network to measure, or false when the current phase has none left.
    auto next_candidate = [&]() -> bool {
        impl::candidate& c = p.cand;
        c = {};
        if (!p.manual.empty()) {
            c.text = p.manual.front();
            p.manual.pop_front();
            std::string err;
            c.c = *nas::parse_config(sp, c.text, &err);  // checked by measure()
            c.source = "manual";
            c.active = true;
            return true;
        }
        if (p.ph == impl::phase::manual) return false;
        if (p.ph == impl::phase::sample) {
            while (p.next_planned < p.planned.size()) {
                c.c = p.planned[p.next_planned++];
                c.text = nas::config_text(c.c);
                if (p.tested.count(c.text)) continue;
                c.source = p.next_planned == 1 ? "largest" : p.next_planned == 2 ? "smallest" : "sample";
                c.active = true;
                return true;
            }
            return false;
        }
        const int arm = p.ph == impl::phase::random ? 0 : 1;
        ofa_search& s = r_.searches[static_cast<std::size_t>(arm)];
        if (static_cast<int>(s.tested.size()) >= settings_.evals) return false;
        const int max_draws = 30 * settings_.evals;
        while (p.arm_draws < max_draws) {
            ++p.arm_draws;
            const std::uint64_t seed = static_cast<std::uint64_t>(settings_.seed) * 1000003ull + (arm ? 500000ull : 0) + ++p.draws;
            nas::ofa_config cfg;
            if (arm == 0 || static_cast<int>(s.tested.size()) < settings_.population) {
                cfg = nas::sample_config(sp, seed);
            } else {
                // Parents: the better half of this arm's tested sub-networks (all within the budget).
                std::vector<int> ranked = s.tested;
                std::stable_sort(ranked.begin(), ranked.end(), [&](int a, int b) {
                    return r_.points[static_cast<std::size_t>(a)].accuracy > r_.points[static_cast<std::size_t>(b)].accuracy;
                });
                ranked.resize(std::max<std::size_t>(2, ranked.size() / 2));
                engine::rng r{seed};
                const auto& pa = r_.points[static_cast<std::size_t>(redraw(r, ranked))];
                const auto& pb = r_.points[static_cast<std::size_t>(redraw(r, ranked))];
                std::string err;
                cfg = crossover_mutate(sp, *nas::parse_config(sp, pa.config, &err), *nas::parse_config(sp, pb.config, &err),
                                       settings_.mutate, seed);
            }
            cfg = nas::canonical(sp, cfg);  // one text per network: repeats are recognised
            const std::string text = nas::config_text(cfg);
            if (arm == 1 && p.arm_seen.count(text) && p.arm_draws < max_draws) continue;  // evolution: no repeats
            p.arm_seen[text] = true;
            if (auto m = p.measured.find(text); m != p.measured.end() && m->second.latency_ms > r_.budget_ms) {
                ++s.over_budget;  // known to be over the budget: no need to measure again
                continue;
            }
            if (auto t = p.tested.find(text); t != p.tested.end()) {  // tested before: the same numbers
                record_search(arm, t->second);
                if (static_cast<int>(s.tested.size()) >= settings_.evals) return false;
                continue;
            }
            c.c = cfg;
            c.text = text;
            c.source = arm == 0 ? "random" : "evolution";
            c.search = arm;
            c.active = true;
            return true;
        }
        return false;
    };
    do {
        impl::candidate& c = p.cand;
        if (!c.active) {
            if (next_candidate()) continue;
            // The phase is over: move on.
            if (p.ph == impl::phase::sample) {
                if (r_.budget_ms <= 0) {
                    std::vector<double> lat;
                    for (const auto& pt : r_.points)
                        if (pt.source != "manual") lat.push_back(pt.latency_ms);
                    r_.budget_ms = lat.empty() ? 0.0 : engine::median_of(lat);
                }
                p.ph = settings_.search ? impl::phase::random : impl::phase::idle;
                p.arm_seen.clear();
                p.arm_draws = 0;
            } else if (p.ph == impl::phase::random) {
                p.ph = impl::phase::evolution;
                p.arm_seen.clear();
                p.arm_draws = 0;
            } else if (p.ph == impl::phase::manual) {  // the user's sub-networks: the run's state stays
                p.ph = impl::phase::idle;
                message_ = "done";
                continue;
            } else {
                p.ph = impl::phase::idle;
            }
            if (p.ph == impl::phase::idle) {
                r_.finished = true;
                message_ = "done";
            }
            continue;
        }
        if (c.stage == 0) {  // build and count
            std::string err;
            c.sub = nas::extract(p.sup->model, sp, c.c, &err);
            if (!c.sub) {
                stop(err);
                break;
            }
            c.pt.config = c.text;
            c.pt.source = c.source;
            if (auto m = p.measured.find(c.text); m != p.measured.end()) {
                c.pt.latency_ms = m->second.latency_ms;
                c.pt.macs = m->second.macs;
                c.pt.params = m->second.params;
                c.stage = 2;
            } else {
                c.pt.macs = models::analyze(*c.sub).total.macs;
                c.pt.params = engine::param_count(*c.sub);
                if (auto e = c.timing.prepare(engine::optimize(*c.sub), 1); !e.empty()) {
                    stop(e);
                    break;
                }
                engine::fill_bench_input(c.timing.input(), c.timing.input_count());
                c.stage = 1;
            }
        } else if (c.stage == 1) {
            // Warm-up, one untimed run per unit: at least 3 runs, and 300 ms of them for the
            // job's first sub-network (V8 runs cold wasm in a slow tier first); then the runs
            // per timed sample follow from the last run's time.
            const double r0 = now_ms();
            c.timing.run();
            const double run_ms = now_ms() - r0;
            c.warm_ms += run_ms;
            if (++c.warm_runs >= 3 && c.warm_ms >= (p.warmed ? 0.0 : 300.0)) {
                p.warmed = true;
                c.reps = engine::runs_per_sample(run_ms, 4.0);
                c.stage = 2;
            }
        } else if (c.stage == 2) {  // one timed sample of `reps` runs per unit (about 4 ms)
            if (c.pt.latency_ms <= 0) {
                const double t0 = now_ms();
                for (int i = 0; i < c.reps; ++i) c.timing.run();
                c.samples.push_back((now_ms() - t0) / c.reps);
                if (static_cast<int>(c.samples.size()) < settings_.latency_runs) continue;
                c.pt.latency_ms = engine::median_of(c.samples);
                p.measured[c.text] = c.pt;
            }
            if (c.search >= 0 && c.pt.latency_ms > r_.budget_ms) {
                ++r_.searches[static_cast<std::size_t>(c.search)].over_budget;
                c.active = false;
                continue;
            }
            if (auto e = c.recal.start(*c.sub, *p.train, settings_.recal_images, recal_batch); !e.empty()) {
                stop(e);
                break;
            }
            c.stage = 3;
        } else if (c.stage == 3) {
            if (!c.recal.step()) {
                c.recalibrated = c.recal.result();
                if (auto e = c.ev.start(c.recalibrated, *p.test, settings_.eval_limit); !e.empty()) {
                    stop(e);
                    break;
                }
                c.stage = 4;
            }
        } else {
            c.ev.step();
            if (!c.ev.done()) continue;
            c.pt.accuracy = c.ev.result().accuracy;
            int idx;
            if (auto t = p.tested.find(c.text); t != p.tested.end()) {
                idx = t->second;  // a manual repeat: the same sub-network, measured again
                r_.points[static_cast<std::size_t>(idx)].accuracy = c.pt.accuracy;
            } else {
                idx = static_cast<int>(r_.points.size());
                r_.points.push_back(c.pt);
                p.tested[c.text] = idx;
            }
            if (c.search >= 0) record_search(c.search, idx);
            if (c.source == "manual") r_.manual.push_back(idx);
            r_.pareto = pareto_front(r_.points);
            c.active = false;
        }
    } while (busy() && now_ms() - t_start < budget_ms);
    r_.seconds = (now_ms() - p.t0) / 1000.0;
    return busy();
}

nlohmann::json to_json(const ofa_result& r) {
    nlohmann::json pts = nlohmann::json::array();
    for (const auto& p : r.points)
        pts.push_back({{"config", p.config}, {"source", p.source}, {"accuracy", p.accuracy}, {"latency_ms", p.latency_ms},
                       {"macs", p.macs}, {"params", p.params}});
    nlohmann::json searches = nlohmann::json::array();
    for (const auto& s : r.searches) {
        nlohmann::json j = {{"name", s.name}, {"tested", s.tested}, {"best_so_far", s.best}, {"over_budget", s.over_budget}};
        if (s.best_point >= 0) {
            const auto& b = r.points[static_cast<std::size_t>(s.best_point)];
            j["best"] = {{"point", s.best_point}, {"config", b.config}, {"accuracy", b.accuracy}, {"latency_ms", b.latency_ms},
                         {"macs", b.macs}};
        } else {
            j["best"] = nullptr;
        }
        searches.push_back(j);
    }
    return {{"points", pts},         {"pareto", r.pareto},     {"budget_ms", r.budget_ms},
            {"searches", searches},  {"manual", r.manual},  {"n", r.n},               {"recal_n", r.recal_n},
            {"supernet_params", r.supernet_params},            {"training", r.training},
            {"seconds", r.seconds},  {"finished", r.finished}};
}

nlohmann::json ofa_job::state_json() const {
    nlohmann::json j = to_json(r_);
    j["busy"] = busy();
    j["progress"] = progress();
    j["message"] = message_;
    j["settings"] = {{"supernet", settings_.supernet}, {"samples", settings_.samples}, {"budget_ms", settings_.budget_ms},
                     {"evals", settings_.evals},       {"population", settings_.population}, {"mutate", settings_.mutate},
                     {"recal_images", settings_.recal_images}, {"eval_limit", settings_.eval_limit},
                     {"latency_runs", settings_.latency_runs}, {"seed", settings_.seed}, {"search", settings_.search}};
    return j;
}

}  // namespace es::lab
