#include "train/trainer.h"

#include "engine/session.h"
#include "train/graph.h"
#include "train/loss.h"
#include "train/optim.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <numeric>

namespace es::train {

namespace {
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
}  // namespace

struct trainer::impl {
    engine::model* out = nullptr;
    const data::dataset* train = nullptr;
    train_options o;
    train_graph g;
    rng r{1};
    sgd opt_sgd{{.momentum = 0.9f, .weight_decay = 5e-4f, .nesterov = true}};
    adam opt_adam{{.weight_decay = 5e-4f}};
    std::vector<int> order;
    std::vector<std::uint8_t> raw, aug, labels;
    std::vector<float> input, dlogits, step_loss, step_acc;
    std::vector<epoch_stats> history;
    std::size_t img = 0;
    int batch = 0, classes = 0, epoch = 0;
    long long steps_per_epoch = 0, steps_total = 0, step = 0, s_in_epoch = 0, warmup = 0, seen = 0, right = 0;
    double loss_sum = 0.0;
    clock_type::time_point t_start, t_epoch;
    progress status;
    double seconds = 0.0;
    std::unique_ptr<engine::session> teacher;  // train_options::teacher, prepared at the batch size
    void apply_mask() {  // pruned weights back to exactly zero (train_options::keep_mask)
        auto& w = g.model().weights;
        for (std::size_t i = 0; i < o.keep_mask.size(); ++i)
            if (!o.keep_mask[i]) w[i] = 0.0f;
    }
};

trainer::trainer() : p_(std::make_unique<impl>()) {}
trainer::~trainer() = default;

std::string trainer::start(const engine::model& m, const data::dataset& train, const train_options& o) {
    p_ = std::make_unique<impl>();
    impl& t = *p_;
    const int n_total = o.limit > 0 ? std::min(o.limit, train.count) : train.count;
    if (n_total <= 0) return "no training images";
    if (o.batch <= 0 || o.epochs < 0 || (o.epochs == 0 && o.max_steps <= 0) || !(o.lr > 0.0f))
        return "epochs, batch and learning rate must be positive";
    if (o.schedule_steps < 0 || o.schedule_offset < 0 || (o.schedule_steps > 0 && o.schedule_offset >= o.schedule_steps))
        return "the schedule window must start inside the schedule";
    t.o = o;
    t.train = &train;
    t.batch = std::min(o.batch, n_total);
    if (!o.keep_mask.empty() && o.keep_mask.size() != m.weights.size())
        return "the pruning mask has " + std::to_string(o.keep_mask.size()) + " entries, the model " +
               std::to_string(m.weights.size()) + " weights";
    if (auto e = t.g.prepare(m, t.batch); !e.empty()) return e;
    t.apply_mask();
    t.img = static_cast<std::size_t>(train.rows) * train.cols;
    if (t.g.input_count() != t.img * static_cast<std::size_t>(t.batch))
        return "the model's input does not match the dataset's " + std::to_string(train.rows) + "x" +
               std::to_string(train.cols) + " images";
    t.classes = static_cast<int>(t.g.output_count() / static_cast<std::size_t>(t.batch));
    if (o.teacher) {
        if (!(o.kd_temperature > 0.0f) || !(o.kd_alpha >= 0.0f && o.kd_alpha <= 1.0f))
            return "distillation needs a temperature above 0 and alpha in [0, 1]";
        if (!(o.teacher->input == m.input)) return "the teacher's input differs from the student's";
        t.teacher = std::make_unique<engine::session>();
        if (auto e = t.teacher->prepare(engine::optimize(*o.teacher), t.batch); !e.empty()) return "teacher: " + e;
        if (t.teacher->output_shape().numel() != t.g.output_count())
            return "the teacher gives " + std::to_string(t.teacher->output_shape().c) +
                   " classes, the student " + std::to_string(t.classes);
    }
    t.r = rng{o.seed};
    t.opt_sgd = sgd({.momentum = 0.9f, .weight_decay = o.weight_decay, .nesterov = true});
    t.opt_adam = adam({.weight_decay = o.weight_decay});
    t.order.resize(static_cast<std::size_t>(n_total));
    t.raw.resize(t.img * static_cast<std::size_t>(t.batch));
    t.aug.resize(t.raw.size());
    t.labels.resize(static_cast<std::size_t>(t.batch));
    t.input.resize(t.raw.size());
    t.dlogits.resize(t.g.output_count());
    t.steps_per_epoch = n_total / t.batch;  // the last partial batch is dropped
    // epochs 0: as many as max_steps needs.
    const long long epochs =
        o.epochs > 0 ? o.epochs : (o.max_steps + t.steps_per_epoch - 1) / std::max(1LL, t.steps_per_epoch);
    t.steps_total = t.steps_per_epoch * epochs;
    if (o.max_steps > 0) t.steps_total = std::min(t.steps_total, o.max_steps);
    // Short runs (tests, fine-tuning) warm up over at most a fifth of their steps.
    t.warmup = std::min<long long>(o.warmup_steps, t.steps_total / 5);
    t.t_start = clock_type::now();
    t.status.epochs = static_cast<int>(epochs);
    t.status.steps_total = t.steps_total;
    return "";
}

bool trainer::done() const { return !p_->train || p_->step >= p_->steps_total; }

bool trainer::step() {
    if (done()) return false;
    impl& t = *p_;
    const data::dataset& train = *t.train;
    if (t.s_in_epoch == 0) {  // a new epoch: reshuffle
        ++t.epoch;
        std::iota(t.order.begin(), t.order.end(), 0);
        for (std::size_t i = t.order.size(); i > 1; --i)
            std::swap(t.order[i - 1], t.order[t.r.below(static_cast<std::uint32_t>(i))]);
        t.t_epoch = clock_type::now();
        t.loss_sum = 0.0;
        t.seen = t.right = 0;
    }
    const int batch = t.batch;
    for (int b = 0; b < batch; ++b) {
        const std::size_t idx = static_cast<std::size_t>(t.order[static_cast<std::size_t>(t.s_in_epoch * batch + b)]);
        std::copy_n(train.images.data() + idx * t.img, t.img, t.raw.data() + static_cast<std::size_t>(b) * t.img);
        t.labels[static_cast<std::size_t>(b)] = train.labels[idx];
    }
    augment_batch(t.raw.data(), t.aug.data(), batch, train.rows, train.cols, t.o.augment, t.r);
    normalise(t.aug.data(), t.input.data(), t.input.size());
    t.g.forward(t.input.data(), true);
    int correct = 0;
    double loss = 0.0;
    if (t.teacher) {
        std::copy(t.input.begin(), t.input.end(), t.teacher->input());
        t.teacher->run();
        loss = distillation_loss(t.g.output(), t.teacher->output(), t.labels.data(), batch, t.classes,
                                 t.o.kd_temperature, t.o.kd_alpha, t.dlogits.data());
        const float* z = t.g.output();
        for (int b = 0; b < batch; ++b) {
            const float* row = z + static_cast<std::size_t>(b) * static_cast<std::size_t>(t.classes);
            correct += static_cast<int>(std::max_element(row, row + t.classes) - row) == t.labels[static_cast<std::size_t>(b)];
        }
    } else {
        loss = cross_entropy(t.g.output(), t.labels.data(), batch, t.classes, t.dlogits.data(), &correct);
    }
    t.loss_sum += loss * batch;
    t.right += correct;
    t.seen += batch;
    t.step_loss.push_back(static_cast<float>(loss));
    t.step_acc.push_back(static_cast<float>(correct) / static_cast<float>(batch));
    t.g.backward(t.dlogits.data());
    const float lr = t.o.schedule_steps > 0
                         ? cosine_lr(t.o.lr, std::min(t.o.schedule_offset + t.step, t.o.schedule_steps - 1), t.o.schedule_steps,
                                     std::min<long long>(t.o.warmup_steps, t.o.schedule_steps / 5))
                         : cosine_lr(t.o.lr, t.step, t.steps_total, t.warmup);
    if (t.o.optimizer == "adam") t.opt_adam.step(t.g.model().weights, t.g.grads(), t.g.trainable(), lr);
    else t.opt_sgd.step(t.g.model().weights, t.g.grads(), t.g.trainable(), lr);
    t.apply_mask();
    ++t.step;
    ++t.s_in_epoch;
    const bool last = t.s_in_epoch == t.steps_per_epoch || t.step == t.steps_total;
    progress& p = t.status;
    p.epoch = t.epoch;
    p.step = t.step;
    p.loss = t.loss_sum / static_cast<double>(t.seen);
    p.accuracy = static_cast<double>(t.right) / static_cast<double>(t.seen);
    const double el = since(t.t_start);
    p.images_per_s = static_cast<double>(t.step * batch) / std::max(el, 1e-9);
    p.eta_s = el / static_cast<double>(t.step) * static_cast<double>(t.steps_total - t.step);
    p.lr = lr;
    p.epoch_done = last;
    t.seconds = el;
    if (last) {
        epoch_stats es;
        es.epoch = t.epoch;
        es.loss = p.loss;
        es.accuracy = p.accuracy;
        es.seconds = since(t.t_epoch);
        es.images_per_s = static_cast<double>(t.seen) / std::max(es.seconds, 1e-9);
        t.history.push_back(es);
        t.s_in_epoch = 0;
    }
    return true;
}

const progress& trainer::status() const { return p_->status; }
const std::vector<float>& trainer::step_loss() const { return p_->step_loss; }
const std::vector<float>& trainer::step_accuracy() const { return p_->step_acc; }
const std::vector<epoch_stats>& trainer::history() const { return p_->history; }
double trainer::seconds() const { return p_->seconds; }
const engine::model& trainer::model() const { return p_->g.model(); }

train_result train_model(engine::model& m, const data::dataset& train, const train_options& o,
                         const std::function<bool(const progress&)>& progress_cb) {
    train_result res;
    trainer t;
    if (auto e = t.start(m, train, o); !e.empty()) {
        res.error = e;
        return res;
    }
    long long in_epoch = 0;
    while (t.step()) {
        const progress& p = t.status();
        const bool report = p.epoch_done || in_epoch % 10 == 0;
        in_epoch = p.epoch_done ? 0 : in_epoch + 1;
        if (progress_cb && report && !progress_cb(p)) {
            res.error = "cancelled";
            m = t.model();
            return res;
        }
    }
    res.history = t.history();
    res.seconds = t.seconds();
    m = t.model();
    return res;
}

struct eval_sessions {
    engine::session full, tail;
};

evaluator::evaluator() = default;
evaluator::~evaluator() = default;
evaluator::evaluator(evaluator&&) noexcept = default;
evaluator& evaluator::operator=(evaluator&&) noexcept = default;

std::string evaluator::start(const engine::model& m, const data::dataset& d, int limit, int batch) {
    tally_ = eval_tally{};
    next_ = 0;
    d_ = &d;
    n_ = limit > 0 ? std::min(limit, d.count) : d.count;
    if (n_ <= 0) return "";
    fast_ = engine::optimize(m);
    s_ = std::make_unique<eval_sessions>();
    batch_ = std::max(1, std::min(batch, n_));
    if (auto e = s_->full.prepare(fast_, batch_); !e.empty()) {
        n_ = 0;
        return e;
    }
    if (const int rest = n_ % batch_; rest) {
        if (auto e = s_->tail.prepare(fast_, rest); !e.empty()) {
            n_ = 0;
            return e;
        }
    }
    return "";
}

bool evaluator::step() {
    if (done()) return false;
    const data::dataset& d = *d_;
    const std::size_t img = static_cast<std::size_t>(d.rows) * d.cols;
    const int start = next_;
    const bool full = n_ - start >= batch_;
    engine::session& cur = full ? s_->full : s_->tail;
    const int k = full ? batch_ : n_ - start;
    normalise(d.images.data() + static_cast<std::size_t>(start) * img, cur.input(), img * static_cast<std::size_t>(k));
    cur.run();
    tally_.add(cur.output(), k, static_cast<int>(cur.output_shape().c), d.labels.data() + start);
    next_ += k;
    return true;
}

eval_result evaluator::result() const { return tally_.result(); }

void eval_tally::add(const float* logits, int k, int classes, const std::uint8_t* labels) {
    bool labels_fit = k > 0;  // the loss needs every label among the model's classes
    for (int i = 0; i < k; ++i) labels_fit = labels_fit && labels[i] < classes;
    if (labels_fit) loss_sum_ += static_cast<double>(cross_entropy(logits, labels, k, classes, nullptr)) * k;
    else if (k > 0) loss_valid_ = false;
    for (int i = 0; i < k; ++i) {
        const float* z = logits + static_cast<std::size_t>(i) * classes;
        const int pred = static_cast<int>(std::max_element(z, z + classes) - z);
        const int y = labels[i];
        r_.predictions.push_back(static_cast<std::uint8_t>(pred));
        if (y < 10 && pred < 10) r_.confusion[static_cast<std::size_t>(y)][static_cast<std::size_t>(pred)]++;
        if (y < 10) count_[static_cast<std::size_t>(y)]++;
        right_ += pred == y;
    }
}

eval_result eval_tally::result() const {
    eval_result r = r_;
    r.n = count();
    r.accuracy = r.n ? static_cast<double>(right_) / r.n : 0.0;
    r.loss = !loss_valid_ ? std::numeric_limits<double>::quiet_NaN() : r.n ? loss_sum_ / r.n : 0.0;
    for (std::size_t c = 0; c < 10; ++c)
        r.per_class[c] = count_[c] ? static_cast<double>(r.confusion[c][c]) / count_[c] : 0.0;
    return r;
}

eval_result evaluate(const engine::model& m, const data::dataset& d, int limit, int batch) {
    evaluator e;
    eval_result empty;
    empty.n = limit > 0 ? std::min(limit, d.count) : d.count;
    if (!e.start(m, d, limit, batch).empty()) return empty;
    while (e.step()) {
    }
    return e.result();
}

std::string predictions_hash(const std::vector<std::uint8_t>& p) {
    std::uint64_t h = 1469598103934665603ull;
    for (std::uint8_t v : p) h = (h ^ v) * 1099511628211ull;
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

data::dataset stratified_subset(const data::dataset& d, int per_class) {
    data::dataset out;
    out.rows = d.rows;
    out.cols = d.cols;
    const std::size_t img = static_cast<std::size_t>(d.rows) * d.cols;
    std::array<int, 10> taken{};
    for (int i = 0; i < d.count; ++i) {
        const std::uint8_t y = d.labels[static_cast<std::size_t>(i)];
        if (y >= 10 || taken[y] >= per_class) continue;
        taken[y]++;
        out.labels.push_back(y);
        out.images.insert(out.images.end(), d.images.begin() + static_cast<std::ptrdiff_t>(i * img),
                          d.images.begin() + static_cast<std::ptrdiff_t>((i + 1) * img));
    }
    out.count = static_cast<int>(out.labels.size());
    return out;
}

}  // namespace es::train
