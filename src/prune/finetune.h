// prune/finetune: pruning schedules with fine-tuning that keeps the masks.
//
//   es::prune::prune_options o;  o.mask.how = es::prune::method::layerwise;  o.mask.sparsity = 0.7;
//   o.iterations = 3;  o.train.max_steps = 600;  o.train.lr = 0.01f;
//   es::prune::prune_trainer t;
//   if (auto e = t.start(trained, train_set, o); !e.empty()) fail(e);
//   while (!t.done()) { t.step(); draw(t.status()); }            // the page: a few steps per frame
//   engine::model pruned = t.model();                             // pruned weights exactly 0
//
// Schedules:
//   one-shot   (iterations = 1) prune to the target from the trained weights, then fine-tune
//              all o.train.max_steps steps with the mask fixed.
//   iterative  (iterations = N > 1) N rounds of "prune, then fine-tune max_steps / N steps"; round
//              i (1..N) prunes to s_i = s * (1 - (1 - i/N)^3) (Zhu & Gupta's cubic schedule:
//              large cuts early while many redundant weights remain, small ones near the target),
//              from the magnitudes the previous round's fine-tuning left, and masks only grow
//              (make_mask with the previous mask). 2:4 is one fixed pattern: iterations must be 1.
// Fine-tuning is train::trainer with train_options::keep_mask = the round's mask: the pruned
// weights are zeroed at start and after every optimizer step (SGD momentum or Adam moments may
// push them, the mask puts them back), so they are exactly zero in every forward pass and in
// the result. Each round restarts the trainer: a fresh optimizer state and learning-rate
// schedule (warm-up over at most a fifth of the round, cosine decay to 0), seed o.train.seed + i.
// Batch norm keeps training (its statistics follow the pruned network).
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "prune/masks.h"
#include "train/trainer.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace es::prune {

struct prune_options {
    mask_options mask;
    int iterations = 1;          // 1: one-shot; N: iterative (cubic schedule)
    train::train_options train;  // max_steps = fine-tuning steps in all (0: no fine-tuning); epochs is raised
                                 // so that max_steps decides; keep_mask is set by the schedule
};
// "" or what is wrong (sparsity, iterations, 2:4 with iterations > 1, steps, batch, lr).
std::string check_options(const prune_options& o);

// The target of round i (1..n) for final sparsity s (cubic schedule; s at i = n).
double scheduled_sparsity(double s, int i, int n);

struct prune_status {
    int round = 0, rounds = 0;        // the current round (1-based; 0 before the first prune)
    double target = 0.0;              // sparsity this round prunes to
    long long step = 0, steps_total = 0;  // fine-tuning steps over all rounds
    double loss = 0.0, accuracy = 0.0;    // running means of the current round's fine-tuning
    double lr = 0.0, images_per_s = 0.0;
};

class prune_trainer {
public:
    prune_trainer();
    ~prune_trainer();
    prune_trainer(const prune_trainer&) = delete;
    prune_trainer& operator=(const prune_trainer&) = delete;

    // Checks the options and makes the first round's mask (so pruned_once() is ready at once).
    // "" or why not; m is copied.
    std::string start(const engine::model& trained, const data::dataset& train, const prune_options& o);
    // One fine-tuning step (a round boundary prunes further first). False once done.
    bool step();
    bool done() const;
    const prune_status& status() const;
    const std::vector<float>& step_loss() const;  // every fine-tuning step, all rounds
    // The reference without fine-tuning: the trained model pruned to the final target in one
    // shot (the same mask as a one-shot schedule's), whatever the schedule.
    const engine::model& pruned_once() const;
    // The weights so far (pruned weights exactly 0); after done(): the result.
    engine::model model() const;
    const weight_mask& mask() const;
    double seconds() const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

struct prune_result {
    std::string error;
    engine::model pruned_once;  // pruned to the target in one shot, not fine-tuned
    engine::model model;        // pruned and fine-tuned
    weight_mask mask;
    std::vector<float> step_loss;
    double seconds = 0.0;
};
// The loop of prune_trainer; progress_cb (may be empty) after every step, false cancels.
prune_result run_prune(const engine::model& trained, const data::dataset& train, const prune_options& o,
                       const std::function<bool(const prune_status&)>& progress_cb);

}  // namespace es::prune
