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
#include <memory>
#include <string>
#include <vector>

namespace es::train {

struct train_options {
    int epochs = 10;               // 0 with max_steps > 0: as many epochs as max_steps needs
    int batch = 64;
    float lr = 0.05f;              // peak learning rate (cosine schedule, linear warm-up)
    std::string optimizer = "sgd"; // "sgd" (momentum 0.9, Nesterov) or "adam"
    float weight_decay = 5e-4f;
    int warmup_steps = 100;        // linear warm-up (at most a fifth of all steps)
    std::uint64_t seed = 1;
    augment_options augment;
    int limit = 0;                 // train on the first `limit` images only (0: all)
    long long max_steps = 0;       // stop after this many steps, the schedule ending there (0: all epochs)
    // A window of a longer schedule (a run trained in pieces: each Once-for-All sub-network
    // trains a few steps, src/nas/ofa_train.h): with schedule_steps > 0 the learning rate of
    // step s is that of step schedule_offset + s of a cosine schedule of schedule_steps steps
    // (warm-up over its first min(warmup_steps, schedule_steps / 5)), not of this run's own.
    long long schedule_steps = 0, schedule_offset = 0;
    // Pruning (src/prune): empty, or one entry per float of the model's weights; where it is 0
    // the weight is set to exactly 0 at start() and again after every optimizer step, so pruned
    // weights stay zero through fine-tuning (momentum and weight decay cannot revive them).
    std::vector<unsigned char> keep_mask;
    // Knowledge distillation: with a teacher, every step also runs the teacher (inference
    // engine, optimized; the same augmented, normalised batch) and the student trains on
    // distillation_loss (src/train/loss.h): kd_alpha · T² · KL(teacher^T || student^T)
    // + (1 - kd_alpha) · cross-entropy, T = kd_temperature. The teacher must take the same
    // input and give as many classes as the student.
    std::shared_ptr<const engine::model> teacher;
    float kd_temperature = 4.0f;
    float kd_alpha = 0.9f;
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

// Training one step at a time, for callers that must keep drawing frames (the page trains
// a few steps per frame). train_model() is this loop; both give identical weights.
//
//   es::train::trainer t;
//   if (auto e = t.start(m, train_set, o); !e.empty()) fail(e);
//   while (!t.done()) { t.step(); draw(t.status()); }      // or cancel by just stopping
//   m = t.model();
class trainer {
public:
    trainer();
    ~trainer();
    trainer(const trainer&) = delete;
    trainer& operator=(const trainer&) = delete;
    // Plans the training graph (copies m); "" or why it cannot train.
    std::string start(const engine::model& m, const data::dataset& train, const train_options& o);
    // One optimizer step (a new epoch reshuffles first). False once all steps are done.
    bool step();
    bool done() const;
    // Running loss/accuracy of the current epoch, step counts, images/s, ETA, learning rate.
    const progress& status() const;
    // Loss and accuracy of each step's batch, in order (for live plots).
    const std::vector<float>& step_loss() const;
    const std::vector<float>& step_accuracy() const;
    const std::vector<epoch_stats>& history() const;
    double seconds() const;
    // The model with the weights trained so far (batch-norm running statistics included).
    const engine::model& model() const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

// Trains `m` in place. `progress_cb` (may be empty) is called every few steps and at each
// epoch's end; it returns false to cancel (the result then says "cancelled").
train_result train_model(engine::model& m, const data::dataset& train, const train_options& o,
                         const std::function<bool(const progress&)>& progress_cb);

struct eval_result {
    int n = 0;
    double accuracy = 0.0;
    double loss = 0.0;  // mean softmax cross-entropy against the labels (NaN if a label exceeds the classes)
    std::array<double, 10> per_class{};
    std::array<std::array<int, 10>, 10> confusion{};  // [true][predicted]
    std::vector<std::uint8_t> predictions;
};

// Inference on the first `limit` images (0: all) with engine::optimize(m), batch by batch.
eval_result evaluate(const engine::model& m, const data::dataset& d, int limit = 0, int batch = 100);

// Predictions scored against labels, batch by batch: the float evaluator and the integer
// one (quant::qevaluator) both keep their score in one of these.
class eval_tally {
public:
    // `logits` holds k rows of `classes` values; labels[i] belongs to row i.
    void add(const float* logits, int k, int classes, const std::uint8_t* labels);
    eval_result result() const;  // accuracy, per class and confusion over what was added
    int count() const { return static_cast<int>(r_.predictions.size()); }

private:
    eval_result r_;
    std::array<int, 10> count_{};
    int right_ = 0;
    double loss_sum_ = 0.0;
    bool loss_valid_ = true;  // false once a label was outside the model's classes
};

struct eval_sessions;

// evaluate() one batch at a time (the page evaluates a batch per frame); the same batches,
// so the same predictions as evaluate() with the same batch size.
class evaluator {
public:
    // Keeps a pointer to `d`: it must outlive the evaluator. "" or why the model cannot run.
    std::string start(const engine::model& m, const data::dataset& d, int limit = 0, int batch = 100);
    bool step();  // evaluates the next batch; false when all are done
    bool done() const { return next_ >= n_; }
    int evaluated() const { return next_; }
    int total() const { return n_; }
    // Accuracy, per-class accuracy and confusion so far (final once done()).
    eval_result result() const;

private:
    engine::model fast_;
    const data::dataset* d_ = nullptr;
    std::unique_ptr<eval_sessions> s_;
    int n_ = 0, next_ = 0, batch_ = 100;
    eval_tally tally_;

public:
    evaluator();
    ~evaluator();
    evaluator(evaluator&&) noexcept;
    evaluator& operator=(evaluator&&) noexcept;
};

// FNV-1a (64-bit, hex) of the predicted classes: two runs made the same predictions iff
// (practically) their hashes agree. The page and the native build are compared with it.
std::string predictions_hash(const std::vector<std::uint8_t>& predictions);

// A fixed stratified subset: the first `per_class` images of each class, in dataset order
// (the page's 2,000-image test subset is per_class = 200 of the test split).
data::dataset stratified_subset(const data::dataset& d, int per_class);

}  // namespace es::train
