#include "nas/ofa_train.h"

#include "engine/rng.h"
#include "models/shipped.h"
#include "train/augment.h"
#include "train/graph.h"
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>

namespace es::nas {

namespace {

using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

int pick(engine::rng& r, const std::vector<int>& choices) {
    return choices[static_cast<std::size_t>(r.next() % choices.size())];
}

const engine::node* find_node(const engine::model& m, const std::string& name) {
    for (const auto& n : m.nodes)
        if (n.name == name) return &n;
    return nullptr;
}

// Permutes the output channels of a conv (rows of w_count / cout floats, and its bias).
void permute_rows(engine::model& m, const engine::node& n, const std::vector<int>& perm) {
    const std::size_t per = n.w_count / static_cast<std::size_t>(n.cout);
    const std::vector<float> w(m.weights.begin() + static_cast<std::ptrdiff_t>(n.w_off),
                               m.weights.begin() + static_cast<std::ptrdiff_t>(n.w_off + n.w_count));
    for (std::size_t o = 0; o < perm.size(); ++o)
        std::copy_n(w.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(perm[o]) * per), per,
                    m.weights.begin() + static_cast<std::ptrdiff_t>(n.w_off + o * per));
    if (n.b_count == perm.size()) {
        const std::vector<float> b(m.weights.begin() + static_cast<std::ptrdiff_t>(n.b_off),
                                   m.weights.begin() + static_cast<std::ptrdiff_t>(n.b_off + n.b_count));
        for (std::size_t o = 0; o < perm.size(); ++o) m.weights[n.b_off + o] = b[static_cast<std::size_t>(perm[o])];
    }
}

// Batch norm: gamma, beta, mean, var, each `c` floats.
void permute_bn(engine::model& m, const engine::node& n, const std::vector<int>& perm) {
    const std::size_t c = perm.size();
    const std::vector<float> w(m.weights.begin() + static_cast<std::ptrdiff_t>(n.w_off),
                               m.weights.begin() + static_cast<std::ptrdiff_t>(n.w_off + 4 * c));
    for (std::size_t part = 0; part < 4; ++part)
        for (std::size_t o = 0; o < c; ++o) m.weights[n.w_off + part * c + o] = w[part * c + static_cast<std::size_t>(perm[o])];
}

}  // namespace

nlohmann::json space_json(const ofa_space& s) {
    return {{"stem", s.stem},       {"stage_out", s.stage_out}, {"stage_stride", s.stage_stride},
            {"depths", s.depths},   {"kernels", s.kernels},     {"expands", s.expands},
            {"last", s.last},       {"classes", s.classes},     {"res", s.res},
            {"in_ch", s.in_ch}};
}

std::optional<ofa_space> parse_space(const nlohmann::json& j, std::string* error) {
    auto fail = [&](const std::string& e) -> std::optional<ofa_space> {
        if (error) *error = "supernet space: " + e;
        return std::nullopt;
    };
    if (!j.is_object()) return fail("not an object");
    auto whole = [&](const char* key, int lo, int hi, int* out) -> std::string {
        if (!j.contains(key)) return std::string("\"") + key + "\" is missing";
        const auto& v = j.at(key);
        if (!v.is_number_integer()) return std::string("\"") + key + "\" must be a whole number";
        const auto x = v.get<long long>();
        if (x < lo || x > hi)
            return std::string("\"") + key + "\" must be from " + std::to_string(lo) + " to " + std::to_string(hi);
        *out = static_cast<int>(x);
        return "";
    };
    auto list = [&](const nlohmann::json& v, const std::string& what, int lo, int hi, std::size_t max_n,
                    std::vector<int>* out) -> std::string {
        if (!v.is_array() || v.empty() || v.size() > max_n)
            return what + " must be a list of 1 to " + std::to_string(max_n) + " whole numbers";
        out->clear();
        for (const auto& x : v) {
            if (!x.is_number_integer()) return what + " must hold whole numbers";
            const auto y = x.get<long long>();
            if (y < lo || y > hi) return what + " values must be from " + std::to_string(lo) + " to " + std::to_string(hi);
            out->push_back(static_cast<int>(y));
        }
        return "";
    };
    ofa_space s;
    std::string e;
    if (!(e = whole("stem", 1, 256, &s.stem)).empty() || !(e = whole("last", 1, 2048, &s.last)).empty() ||
        !(e = whole("classes", 2, 10, &s.classes)).empty() || !(e = whole("res", 8, 64, &s.res)).empty() ||
        !(e = whole("in_ch", 1, 3, &s.in_ch)).empty())
        return fail(e);
    for (const char* key : {"stage_out", "stage_stride", "depths", "kernels", "expands"})
        if (!j.contains(key)) return fail(std::string("\"") + key + "\" is missing");
    if (!(e = list(j.at("stage_out"), "stage_out", 1, 512, 6, &s.stage_out)).empty() ||
        !(e = list(j.at("stage_stride"), "stage_stride", 1, 2, 6, &s.stage_stride)).empty() ||
        !(e = list(j.at("kernels"), "kernels", 1, 9, 5, &s.kernels)).empty() ||
        !(e = list(j.at("expands"), "expands", 1, 8, 5, &s.expands)).empty())
        return fail(e);
    const auto& d = j.at("depths");
    if (!d.is_array() || d.size() != s.stage_out.size()) return fail("depths must hold one list per stage");
    s.depths.clear();
    for (const auto& x : d) {
        std::vector<int> v;
        if (!(e = list(x, "depths", 1, 6, 6, &v)).empty()) return fail(e);
        s.depths.push_back(v);
    }
    if (auto c = check_space(s); !c.empty()) return fail(c);
    // The largest network's weights, counted before anything is built.
    double params = 9.0 * s.in_ch * s.stem + 2.0 * s.stem * s.stem + 9.0 * s.stem;
    int cin = s.stem;
    for (std::size_t st = 0; st < s.stage_out.size(); ++st)
        for (int i = 0; i < s.depths[st].back(); ++i) {
            const double hidden = static_cast<double>(cin) * s.expands.back();
            params += hidden * (cin + s.kernels.back() * s.kernels.back() + s.stage_out[st]);
            cin = s.stage_out[st];
        }
    params += static_cast<double>(cin) * s.last + static_cast<double>(s.last) * s.classes;
    if (params > 4e6) return fail("its largest network would hold over 4 million weights");
    return s;
}

