// qat: fake quantization of weights and activations, the straight-through estimator, the
// stepwise QAT loop and the simulated-quantization evaluator. Conventions in qat.h.
#include "quant/qat.h"

#include "engine/kernels/simd.h"
#include "train/loss.h"
#include "train/optim.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

namespace es::quant {

namespace {

using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

// Min and max of the finite values ({0, 0} when there are none); four lanes at a time.
range batch_range(const float* x, std::size_t n) {
    const v128_t inf = wasm_f32x4_splat(std::numeric_limits<float>::infinity());
    v128_t vlo = wasm_f32x4_splat(std::numeric_limits<float>::max());
    v128_t vhi = wasm_f32x4_splat(std::numeric_limits<float>::lowest());
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v128_t v = wasm_v128_load(x + i);
        const v128_t finite = wasm_f32x4_lt(wasm_f32x4_abs(v), inf);  // false for NaN and infinities
        vlo = wasm_v128_bitselect(wasm_f32x4_pmin(vlo, v), vlo, finite);
        vhi = wasm_v128_bitselect(wasm_f32x4_pmax(vhi, v), vhi, finite);
    }
    float lo = std::min({wasm_f32x4_extract_lane(vlo, 0), wasm_f32x4_extract_lane(vlo, 1),
                         wasm_f32x4_extract_lane(vlo, 2), wasm_f32x4_extract_lane(vlo, 3)});
    float hi = std::max({wasm_f32x4_extract_lane(vhi, 0), wasm_f32x4_extract_lane(vhi, 1),
                         wasm_f32x4_extract_lane(vhi, 2), wasm_f32x4_extract_lane(vhi, 3)});
    for (; i < n; ++i) {
        const float v = x[i];
        if (!std::isfinite(v)) continue;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (lo > hi) return {0.0f, 0.0f};
    return {lo, hi};
}

bool valid(const range& r) { return std::isfinite(r.lo) && std::isfinite(r.hi) && r.lo <= r.hi; }

// Predictions of k images into an eval_result (as train::evaluator counts them).
void tally(const float* logits, int k, int classes, const std::uint8_t* labels, train::eval_result& r,
           std::array<int, 10>& count, int& right) {
    for (int i = 0; i < k; ++i) {
        const float* z = logits + static_cast<std::size_t>(i) * classes;
        const int pred = static_cast<int>(std::max_element(z, z + classes) - z);
        const int y = labels[i];
        r.predictions.push_back(static_cast<std::uint8_t>(pred));
        if (y < 10 && pred < 10) r.confusion[static_cast<std::size_t>(y)][static_cast<std::size_t>(pred)]++;
        if (y < 10) count[static_cast<std::size_t>(y)]++;
        right += pred == y;
    }
}

}  // namespace

std::string_view ste_name(ste_mode s) { return s == ste_mode::identity ? "identity" : "clipped"; }

std::optional<ste_mode> parse_ste(std::string_view s) {
    if (s == "clipped") return ste_mode::clipped;
    if (s == "identity") return ste_mode::identity;
    return std::nullopt;
}

std::string check_options(const qat_options& o) {
    if (auto e = check_options(o.q); !e.empty()) return e;
    if (o.steps < 1) return "steps must be at least 1, got " + std::to_string(o.steps);
    if (o.batch < 1 || o.batch > 4096) return "batch must be between 1 and 4096, got " + std::to_string(o.batch);
    if (!(o.lr > 0.0f) || !std::isfinite(o.lr)) return "the learning rate must be positive";
    if (o.optimizer != "adam" && o.optimizer != "sgd") return "optimizer must be adam or sgd, got " + o.optimizer;
    if (!(o.weight_decay >= 0.0f) || !std::isfinite(o.weight_decay)) return "weight decay must be >= 0";
    if (!(o.ema_momentum >= 0.0f && o.ema_momentum < 1.0f)) return "the EMA momentum must be in [0, 1)";
    if (o.calib_batches < 0) return "calibration batches must be >= 0";
    if (o.limit < 0) return "limit must be >= 0";
    return "";
}

double default_lr(int weight_bits, const std::string& optimizer) {
    if (weight_bits >= 6) return 1e-5;
    if (optimizer == "sgd") return 1e-3;
    return weight_bits >= 3 ? 1e-4 : 1e-3;
}

std::vector<int> quantized_tensors(const engine::model& g) {
    const auto src = param_source(g);
    std::vector<int> out;
    for (std::size_t t = 0; t < src.size(); ++t)
        if (src[t] == static_cast<int>(t)) out.push_back(static_cast<int>(t));
    return out;
}

std::vector<weight_slice> weight_slices(const engine::model& g) {
    std::vector<weight_slice> out;
    for (const auto& n : g.nodes) {
        switch (n.type) {
        case engine::op::op_conv2d:
        case engine::op::op_fc:
            out.push_back({n.w_off, n.cout, static_cast<int>(n.w_count / static_cast<std::size_t>(n.cout))});
            break;
        case engine::op::op_se: {
            const int c = g.tensors[static_cast<std::size_t>(n.in[0])].c, sq = n.se_squeeze;
            out.push_back({n.w_off, sq, c});
            out.push_back({n.w_off + static_cast<std::size_t>(sq) * c, c, sq});
            break;
        }
        default: break;
        }
    }
    return out;
}

void fake_quant_model_weights(const engine::model& g, const ptq_options& q, const std::vector<float>& master,
                              std::vector<float>& out) {
    out = master;
    for (const auto& s : weight_slices(g)) {
        const weight_q wq = weight_params(master.data() + s.off, s.cout, s.per, q.weight_bits, q.per_channel, q.restricted);
        fake_quant_weights(out.data() + s.off, s.cout, s.per, wq);
    }
}

engine::model fake_quantized_graph(const qat_model& m) {
    engine::model g = m.graph;
    fake_quant_model_weights(m.graph, m.q, m.graph.weights, g.weights);
    return g;
}

tensor_q activation_params(const qat_model& m, int t) {
    const range r = m.ranges[static_cast<std::size_t>(t)];
    return act_params(r.lo, r.hi, m.q.act_bits);
}

// ---------------------------------------------------------------------------------------------
// fake_quant_hook
// ---------------------------------------------------------------------------------------------

fake_quant_hook::fake_quant_hook(const engine::model& g, int act_bits, ste_mode ste, float momentum)
    : bits_(act_bits), ste_(ste), momentum_(momentum) {
    const auto src = param_source(g);
    mine_.assign(src.size(), 0);
    for (std::size_t t = 0; t < src.size(); ++t) mine_[t] = src[t] == static_cast<int>(t) ? 1 : 0;
    ranges_.assign(src.size(), range{});
    seen_.assign(src.size(), 0);
    mask_.resize(src.size());
}

void fake_quant_hook::set_ranges(std::vector<range> r) {
    r.resize(ranges_.size());
    ranges_ = std::move(r);
    for (std::size_t t = 0; t < seen_.size(); ++t) seen_[t] = mine_[t] && valid(ranges_[t]) ? 1 : 0;
}

void fake_quant_hook::forward(int t, float* v, std::size_t n, bool) {
    const std::size_t i = static_cast<std::size_t>(t);
    range& r = ranges_[i];
    if (phase_ != phase::apply) {
        const range b = batch_range(v, n);
        const long long k = ++seen_[i];
        if (phase_ == phase::calibrate) {  // running mean of the batch extremes
            r.lo += (b.lo - r.lo) / static_cast<float>(k);
            r.hi += (b.hi - r.hi) / static_cast<float>(k);
            return;
        }
        if (k == 1) {
            r = b;
        } else {
            r.lo = momentum_ * r.lo + (1.0f - momentum_) * b.lo;
            r.hi = momentum_ * r.hi + (1.0f - momentum_) * b.hi;
        }
    }
    const tensor_q p = act_params(r.lo, r.hi, bits_);
    if (phase_ == phase::train) {
        auto& mask = mask_[i];
        mask.resize(n);
        fake_quant_array(v, n, p, mask.data());
        std::size_t c = 0;
        for (std::uint8_t m : mask) c += m;
        clamped_ += c;
        quantized_ += n;
    } else {
        fake_quant_array(v, n, p, nullptr);
    }
}

void fake_quant_hook::backward(int t, float* g, std::size_t n) {
    if (phase_ != phase::train || ste_ != ste_mode::clipped) return;
    const auto& mask = mask_[static_cast<std::size_t>(t)];
    if (mask.size() != n) return;
    for (std::size_t i = 0; i < n; ++i)
        if (mask[i]) g[i] = 0.0f;
}

// ---------------------------------------------------------------------------------------------
// qat_trainer
// ---------------------------------------------------------------------------------------------

struct qat_trainer::impl {
    const data::dataset* train = nullptr;
    qat_options o;
    engine::model graph;  // int8_graph(trained); its weights are the masters' starting point
    std::unique_ptr<fake_quant_hook> hook;
    train::train_graph g;
    std::vector<float> master;
    train::rng r{1};
    train::sgd opt_sgd;
    train::adam opt_adam;
    std::vector<int> order;
    std::vector<std::uint8_t> raw, aug, labels;
    std::vector<float> input, dlogits, step_loss, step_acc;
    std::vector<qat_history> history;
    std::size_t img = 0;
    int batch = 0, classes = 0, n_total = 0, calib_total = 0, calib_done = 0;
    long long step = 0, pos = 0, every = 1;
    double chunk_loss = 0.0, chunk_clamped = 0.0;
    long long chunk_right = 0, chunk_seen = 0, chunk_steps = 0;
    clock_type::time_point t_start;
    double seconds = 0.0;
    qat_progress status;

