// prune/sensitivity: per-layer sensitivity scan. For each prunable layer alone, the accuracy of
// the trained model with only that layer magnitude-pruned to each level (no fine-tuning), on a
// test subset. Layers whose curve falls early are the ones to prune least (or to leave dense).
//
//   es::prune::sensitivity_scan s;
//   if (auto e = s.start(trained, test_set, {}); !e.empty()) fail(e);
//   while (!s.done()) { s.step(); draw(s.result()); }   // one test batch per step
//
// Evaluation 0 is the dense model, shared by every layer's level 0; then each (layer, level > 0).
// A step evaluates one batch of one of them, so a page can run the scan in frame-sized slices.
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "prune/masks.h"
#include "train/trainer.h"

#include <string>
#include <vector>

namespace es::prune {

struct sensitivity_options {
    std::vector<double> levels = {0.0, 0.25, 0.5, 0.7, 0.9};  // each in [0, 1), increasing
    int eval_limit = 500;   // first N test images (0: all)
    int batch = 100;
    mask_options select;    // which layers (skip_*); how and sparsity are ignored (layer-wise magnitude)
};
// "" or what is wrong (a level outside [0, 1), levels not increasing or empty, eval_limit < 0).
std::string check_options(const sensitivity_options& o);

struct sensitivity_row {
    std::string layer, kind;
    std::size_t count = 0;
    std::vector<double> accuracy;  // by level; filled as the scan goes (NaN until evaluated)
};
struct sensitivity_result {
    std::vector<double> levels;
    double dense_accuracy = 0.0;
    int n = 0;  // test images per evaluation
    std::vector<sensitivity_row> rows;
};

class sensitivity_scan {
public:
    // Keeps a pointer to `test`: it must outlive the scan. "" or why not.
    std::string start(const engine::model& trained, const data::dataset& test, const sensitivity_options& o);
    bool step();  // the next test batch; false when all are done
    bool done() const { return next_ >= total_; }
    int evaluated() const { return next_; }  // finished evaluations
    int total() const { return total_; }
    double fraction_done() const;            // batches included
    const sensitivity_result& result() const { return r_; }

private:
    engine::model m_;
    const data::dataset* d_ = nullptr;
    sensitivity_options o_;
    std::vector<layer> layers_;
    sensitivity_result r_;
    int next_ = 0, total_ = 0;
    train::evaluator ev_;  // of evaluation next_, while `evaluating_`
    bool evaluating_ = false;
    std::string begin(int k);  // starts evaluation k (or records a shared level 0)
};

sensitivity_result run_sensitivity(const engine::model& trained, const data::dataset& test,
                                   const sensitivity_options& o, std::string* error);

}  // namespace es::prune
