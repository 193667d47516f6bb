// batch_lab: batch size, measured (study sheet §4.2). One architecture from one initialization
// trained for the same number of epochs three ways: a small batch at the base learning rate, a
// large batch at the same rate, and a large batch with the rate scaled linearly by
// large / small (Goyal et al. 2017). For each: training loss, test accuracy and time per epoch
// (only the training steps are timed), then a sharpness probe: the training loss at weights
// moved a growing distance along random directions, filter-normalized as in Li et al. 2018
// (each conv/fc filter's direction scaled to that filter's norm), averaged over directions. A
// loss that rises sooner marks a sharper minimum.
//
//   es::lab::batch_job j;
//   j.start({.model = "tiny_mobilenet_v3"});
//   while (j.tick(12.0)) draw(j.result());   // a training step, a test batch or a probe batch per call
//
// Runs on the page's data (2,000 test and 6,000 training images), natively and in the page.
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::lab {

struct batch_settings {
    std::string model = "tiny_mobilenet_v3";  // a tiny preset: its architecture, fresh weights
    int small_batch = 16, large_batch = 256;
    double lr = 0.02;                          // the small batch's peak learning rate (SGD)
    int epochs = 2;
    int train_limit = 3000;                    // first N of the page's 6,000 training images
    int eval_limit = 500;                      // test images per evaluation
    int seed = 1;
    std::vector<double> radii = {0.0, 0.025, 0.05, 0.1, 0.15, 0.2};  // filter-normalized step sizes
    int directions = 2;
    int probe_images = 300;                    // training images the probe's loss is measured on
};
std::string check_settings(const batch_settings& s);

struct batch_epoch {
    int epoch = 0;
    double train_loss = 0;      // mean over the epoch's steps
    double test_accuracy = 0;
    double seconds = 0;         // training steps only
};

struct batch_arm {
    std::string name;           // "small", "large", "large_scaled"
    int batch = 0;
    double lr = 0;
    long long steps = 0;        // in all
    std::vector<float> step_loss;
    std::vector<batch_epoch> epochs;
    std::vector<double> sharpness;  // mean training loss at each radius (filled by the probe)
};

struct batch_result {
    std::vector<batch_arm> arms;
    std::vector<double> radii;
    int n = 0, probe_n = 0;
    double seconds = 0;
    bool finished = false;
};

// The training loss (softmax cross-entropy, mean) of `m` on the first `limit` images of `d`.
double dataset_loss(const engine::model& m, const data::dataset& d, int limit);
// `m` with every conv/fc filter moved by radius · |filter| along a random unit direction
// (one direction per seed).
engine::model perturb_filters(const engine::model& m, double radius, std::uint64_t seed);

class batch_job {
public:
    batch_job();
    ~batch_job();
    std::string load_data();
    std::string start(const batch_settings& s);  // "" or why not (nothing changes then)
    void cancel();
    bool tick(double budget_ms);
    bool busy() const;
    double progress() const;
    const std::string& message() const { return message_; }
    const batch_settings& settings() const { return settings_; }
    const batch_result& result() const { return r_; }
    nlohmann::json state_json() const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
    batch_settings settings_;
    batch_result r_;
    std::string message_;
};

nlohmann::json to_json(const batch_result& r);

}  // namespace es::lab
