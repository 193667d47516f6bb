// ofa_lab: Once-for-All, searched (study sheet §4.3). The shipped supernet (src/nas) is trained
// once; here its sub-networks are taken out without any training, each one's batch norm
// recalibrated on a few training images, its accuracy tested and its real batch-1 latency
// measured on this machine (wasm in the page). Then two searches look for the most accurate
// sub-network under a latency budget, each allowed the same number of tested sub-networks:
//   - random: draw sub-networks uniformly, keep those within the budget;
//   - evolution: a random first population, then children of the best (crossover of two
//     parents, then each gene mutated with a small probability), within the budget.
// Every measured sub-network goes into one accuracy–latency scatter with its Pareto front.
//
//   es::lab::ofa_job j;
//   j.start({.samples = 10, .budget_ms = 0 /* the sampled median */});
//   while (j.tick(12.0)) draw(j.result());   // one unit per call: a latency run, a BN batch, a test batch
//   j.measure("d1,2,2-k3,...-e4,...");        // a sub-network the user picked (after the job)
//
// Runs on the page's data (2,000 test, 6,000 training images), natively and in the page.
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "nas/ofa.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::lab {

struct ofa_settings {
    std::string supernet = "ofa_mobilenet_v2";  // the shipped supernet, or a supernet file's path
    int samples = 10;         // random sub-networks for the scatter (besides the largest and the smallest)
    double budget_ms = 0;     // the searches' latency budget; 0: the median latency of the sampled ones
    int evals = 12;           // sub-networks each search may test (over-budget draws are not tested)
    int population = 6;       // evolution: the random first generation
    double mutate = 0.2;      // evolution: probability that a gene is redrawn
    int recal_images = 500;   // training images for batch-norm recalibration (first N of 6,000, whole batches of 25)
    int eval_limit = 500;     // test images per sub-network (first N of 2,000)
    int latency_runs = 15;    // timed batch-1 samples per sub-network (median), after warm-up; each
                              // sample is the mean of as many runs as span about 4 ms
    int seed = 1;
    bool search = true;       // false: only the sampled scatter
};
std::string check_settings(const ofa_settings& s);

struct ofa_point {
    std::string config;       // nas::config_text
    std::string source;       // "largest", "smallest", "sample", "random", "evolution", "manual"
    double accuracy = -1;     // on the first eval_limit test images, after recalibration
    double latency_ms = 0;    // batch 1: median of latency_runs samples
    std::uint64_t macs = 0;
    std::size_t params = 0;
};

struct ofa_search {
    std::string name;              // "random", "evolution"
    std::vector<int> tested;       // indices into ofa_result::points, in order
    std::vector<double> best;      // best accuracy within the budget after each test
    int best_point = -1;
    int over_budget = 0;           // draws measured over the budget (not tested)
};

struct ofa_result {
    std::vector<ofa_point> points;  // every tested sub-network, in order
    std::vector<int> pareto;        // the accuracy-latency front: indices, by latency
    double budget_ms = 0;           // the budget in force (set after sampling when 0 was asked)
    std::vector<ofa_search> searches;
    std::vector<int> manual;        // the points the user asked for (measure()), in order
    int n = 0, recal_n = 0;         // test / recalibration images
    std::uint64_t supernet_params = 0;
    nlohmann::json training;        // the supernet file's training report (may be null)
    double seconds = 0;
    bool finished = false;
};

// Indices of the points no other point beats on both accuracy and latency, by latency.
std::vector<int> pareto_front(const std::vector<ofa_point>& pts);
// Evolution's child: per gene from parent a or b (coin flips), then each gene redrawn with
// probability `mutate`; always a valid config of the space.
nas::ofa_config crossover_mutate(const nas::ofa_space& s, const nas::ofa_config& a, const nas::ofa_config& b,
                                 double mutate, std::uint64_t seed);

class ofa_job {
public:
    ofa_job();
    ~ofa_job();
    std::string load_data();
    std::string start(const ofa_settings& s);  // "" or why not (nothing changes then)
    void cancel();
    bool tick(double budget_ms);
    bool busy() const;
    double progress() const;
    const std::string& message() const { return message_; }
    const ofa_settings& settings() const { return settings_; }
    const ofa_result& result() const { return r_; }
    // The supernet's space (after start; the default space before).
    const nas::ofa_space& space() const;
    // Queues one sub-network the user picked; "" or why not (a bad config, nothing loaded).
    // It is tested like the others on the next ticks (source "manual").
    std::string measure(const std::string& config);
    nlohmann::json state_json() const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
    ofa_settings settings_;
    ofa_result r_;
    std::string message_;
};

nlohmann::json to_json(const ofa_result& r);

}  // namespace es::lab