ofa_config sample_config(const ofa_space& s, std::uint64_t seed, bool vary_kernel, bool vary_depth, bool vary_expand) {
    engine::rng r{seed * 0x2545F4914F6CDD1Dull + 7};
    ofa_config c = largest(s);
    for (std::size_t i = 0; i < c.depth.size(); ++i)
        if (vary_depth) c.depth[i] = pick(r, s.depths[i]);
    for (std::size_t i = 0; i < c.kernel.size(); ++i) {
        if (vary_kernel) c.kernel[i] = pick(r, s.kernels);
        if (vary_expand) c.expand[i] = pick(r, s.expands);
    }
    return c;
}

void reorder_channels(engine::model& super, const ofa_space& s) {
    for (std::size_t st = 0; st < s.stage_out.size(); ++st)
        for (int i = 0; i < s.depths[st].back(); ++i) {
            const std::string base = "stage" + std::to_string(st + 1) + ".block" + std::to_string(i + 1);
            const engine::node* ex = find_node(super, base + ".expand");
            const engine::node* exbn = find_node(super, base + ".expand.bn");
            const engine::node* dw = find_node(super, base + ".dw");
            const engine::node* dwbn = find_node(super, base + ".dw.bn");
            const engine::node* pr = find_node(super, base + ".project");
            if (!ex || !exbn || !dw || !dwbn || !pr) continue;
            const int hidden = ex->cout;
            const std::size_t cin = pr->w_count / static_cast<std::size_t>(pr->cout);
            if (dw->cout != hidden || cin != static_cast<std::size_t>(hidden)) continue;
            std::vector<double> importance(static_cast<std::size_t>(hidden), 0.0);
            for (int o = 0; o < pr->cout; ++o)
                for (std::size_t c = 0; c < cin; ++c)
                    importance[c] += std::fabs(super.weights[pr->w_off + static_cast<std::size_t>(o) * cin + c]);
            std::vector<int> perm(static_cast<std::size_t>(hidden));
            std::iota(perm.begin(), perm.end(), 0);
            std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) {
                return importance[static_cast<std::size_t>(a)] > importance[static_cast<std::size_t>(b)];
            });
            permute_rows(super, *ex, perm);
            permute_bn(super, *exbn, perm);
            permute_rows(super, *dw, perm);
            permute_bn(super, *dwbn, perm);
            // The projection's input columns.
            const std::vector<float> w(super.weights.begin() + static_cast<std::ptrdiff_t>(pr->w_off),
                                       super.weights.begin() + static_cast<std::ptrdiff_t>(pr->w_off + pr->w_count));
            for (int o = 0; o < pr->cout; ++o)
                for (std::size_t c = 0; c < cin; ++c)
                    super.weights[pr->w_off + static_cast<std::size_t>(o) * cin + c] =
                        w[static_cast<std::size_t>(o) * cin + static_cast<std::size_t>(perm[c])];
        }
}

