// compare: the side-by-side measurement behind the Results panel and `edgestudy-cli compare`:
// for each (model, variant) cell, accuracy on the page's 2,000 test images, batch-1 and
// batch-32 latency after warm-up, stored weight bytes, MACs, and the speedup a claim predicts
// against the one measured. It runs in slices (tick) so the page keeps drawing frames, can be
// cancelled, and any cell can be measured again; the results stay until the job is dropped.
//
//   es::lab::compare_job j;
//   j.start({"tiny_mobilenet_v2"}, {"fp32", "int8"}, {});
//   while (j.tick(12.0)) draw(j.progress());
//   j.rows_json();   // {"rows": [{"model", "variant", "accuracy", ...}]}
//
// Conventions (documented in README as well):
//   accuracy            on the page's test subset (200 per class), the same images natively
//                       and in the page, so the numbers are equal there
//   latency_ms_b1/_b32  median of `runs` (batch 1) and `runs_b32` (batch 32) timed samples: the
//                       whole batch's time, not per image; after warm_ms of warm-up. A batch-1
//                       sample is the mean of as many runs as span about 8 ms (browsers round
//                       their clock to 0.1 ms or coarser)
//   weight_bytes        as the engine stores the weights (api::variant_session)
//   macs                of the model the variant runs (models::analyze, paper convention)
//   predicted_speedup   what the usual claim predicts against fp32 of the same model: 1 for fp32;
//                       4 for the integer variants ("INT8 is 4x faster": four times the values per
//                       SIMD register); dense MACs / the variant's MACs otherwise
//   measured_speedup    fp32 latency (batch 1) / this cell's, same model; null until both are measured
//   pruned variants     macs counts only nonzero weights' products (what the "sparsity saves
//                       MACs" claim counts); the latency is the dense kernel's (the default
//                       engine), and with 30% zeros or more also latency_ms_b1_sparse_kernels:
//                       the same weights on the 2:4 / CSR kernels (engine::sparse_options)
//   fp32 cells, dsc_*   the depthwise-separable claim on the model's real layers
//                       (lab/dsc_probe.h): every depthwise conv + pointwise conv pair and the
//                       standard KxK conv it replaces, each timed alone at batch 1 (medians of
//                       min(runs, 15) samples, summed over the pairs); dsc_predicted_speedup =
//                       standard MACs / separable MACs, dsc_measured_speedup = standard time /
//                       separable time. A model without pairs has dsc_pairs 0 and nulls
#pragma once

#include "api/variants.h"
#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "quant/ptq.h"
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::lab {

struct compare_options {
    int runs = 30;          // batch-1 timed runs
    int runs_b32 = 5;       // batch-32 timed runs
    double warm_ms = 300;   // warm-up per cell before timing (V8 tiers hot wasm up)
    int limit = 0;          // evaluate on the first `limit` test images only (0: all 2,000)
};

enum class cell_status { pending, running, done, failed, cancelled };
const char* cell_status_name(cell_status s);

struct compare_cell {
    std::string model, variant;
    cell_status status = cell_status::pending;
    std::string phase;                 // while running: "load", "accuracy", "warmup", "batch1", "batch32"
    std::string error;                 // when failed
    std::optional<double> accuracy, latency_ms_b1, latency_ms_b32;
    std::size_t weight_bytes = 0;
    std::uint64_t macs = 0;
    double predicted_speedup = 1.0;
    std::optional<double> measured_speedup;
    int evaluated = 0;
    double sparsity = 0;                          // zero conv/fc weights (pruned variants)
    std::optional<double> latency_ms_b1_sparse;   // batch 1 on the sparse kernels (sparsity >= 0.3)
    std::size_t sparse_weight_bytes = 0;          // stored in the sparse kernels' formats
    // fp32 cells: depthwise-separable pairs against standard convs (see above).
    int dsc_pairs = 0;
    std::uint64_t dsc_macs_separable = 0, dsc_macs_standard = 0;
    std::optional<double> dsc_ms_separable, dsc_ms_standard;
};

// The claim a variant's predicted speedup comes from (see above).
double predicted_speedup(const std::string& variant, std::uint64_t dense_macs, std::uint64_t variant_macs);

// The Pareto front of (latency, accuracy) points: lower latency and higher accuracy are better.
// Indices of the points no other point beats on both (ties: the first), by rising latency.
std::vector<int> pareto_front(const std::vector<double>& latency, const std::vector<double>& accuracy);

class compare_job {
public:
    compare_job();
    ~compare_job();
    // Every model x variant; "" or why not (unknown model or variant, no data, bad options).
    // Cells already measured for the same (model, variant) are kept, not measured again.
    std::string start(const std::vector<std::string>& models, const std::vector<std::string>& variants,
                      const compare_options& o);
    // Measures cell i again (queued after the current work); "" or why not.
    std::string rerun(int i);
    void cancel();  // stops; the running cell becomes cancelled, pending ones stay pending
    bool tick(double budget_ms);
    bool busy() const;
    double progress() const;  // of the cells queued by the last start / rerun
    const std::vector<compare_cell>& cells() const { return cells_; }
    const compare_options& options() const { return opt_; }
    nlohmann::json rows_json() const;
    std::string csv() const;
    std::string markdown() const;

private:
    struct work;
    void advance();
    void finish_cell(cell_status s, const std::string& error = "");
    void update_speedups();

    compare_options opt_;
    std::vector<compare_cell> cells_;
    std::vector<int> queue_;  // cell indices still to measure
    int queued_total_ = 0;
    std::optional<data::dataset> test_, train_;
    std::unique_ptr<work> w_;  // the cell being measured
};

}  // namespace es::lab
