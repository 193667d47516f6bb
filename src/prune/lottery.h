// prune/lottery: the lottery ticket experiment (Frankle & Carbin 2019) at a tiny budget.
// Iterative magnitude pruning with rewinding to the original initialization, against the same
// masks on a random re-initialization.
//
//   es::prune::lottery_options o;  o.rounds = 3;  o.rate = 0.5;  o.train.max_steps = 200;
//   es::prune::lottery_run L;
//   if (auto e = L.start(init, reinit, train_set, test_set, o); !e.empty()) fail(e);
//   while (!L.done()) { L.step(); draw(L.result()); }      // one training step (or test batch) per call
//
// Procedure (every training run: o.train, max_steps steps, the same seed, so the two arms of a
// round see the same batches):
//   round 0  train `init` densely (mask: nothing pruned) -> dense accuracy.
//   round r  (1..rounds) the mask: prune `rate` of the weights that remain, by magnitude of the
//            previous round's trained ticket (layer-wise, or global with o.global; round 1 prunes
//            the dense model): sparsity 1 - (1 - rate)^r. Masks only grow.
//            ticket: rewind every weight to its value in `init` (batch norm included), apply the
//            mask, train with the mask kept -> accuracy_rewind.
//            random: `reinit` (another seed's initialization) with the same mask, trained the
//            same way -> accuracy_reinit.
// With the tiny budgets of a test or the page the gap is small and noisy; the curves are the
// point: how fast each arm degrades with sparsity.
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

struct lottery_options {
    int rounds = 3;        // pruning rounds after the dense one (1..20)
    double rate = 0.5;     // fraction of the remaining weights pruned per round, (0, 1)
    bool global = false;   // one threshold across layers instead of per layer
    mask_options select;   // which layers (skip_*)
    train::train_options train;  // max_steps per training run (>= 1), batch, lr, optimizer, limit, seed
    int eval_limit = 500;  // test images per evaluation (0: all)
};
std::string check_options(const lottery_options& o);

struct lottery_round {
    int round = 0;
    double sparsity = 0.0;          // of the prunable weights (measured)
    // -1 until that arm is trained and evaluated.
    double accuracy_rewind = -1.0;  // the ticket: init weights under the mask, trained
    double accuracy_reinit = -1.0;  // random re-initialization under the mask (round 0: none)
    double final_loss_rewind = 0.0, final_loss_reinit = 0.0;  // mean of the last tenth of steps
    std::vector<float> loss_rewind, loss_reinit;              // every step
};
struct lottery_result {
    std::vector<lottery_round> rounds;  // round 0 (dense) first
    int n = 0;                          // test images per evaluation
    double seconds = 0.0;
};

class lottery_run {
public:
    lottery_run();
    ~lottery_run();
    lottery_run(const lottery_run&) = delete;
    lottery_run& operator=(const lottery_run&) = delete;
    // init and reinit: the same architecture from two seeds. Keeps pointers to train and test.
    std::string start(const engine::model& init, const engine::model& reinit, const data::dataset& train,
                      const data::dataset& test, const lottery_options& o);
    bool step();
    bool done() const;
    double fraction_done() const;
    const lottery_result& result() const;
    // Where the run is: the round, the arm (0: the rewound ticket, or round 0's dense model;
    // 1: the random re-initialization), whether its test evaluation is under way, and the
    // training loss of its steps so far.
    int current_round() const;
    int current_arm() const;
    bool evaluating() const;
    const std::vector<float>& current_loss() const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

lottery_result run_lottery(const engine::model& init, const engine::model& reinit, const data::dataset& train,
                           const data::dataset& test, const lottery_options& o, std::string* error,
                           const std::function<bool(double)>& progress_cb = {});

}  // namespace es::prune
