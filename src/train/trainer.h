// trainer: mini-batch training of a builder graph on an image dataset, and evaluation with
// the inference engine (the same optimized graph the page runs).
//
//   es::train::train_options o;  o.epochs = 10;  o.lr = 0.05f;
//   auto r = es::train::train_model(m, train_set, o, [](const es::train::progress& p) { ... });
//   auto e = es::train::evaluate(m, test_set);          // accuracy, per class, confusion
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "train/augment.h"

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace es::train {

struct train_options {
    int epochs = 10;
    int batch = 64;
    float lr = 0.05f;              // peak learning rate (cosine schedule, linear warm-up)
    std::string optimizer = "sgd"; // "sgd" (momentum 0.9, Nesterov) or "adam"
    float weight_decay = 5e-4f;
    int warmup_steps = 100;        // linear warm-up (at most a fifth of all steps)
    std::uint64_t seed = 1;
    augment_options augment;
    int limit = 0;                 // train on the first `limit` images only (0: all)
};

struct progress {
    int epoch = 0, epochs = 0;
    long long step = 0, steps_total = 0;
    double loss = 0.0, accuracy = 0.0;  // running means over the current epoch
    double images_per_s = 0.0, eta_s = 0.0, lr = 0.0;
    bool epoch_done = false;
};

struct epoch_stats {
    int epoch = 0;
    double loss = 0.0, accuracy = 0.0, seconds = 0.0, images_per_s = 0.0;
};

struct train_result {
    std::string error;  // empty on success
    std::vector<epoch_stats> history;
    double seconds = 0.0;
};

// Trains `m` in place. `progress_cb` (may be empty) is called every few steps and at each
// epoch's end; it returns false to cancel (the result then says "cancelled").
train_result train_model(engine::model& m, const data::dataset& train, const train_options& o,
                         const std::function<bool(const progress&)>& progress_cb);

struct eval_result {
    int n = 0;
    double accuracy = 0.0;
    std::array<double, 10> per_class{};
    std::array<std::array<int, 10>, 10> confusion{};  // [true][predicted]
    std::vector<std::uint8_t> predictions;
};

// Inference on the first `limit` images (0: all) with engine::optimize(m), batch by batch.
eval_result evaluate(const engine::model& m, const data::dataset& d, int limit = 0, int batch = 100);

// A fixed stratified subset: the first `per_class` images of each class, in dataset order
// (the page's 2,000-image test subset is per_class = 200 of the test split).
data::dataset stratified_subset(const data::dataset& d, int per_class);

}  // namespace es::train
