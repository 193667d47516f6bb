// prune_lab: the jobs behind the Pruning panel's Sensitivity and Lottery tabs, without drawing
// (tested natively). Each runs in frame-sized slices (tick) on the page's data: the 2,000-image
// test subset and the 6,000-image training subset.
//
//   es::lab::prune_lab p;
//   p.start_sensitivity({.model = "tiny_mobilenet_v2"});   // each layer alone pruned to each level
//   while (p.tick(8.0)) draw(p.sensitivity());              // one test batch per call of the scan
//   p.start_lottery({.model = "tiny_mobilenet_v3", .rounds = 3});
//   while (p.tick(8.0)) draw(p.lottery());                  // training steps and test batches
//
// The sensitivity scan prunes a shipped (trained) model, one layer at a time, by magnitude and
// without fine-tuning (src/prune/sensitivity.h). The lottery ticket trains the architecture
// from a fresh initialization (seed) and from another seed's (seed + 1000) under the same masks
// (src/prune/lottery.h): the experiment of `edgestudy-cli prune --model M --lottery`, except that
// the page trains on its 6,000-image subset (600 per class) where the CLI takes the first
// --limit images of the full training split (the same images when --limit keeps every class
// under 600, e.g. 640).
// The two jobs are independent: one runs at a time, and each keeps its last result.
#pragma once

#include "data/fashion_mnist.h"
#include "prune/lottery.h"
#include "prune/sensitivity.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::lab {

struct sensitivity_settings {
    std::string model = "tiny_mobilenet_v2";                 // shipped model (or weights file)
    std::vector<double> levels = {0.0, 0.25, 0.5, 0.7, 0.9};  // each in [0, 1), increasing
    int eval_limit = 200;                                     // first N images of the test subset
    bool skip_depthwise = false;
};

struct lottery_settings {
    std::string model = "tiny_mobilenet_v3";  // a tiny preset: its architecture, fresh weights
    int rounds = 3;
    double rate = 0.5;
    bool global = false;
    int steps = 100;     // per training run
    int batch = 32;
    double lr = 0.05;
    int seed = 1;        // the initialization; the random re-initialization uses seed + 1000
    int eval_limit = 500;
    int train_limit = 6000;
};

class prune_lab {
public:
    prune_lab();
    ~prune_lab();
    std::string load_data();
    bool has_data() const { return test_.has_value() && train_.has_value(); }

    // Start a job (cancelling a running one). "" or why not (nothing changes then).
    std::string start_sensitivity(const sensitivity_settings& s);
    std::string start_lottery(const lottery_settings& s);
    void cancel();
    bool tick(double budget_ms);  // false when no job is running
    bool busy() const { return job_ != job::none; }
    const char* job_name() const;  // "sensitivity", "lottery" or "idle"
    double progress() const;       // of the running job
    const std::string& message() const { return message_; }

    const sensitivity_settings& sensitivity_config() const { return sens_settings_; }
    const lottery_settings& lottery_config() const { return lot_settings_; }
    // The last (or running) job's results; nullopt before the first start.
    const std::optional<prune::sensitivity_result>& sensitivity() const { return sens_; }
    const std::optional<prune::lottery_result>& lottery() const { return lot_; }
    double sensitivity_seconds() const { return sens_seconds_; }
    // The running lottery run: round, arm (0 ticket / 1 re-init), evaluating, loss so far.
    int lottery_round() const;
    int lottery_arm() const;
    bool lottery_evaluating() const;
    const std::vector<float>& lottery_loss() const;

    nlohmann::json state_json() const;

private:
    enum class job { none, sensitivity, lottery };
    std::optional<data::dataset> test_, train_;
    job job_ = job::none;
    std::string message_;
    sensitivity_settings sens_settings_;
    lottery_settings lot_settings_;
    std::unique_ptr<prune::sensitivity_scan> scan_;
    std::unique_ptr<prune::lottery_run> run_;
    std::optional<prune::sensitivity_result> sens_;
    std::optional<prune::lottery_result> lot_;
    double sens_seconds_ = 0, sens_t0_ = 0;
};

nlohmann::json to_json(const prune::sensitivity_result& r);
nlohmann::json to_json(const prune::lottery_result& r);

}  // namespace es::lab