    void reshuffle() {
        std::iota(order.begin(), order.end(), 0);
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[r.below(static_cast<std::uint32_t>(i))]);
        pos = 0;
    }
    // The images of order[from .. from + batch) (wrapping) into raw and labels.
    void gather(long long from) {
        for (int b = 0; b < batch; ++b) {
            const std::size_t k = static_cast<std::size_t>((from + b) % n_total);
            const std::size_t idx = static_cast<std::size_t>(order[k]);
            std::copy_n(train->images.data() + idx * img, img, raw.data() + static_cast<std::size_t>(b) * img);
            labels[static_cast<std::size_t>(b)] = train->labels[idx];
        }
    }
};

qat_trainer::qat_trainer() : p_(std::make_unique<impl>()) {}
qat_trainer::~qat_trainer() = default;

std::string qat_trainer::start(const engine::model& trained, const data::dataset& train, const qat_options& o) {
    p_ = std::make_unique<impl>();
    impl& t = *p_;
    if (auto e = check_options(o); !e.empty()) return e;
    t.n_total = o.limit > 0 ? std::min(o.limit, train.count) : train.count;
    if (t.n_total <= 0) return "no training images (the training set is empty)";
    if (auto e = engine::validate(trained); !e.empty()) return e;
    t.graph = int8_graph(trained);
    if (auto e = engine::validate(t.graph); !e.empty()) return e;
    t.o = o;
    t.train = &train;
    t.batch = std::min(o.batch, t.n_total);
    t.hook = std::make_unique<fake_quant_hook>(t.graph, o.q.act_bits, o.ste, o.ema_momentum);
    t.g.set_hook(t.hook.get());
    if (auto e = t.g.prepare(t.graph, t.batch); !e.empty()) return e;
    t.img = static_cast<std::size_t>(train.rows) * train.cols;
    if (t.g.input_count() != t.img * static_cast<std::size_t>(t.batch))
        return "the model's input does not match the dataset's " + std::to_string(train.rows) + "x" +
               std::to_string(train.cols) + " images";
    t.classes = static_cast<int>(t.g.output_count() / static_cast<std::size_t>(t.batch));
    t.master = t.graph.weights;
    t.r = train::rng{o.seed};
    t.opt_sgd = train::sgd({.momentum = 0.9f, .weight_decay = o.weight_decay, .nesterov = true});
    t.opt_adam = train::adam({.weight_decay = o.weight_decay});
    t.order.resize(static_cast<std::size_t>(t.n_total));
    t.reshuffle();
    t.raw.resize(t.img * static_cast<std::size_t>(t.batch));
    t.aug.resize(t.raw.size());
    t.labels.resize(static_cast<std::size_t>(t.batch));
    t.input.resize(t.raw.size());
    t.dlogits.resize(t.g.output_count());
    t.calib_total = o.calib_batches;
    t.every = std::max(1, o.steps / 20);
    t.status.steps_total = o.steps;
    t.status.calib_total = t.calib_total;
    t.t_start = clock_type::now();
    return "";
}

