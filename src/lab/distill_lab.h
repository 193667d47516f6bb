// distill_lab: knowledge distillation run side by side (study sheet §4.1). A student network
// is trained twice from the same initialization on the same batches: once on the hard labels
// only, once with the distillation loss against a trained teacher (softened targets at
// temperature T, the T² factor, alpha mixing in the hard labels; train::distillation_loss).
// Both are tested on the same images every few steps, so the curves compare like with like.
// It also shows the teacher's softened distribution of chosen images (dark knowledge).
//
//   es::lab::distill_job j;
//   j.start({.teacher = "tiny_shufflenet_v2", .student = "tiny_mobilenet_v2", .student_width = 0.25});
//   while (j.tick(12.0)) draw(j.result());      // a training step of each arm, or a test batch
//   j.soft_targets(image, 4.0);                  // the teacher's softmax(z / 4) of a test image
//
// Runs on the page's data (2,000 test images, 6,000 training images) natively and in the page.
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::lab {

struct distill_settings {
    std::string teacher = "tiny_shufflenet_v2";  // a shipped (trained) model
    std::string student = "tiny_mobilenet_v2";   // a tiny preset's architecture, fresh weights
    double student_width = 0.25;                 // the student's width multiplier
    int steps = 300;                             // per arm
    int batch = 32;
    double lr = 0.05;
    double temperature = 4.0;
    double alpha = 0.9;                          // weight of the soft term
    int seed = 1;                                // initialization and batches (both arms)
    int eval_every = 50;                         // steps between test evaluations
    int eval_limit = 500;                        // test images per evaluation (first N of 2,000)
    int train_limit = 6000;
};

struct distill_point {
    int step = 0;
    double accuracy_kd = 0, accuracy_scratch = 0;
};

struct distill_result {
    double teacher_accuracy = -1;       // on the same test images (-1 until measured)
    std::size_t teacher_params = 0, student_params = 0;
    std::uint64_t teacher_macs = 0, student_macs = 0;
    std::vector<float> loss_kd, loss_scratch;         // per step (kd: the distillation loss)
    std::vector<float> train_acc_kd, train_acc_scratch;
    std::vector<distill_point> curve;                 // test accuracy every eval_every steps and at the end
    int n = 0;                                        // test images per evaluation
    double seconds = 0;
    bool finished = false;
};

// "" or what is wrong with the settings (before anything is loaded).
std::string check_settings(const distill_settings& s);

class distill_job {
public:
    distill_job();
    ~distill_job();
    std::string load_data();
    // Loads the teacher, builds the student, starts both arms; "" or why not (nothing changes).
    std::string start(const distill_settings& s);
    void cancel();
    bool tick(double budget_ms);
    bool busy() const;
    double progress() const;
    const std::string& message() const { return message_; }
    const distill_settings& settings() const { return settings_; }
    const distill_result& result() const { return r_; }

    // The teacher's logits z of test image `image` (10 values), and its softmax(z / T); empty
    // (and *error) when the teacher cannot be loaded, the image is out of range or T is not in
    // (0, 100]. Loads the teacher when needed.
    std::vector<float> teacher_logits(const std::string& teacher, int image, std::string* error);
    std::vector<double> soft_targets(const std::string& teacher, int image, double temperature, std::string* error);
    const data::dataset* test_set() const;

    nlohmann::json state_json() const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
    distill_settings settings_;
    distill_result r_;
    std::string message_;
};

nlohmann::json to_json(const distill_result& r);

}  // namespace es::lab
