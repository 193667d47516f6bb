#include "train/trainer.h"

#include "engine/session.h"
#include "train/graph.h"
#include "train/loss.h"
#include "train/optim.h"

#include <algorithm>
#include <chrono>
#include <numeric>

namespace es::train {

namespace {
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
}  // namespace

train_result train_model(engine::model& m, const data::dataset& train, const train_options& o,
                         const std::function<bool(const progress&)>& progress_cb) {
    train_result res;
    const int n_total = o.limit > 0 ? std::min(o.limit, train.count) : train.count;
    if (n_total <= 0) {
        res.error = "no training images";
        return res;
    }
    if (o.batch <= 0 || o.epochs <= 0 || !(o.lr > 0.0f)) {
        res.error = "epochs, batch and learning rate must be positive";
        return res;
    }
    const int batch = std::min(o.batch, n_total);
    train_graph g;
    if (auto e = g.prepare(m, batch); !e.empty()) {
        res.error = e;
        return res;
    }
    const std::size_t img = static_cast<std::size_t>(train.rows) * train.cols;
    if (g.input_count() != img * static_cast<std::size_t>(batch)) {
        res.error = "the model's input does not match the dataset's " + std::to_string(train.rows) + "x" +
                    std::to_string(train.cols) + " images";
        return res;
    }
    const int classes = static_cast<int>(g.output_count() / static_cast<std::size_t>(batch));
    rng r{o.seed};
    sgd opt_sgd({.momentum = 0.9f, .weight_decay = o.weight_decay, .nesterov = true});
    adam opt_adam({.weight_decay = o.weight_decay});
    std::vector<int> order(static_cast<std::size_t>(n_total));
    std::vector<std::uint8_t> raw(img * static_cast<std::size_t>(batch)), aug(raw.size()), labels(static_cast<std::size_t>(batch));
    std::vector<float> input(raw.size()), dlogits(g.output_count());
    const long long steps_per_epoch = n_total / batch;  // the last partial batch is dropped
    const long long steps_total = steps_per_epoch * o.epochs;
    long long step = 0;
    // Short runs (tests, fine-tuning) warm up over at most a fifth of their steps.
    const long long warmup = std::min<long long>(o.warmup_steps, steps_total / 5);
    const auto t_start = clock_type::now();
    for (int epoch = 1; epoch <= o.epochs; ++epoch) {
        std::iota(order.begin(), order.end(), 0);
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[r.below(static_cast<std::uint32_t>(i))]);
        const auto t_epoch = clock_type::now();
        double loss_sum = 0.0;
        long long seen = 0, right = 0;
        for (long long s = 0; s < steps_per_epoch; ++s, ++step) {
            for (int b = 0; b < batch; ++b) {
                const std::size_t idx = static_cast<std::size_t>(order[static_cast<std::size_t>(s * batch + b)]);
                std::copy_n(train.images.data() + idx * img, img, raw.data() + static_cast<std::size_t>(b) * img);
                labels[static_cast<std::size_t>(b)] = train.labels[idx];
            }
            augment_batch(raw.data(), aug.data(), batch, train.rows, train.cols, o.augment, r);
            normalise(aug.data(), input.data(), input.size());
            g.forward(input.data(), true);
            int correct = 0;
            loss_sum += cross_entropy(g.output(), labels.data(), batch, classes, dlogits.data(), &correct) * batch;
            right += correct;
            seen += batch;
            g.backward(dlogits.data());
            const float lr = cosine_lr(o.lr, step, steps_total, warmup);
            if (o.optimizer == "adam") opt_adam.step(g.model().weights, g.grads(), g.trainable(), lr);
            else opt_sgd.step(g.model().weights, g.grads(), g.trainable(), lr);
            const bool last = s + 1 == steps_per_epoch;
            if (progress_cb && (last || s % 10 == 0)) {
                progress p;
                p.epoch = epoch;
                p.epochs = o.epochs;
                p.step = step + 1;
                p.steps_total = steps_total;
                p.loss = loss_sum / static_cast<double>(seen);
                p.accuracy = static_cast<double>(right) / static_cast<double>(seen);
                const double el = since(t_start);
                p.images_per_s = static_cast<double>((step + 1) * batch) / std::max(el, 1e-9);
                p.eta_s = el / static_cast<double>(step + 1) * static_cast<double>(steps_total - step - 1);
                p.lr = lr;
                p.epoch_done = last;
                if (!progress_cb(p)) {
                    res.error = "cancelled";
                    m = g.model();
                    return res;
                }
            }
        }
        epoch_stats es;
        es.epoch = epoch;
        es.loss = loss_sum / static_cast<double>(std::max<long long>(seen, 1));
        es.accuracy = static_cast<double>(right) / static_cast<double>(std::max<long long>(seen, 1));
        es.seconds = since(t_epoch);
        es.images_per_s = static_cast<double>(seen) / std::max(es.seconds, 1e-9);
        res.history.push_back(es);
    }
    res.seconds = since(t_start);
    m = g.model();
    return res;
}

eval_result evaluate(const engine::model& m, const data::dataset& d, int limit, int batch) {
    eval_result r;
    const int n = limit > 0 ? std::min(limit, d.count) : d.count;
    r.n = n;
    if (n <= 0) return r;
    const std::size_t img = static_cast<std::size_t>(d.rows) * d.cols;
    const engine::model fast = engine::optimize(m);
    engine::session s;
    const int b = std::min(batch, n);
    if (!s.prepare(fast, b).empty()) return r;
    engine::session tail;
    const int rest = n % b;
    if (rest && !tail.prepare(fast, rest).empty()) return r;
    std::array<int, 10> count{};
    int right = 0;
    for (int start = 0; start < n; start += b) {
        engine::session& cur = n - start >= b ? s : tail;
        const int k = n - start >= b ? b : rest;
        normalise(d.images.data() + static_cast<std::size_t>(start) * img, cur.input(), img * static_cast<std::size_t>(k));
        cur.run();
        const int classes = static_cast<int>(cur.output_shape().c);
        for (int i = 0; i < k; ++i) {
            const float* z = cur.output() + static_cast<std::size_t>(i) * classes;
            const int pred = static_cast<int>(std::max_element(z, z + classes) - z);
            const int y = d.labels[static_cast<std::size_t>(start + i)];
            r.predictions.push_back(static_cast<std::uint8_t>(pred));
            if (y < 10 && pred < 10) r.confusion[static_cast<std::size_t>(y)][static_cast<std::size_t>(pred)]++;
            if (y < 10) count[static_cast<std::size_t>(y)]++;
            right += pred == y;
        }
    }
    r.accuracy = static_cast<double>(right) / n;
    for (std::size_t c = 0; c < 10; ++c)
        r.per_class[c] = count[c] ? static_cast<double>(r.confusion[c][c]) / count[c] : 0.0;
    return r;
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