bool qat_trainer::done() const { return !p_->train || (p_->calib_done >= p_->calib_total && p_->step >= p_->o.steps); }
bool qat_trainer::calibrating() const { return p_->train && p_->calib_done < p_->calib_total; }
long long qat_trainer::report_every() const { return p_->every; }

bool qat_trainer::step() {
    if (done()) return false;
    impl& t = *p_;
    if (t.calib_done < t.calib_total) {
        // Calibration: consecutive batches of the first permutation, as they are, float weights.
        t.gather(static_cast<long long>(t.calib_done) * t.batch);
        train::normalise(t.raw.data(), t.input.data(), t.input.size());
        t.hook->set_phase(fake_quant_hook::phase::calibrate);
        t.g.forward(t.input.data(), false);
        ++t.calib_done;
        t.status.calib_done = t.calib_done;
        if (t.calib_done == t.calib_total) t.reshuffle();  // training starts on a fresh permutation
        t.seconds = since(t.t_start);
        return true;
    }
    if (t.pos + t.batch > t.n_total) t.reshuffle();  // the last partial batch of a pass is dropped
    t.gather(t.pos);
    t.pos += t.batch;
    train::augment_batch(t.raw.data(), t.aug.data(), t.batch, t.train->rows, t.train->cols, t.o.augment, t.r);
    train::normalise(t.aug.data(), t.input.data(), t.input.size());
    fake_quant_model_weights(t.graph, t.o.q, t.master, t.g.model().weights);
    t.hook->set_phase(fake_quant_hook::phase::train);
    const std::size_t clamped0 = t.hook->clamped(), quantized0 = t.hook->quantized();
    t.g.forward(t.input.data(), true);
    int correct = 0;
    const double loss = train::cross_entropy(t.g.output(), t.labels.data(), t.batch, t.classes, t.dlogits.data(), &correct);
    t.g.backward(t.dlogits.data());
    const float lr = train::cosine_lr(t.o.lr, t.step, t.o.steps, 0);
    if (t.o.optimizer == "sgd") t.opt_sgd.step(t.master, t.g.grads(), t.g.trainable(), lr);
    else t.opt_adam.step(t.master, t.g.grads(), t.g.trainable(), lr);
    ++t.step;
    const double clamped_frac = static_cast<double>(t.hook->clamped() - clamped0) /
                                static_cast<double>(std::max<std::size_t>(1, t.hook->quantized() - quantized0));
    t.step_loss.push_back(static_cast<float>(loss));
    t.step_acc.push_back(static_cast<float>(correct) / static_cast<float>(t.batch));
    t.chunk_loss += loss;
    t.chunk_clamped += clamped_frac;
    t.chunk_right += correct;
    t.chunk_seen += t.batch;
    ++t.chunk_steps;
    qat_progress& p = t.status;
    p.step = t.step;
    p.loss = t.chunk_loss / static_cast<double>(t.chunk_steps);
    p.accuracy = static_cast<double>(t.chunk_right) / static_cast<double>(t.chunk_seen);
    p.lr = lr;
    p.clamped_fraction = clamped_frac;
    t.seconds = since(t.t_start);
    p.images_per_s = static_cast<double>(t.step * t.batch) / std::max(t.seconds, 1e-9);
    p.eta_s = t.seconds / static_cast<double>(t.step) * static_cast<double>(t.o.steps - t.step);
    if (t.step % t.every == 0 || t.step == t.o.steps) {
        qat_history h;
        h.step = t.step;
        h.loss = p.loss;
        h.accuracy = p.accuracy;
        h.lr = lr;
        h.clamped_fraction = t.chunk_clamped / static_cast<double>(t.chunk_steps);
        h.seconds = t.seconds;
        t.history.push_back(h);
        t.chunk_loss = t.chunk_clamped = 0.0;
        t.chunk_right = t.chunk_seen = t.chunk_steps = 0;
    }
    return true;
}