struct bn_recalibrator::impl {
    train::train_graph g;
    const data::dataset* d = nullptr;
    int batch = 0;
    std::vector<float> input;
};

bn_recalibrator::bn_recalibrator() : p_(std::make_unique<impl>()) {}
bn_recalibrator::~bn_recalibrator() = default;
bn_recalibrator::bn_recalibrator(bn_recalibrator&&) noexcept = default;
bn_recalibrator& bn_recalibrator::operator=(bn_recalibrator&&) noexcept = default;

std::string bn_recalibrator::start(const engine::model& m, const data::dataset& d, int images, int batch) {
    p_ = std::make_unique<impl>();
    batches_ = next_ = 0;
    if (batch < 1 || images < 1) return "recalibration needs at least one image and a batch of 1 or more";
    images = std::min(images, d.count);
    batch = std::min(batch, images);
    if (auto e = p_->g.prepare(m, batch); !e.empty()) return e;
    const std::size_t img = static_cast<std::size_t>(d.rows) * static_cast<std::size_t>(d.cols);
    if (p_->g.input_count() != img * static_cast<std::size_t>(batch)) return "the model's input does not match the images";
    p_->d = &d;
    p_->batch = batch;
    p_->input.resize(p_->g.input_count());
    batches_ = images / batch;
    return "";
}

bool bn_recalibrator::step() {
    if (done()) return false;
    impl& p = *p_;
    const std::size_t n = p.input.size();
    train::normalise(p.d->images.data() + static_cast<std::size_t>(next_) * n, p.input.data(), n);
    // Momentum 1/k: after k batches the running statistics are the mean of the k batches'.
    p.g.set_bn_momentum(1.0f / static_cast<float>(next_ + 1));
    p.g.forward(p.input.data(), true);
    ++next_;
    return !done();
}

engine::model bn_recalibrator::result() const { return p_->g.model(); }

std::string recalibrate_bn(engine::model& m, const data::dataset& d, int images, int batch) {
    bn_recalibrator r;
    if (auto e = r.start(m, d, images, batch); !e.empty()) return e;
    while (r.step()) {
    }
    m = r.result();
    return "";
}

std::string check_options(const ofa_train_options& o) {
    if (o.steps_full < 1) return "steps-full must be at least 1";
    if (o.steps_kernel < 0 || o.steps_depth < 0 || o.steps_expand < 0) return "phase steps must be 0 or more";
    if (o.chunk < 1 || o.chunk > 10000) return "chunk must be from 1 to 10000 steps";
    if (o.batch < 1 || o.batch > 1024) return "batch must be from 1 to 1024";
    if (!(o.lr_full > 0.0f && o.lr_full <= 1.0f) || !(o.lr_shrink > 0.0f && o.lr_shrink <= 1.0f))
        return "learning rates must be in (0, 1]";
    if (!(o.kd_temperature > 0.0f && o.kd_temperature <= 100.0f) || !(o.kd_alpha >= 0.0f && o.kd_alpha <= 1.0f))
        return "distillation needs a temperature in (0, 100] and alpha in [0, 1]";
    if (o.limit < 0) return "limit must be 0 or more";
    return "";
}

ofa_train_result train_supernet(engine::model& super, const ofa_space& s, const data::dataset& train,
                                const ofa_train_options& o, const std::function<bool(const ofa_train_progress&)>& cb) {
    ofa_train_result r;
    const auto t0 = clock_type::now();
    if (auto e = check_options(o); !e.empty()) return r.error = e, r;
    if (auto e = check_space(s); !e.empty()) return r.error = e, r;
    {
        std::string err;
        if (!extract(super, s, largest(s), &err)) return r.error = err, r;
    }
    struct phase {
        const char* name;
        long long steps;
        bool kernel, depth, expand;
    };
    const phase phases[] = {{"full", o.steps_full, false, false, false},
                            {"kernel", o.steps_kernel, true, false, false},
                            {"depth", o.steps_depth, true, true, false},
                            {"expand", o.steps_expand, true, true, true}};
    long long total = 0, done_steps = 0;
    for (const auto& ph : phases) total += ph.steps;
    std::shared_ptr<const engine::model> teacher;
    std::uint64_t draw = 0;
    for (const auto& ph : phases) {
        if (ph.steps == 0) continue;
        if (ph.expand) reorder_channels(super, s);
        if (ph.kernel && o.distill && !teacher) teacher = std::make_shared<const engine::model>(super);
        ofa_phase_stats stats;
        stats.name = ph.name;
        const auto tp = clock_type::now();
        double loss_sum = 0;
        for (long long at = 0; at < ph.steps;) {
            const bool whole = !ph.kernel;  // phase 1 trains the largest network in one run
            const long long n = whole ? ph.steps : std::min<long long>(o.chunk, ph.steps - at);
            const ofa_config c = whole ? largest(s) : sample_config(s, o.seed * 1000003ull + ++draw, ph.kernel, ph.depth, ph.expand);
            std::string err;
            auto sub = extract(super, s, c, &err);
            if (!sub) return r.error = err, r;
            train::train_options to;
            to.epochs = 0;
            to.max_steps = n;
            to.batch = o.batch;
            to.lr = ph.kernel ? o.lr_shrink : o.lr_full;
            to.seed = o.seed * 7919ull + draw + static_cast<std::uint64_t>(at);
            to.limit = o.limit;
            to.schedule_steps = ph.steps;
            to.schedule_offset = at;
            if (ph.kernel && teacher) {
                to.teacher = teacher;
                to.kd_temperature = o.kd_temperature;
                to.kd_alpha = o.kd_alpha;
            }
            train::trainer t;
            if (auto e = t.start(*sub, train, to); !e.empty()) return r.error = e, r;
            const std::size_t before = r.step_loss.size();
            bool go = true;
            while (t.step()) {
                if (whole && cb && t.status().step % 50 == 0) {
                    ofa_train_progress p{ph.name, done_steps + t.status().step, total, t.status().loss, config_text(c),
                                         since(t0), 0};
                    p.eta_s = p.seconds / static_cast<double>(p.step) * static_cast<double>(total - p.step);
                    if (!cb(p)) {
                        go = false;
                        break;
                    }
                }
            }
            if (!go) return r.error = "cancelled", r;
            r.step_loss.insert(r.step_loss.end(), t.step_loss().begin(), t.step_loss().end());
            double chunk_loss = 0;
            for (std::size_t i = before; i < r.step_loss.size(); ++i) chunk_loss += r.step_loss[i];
            loss_sum += chunk_loss;
            if (auto e = scatter(super, s, c, t.model()); !e.empty()) return r.error = e, r;
            at += n;
            done_steps += n;
            ++stats.subnets;
            if (cb) {
                ofa_train_progress p{ph.name, done_steps, total,
                                     chunk_loss / static_cast<double>(std::max<std::size_t>(1, r.step_loss.size() - before)),
                                     config_text(c), since(t0), 0};
                p.eta_s = p.seconds / static_cast<double>(done_steps) * static_cast<double>(total - done_steps);
                if (!cb(p)) return r.error = "cancelled", r;
            }
        }
        stats.steps = ph.steps;
        stats.loss = loss_sum / static_cast<double>(ph.steps);
        stats.seconds = since(tp);
        r.phases.push_back(stats);
    }
    r.seconds = since(t0);
    return r;
}

std::string save_supernet(const std::string& path, const engine::model& super, const ofa_space& s,
                          const nlohmann::json& extra) {
    nlohmann::json d = extra.is_object() ? extra : nlohmann::json::object();
    d["arch"] = "ofa_supernet";
    d["space"] = space_json(s);
    return engine::weights_save_file(path, super, d);
}

std::optional<supernet> supernet_from_file(const engine::weights_file& f, std::string* error) {
    auto fail = [&](const std::string& e) -> std::optional<supernet> {
        if (error) *error = e;
        return std::nullopt;
    };
    const auto& d = f.description;
    if (!d.is_object() || !d.contains("arch") || d["arch"] != "ofa_supernet")
        return fail("not a Once-for-All supernet file (its description's arch is not \"ofa_supernet\")");
    if (!d.contains("space")) return fail("the supernet file does not describe its space");
    std::string err;
    auto s = parse_space(d["space"], &err);
    if (!s) return fail(err);
    supernet out;
    out.space = *s;
    out.model = build_supernet(*s, 1);
    if (out.model.nodes.empty()) return fail("the space's largest network cannot be built");
    if (auto e = engine::weights_apply(out.model, f); !e.empty()) return fail(e);
    out.description = d;
    return out;
}

std::optional<supernet> load_supernet(const std::string& path, std::string* error) {
    auto f = engine::weights_load_file(path, error);
    if (!f) return std::nullopt;
    return supernet_from_file(*f, error);
}

std::optional<std::string> resolve_supernet(const std::string& name, std::string* error) {
    if (name != shipped_supernet) return name;
    if (auto p = models::shipped_file(name); !p.empty()) return p;
    if (error)
        *error = "the Once-for-All supernet does not ship with this build (looked for " + models::shipped_models_dir() + "/" +
                 name + ".esw; ./build.sh ofa-weights trains it)";
    return std::nullopt;
}

}  // namespace es::nas