const qat_progress& qat_trainer::status() const { return p_->status; }
const std::vector<float>& qat_trainer::step_loss() const { return p_->step_loss; }
const std::vector<float>& qat_trainer::step_accuracy() const { return p_->step_acc; }
const std::vector<qat_history>& qat_trainer::history() const { return p_->history; }
double qat_trainer::seconds() const { return p_->seconds; }

qat_model qat_trainer::model() const {
    const impl& t = *p_;
    qat_model m;
    m.graph = t.graph;
    m.graph.weights = t.master;
    m.q = t.o.q;
    if (t.hook) m.ranges = t.hook->ranges();
    return m;
}

qat_result run_qat(const engine::model& trained, const data::dataset& train, const qat_options& o,
                   const std::function<bool(const qat_progress&)>& progress_cb) {
    qat_result res;
    qat_trainer t;
    if (auto e = t.start(trained, train, o); !e.empty()) {
        res.error = e;
        return res;
    }
    bool snapped = false;
    auto snap = [&] {
        if (!snapped && !t.calibrating()) {
            res.calibrated = t.model();
            snapped = true;
        }
    };
    snap();
    while (t.step()) {
        snap();
        if (progress_cb && !progress_cb(t.status())) {
            res.error = "cancelled";
            break;
        }
    }
    res.trained = t.model();
    res.history = t.history();
    res.seconds = t.seconds();
    return res;
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

std::string qat_evaluator::start(const qat_model& m, const data::dataset& d, int limit, int batch) {
    r_ = train::eval_result{};
    count_ = {};
    right_ = 0;
    next_ = 0;
    d_ = &d;
    n_ = limit > 0 ? std::min(limit, d.count) : d.count;
    r_.n = n_;
    if (n_ <= 0) return "";
    auto fail = [&](std::string e) {
        n_ = 0;
        return e;
    };
    if (m.ranges.size() != m.graph.tensors.size()) return fail("the model has no activation ranges");
    for (int t : quantized_tensors(m.graph))
        if (!valid(m.ranges[static_cast<std::size_t>(t)]))
            return fail("tensor " + std::to_string(t) + " has no valid activation range");
    batch_ = std::max(1, std::min(batch, n_));
    const engine::model fq = fake_quantized_graph(m);
    hook_ = std::make_unique<fake_quant_hook>(fq, m.q.act_bits, ste_mode::clipped, 0.99f);
    hook_->set_ranges(m.ranges);
    hook_->set_phase(fake_quant_hook::phase::apply);
    g_.set_hook(hook_.get());
    if (auto e = g_.prepare(fq, batch_); !e.empty()) return fail(e);
    const std::size_t img = static_cast<std::size_t>(d.rows) * d.cols;
    if (g_.input_count() != img * static_cast<std::size_t>(batch_)) return fail("this model does not take the dataset's images");
    classes_ = static_cast<int>(g_.output_count() / static_cast<std::size_t>(batch_));
    input_.assign(g_.input_count(), 0.0f);
    return "";
}

bool qat_evaluator::step() {
    if (done()) return false;
    const data::dataset& d = *d_;
    const std::size_t img = static_cast<std::size_t>(d.rows) * d.cols;
    const int k = std::min(batch_, n_ - next_);
    // A short last batch: the rest of the input is zeros (inference treats images independently).
    train::normalise(d.images.data() + static_cast<std::size_t>(next_) * img, input_.data(), img * static_cast<std::size_t>(k));
    std::fill(input_.begin() + static_cast<std::ptrdiff_t>(img * static_cast<std::size_t>(k)), input_.end(), 0.0f);
    g_.forward(input_.data(), false);
    tally(g_.output(), k, classes_, d.labels.data() + next_, r_, count_, right_);
    next_ += k;
    return true;
}

train::eval_result qat_evaluator::result() const {
    train::eval_result r = r_;
    r.n = next_;
    r.accuracy = next_ ? static_cast<double>(right_) / next_ : 0.0;
    for (std::size_t c = 0; c < 10; ++c)
        r.per_class[c] = count_[c] ? static_cast<double>(r.confusion[c][c]) / count_[c] : 0.0;
    return r;
}

train::eval_result evaluate_fake_quant(const qat_model& m, const data::dataset& d, int limit, int batch) {
    qat_evaluator e;
    train::eval_result empty;
    empty.n = limit > 0 ? std::min(limit, d.count) : d.count;
    if (!e.start(m, d, limit, batch).empty()) return empty;
    while (e.step()) {
    }
    return e.result();
}

std::optional<quantized> to_quantized(const qat_model& m, const float* images, int count, std::string* error) {
    auto fail = [&](std::string e) {
        if (error) *error = std::move(e);
        return std::optional<quantized>{};
    };
    if (m.ranges.size() != m.graph.tensors.size()) return fail("the model has no activation ranges");
    quantized q;
    q.graph = m.graph;
    q.opt = m.q;
    const bool has_se = std::any_of(m.graph.nodes.begin(), m.graph.nodes.end(),
                                    [](const engine::node& n) { return n.type == engine::op::op_se; });
    if (has_se) {
        auto cal = calibrate(fake_quantized_graph(m), images, count, {}, error);
        if (!cal) return std::nullopt;
        q.cal = std::move(*cal);
    } else {
        q.cal.se_pooled.assign(m.graph.nodes.size(), range{});
        q.cal.se_hidden.assign(m.graph.nodes.size(), range{});
        q.cal.images = 0;
    }
    q.cal.tensor = m.ranges;
    qsession probe;
    if (auto e = probe.prepare(q.graph, q.cal, q.opt, 1); !e.empty()) return fail(e);
    return q;
}

}  // namespace es::quant
