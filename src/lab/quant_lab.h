// quant_lab: the state behind the Quantization panel's model tab, without drawing (tested
// natively). It quantizes a shipped tiny model after training (PTQ) with the settings the
// student picks, then runs one job in frame-sized slices: evaluate FP32 and INT8 on the
// page's 2,000 test images, and time both engines at batch 1 after warm-up. It also holds
// what the panel draws: per-layer SQNR, weight and activation histograms against the
// quantization grid, and one integer convolution output worked through with its numbers.
//
//   es::lab::quant_lab q;
//   q.load_data();
//   q.configure({.model = "tiny_mobilenet_v2", .weight_bits = 8});   // calibrates (a few hundred ms)
//   q.start();  while (q.tick(8.0)) {}                                // accuracy, then latency
//   q.results().int8_accuracy ...
//   q.trace(layer, y, x, channel);                                     // int8 x int8 -> int32 -> int8
//   q.start_qat({.steps = 100});  while (q.tick(8.0)) {}               // short QAT here, then its INT8 accuracy
//
// The QAT job fine-tunes the loaded model at the chosen bits (src/quant/qat.h: fake
// quantization, straight-through estimator) one optimizer step per slice, then quantizes the
// result for the integer engine and evaluates it on the same 2,000 test images (and the PTQ
// model at the same settings and the float model, when they were not measured yet), so FP32,
// PTQ and QAT stand side by side.
#pragma once

#include "data/fashion_mnist.h"
#include "engine/session.h"
#include "quant/ptq.h"
#include "quant/qat.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::lab {

struct quant_settings {
    std::string model = "tiny_mobilenet_v2";
    int weight_bits = 8, act_bits = 8;
    bool per_channel = true, restricted = true;
    quant::calib_method calib = quant::calib_method::minmax;
    int calib_images = 256;
    double percentile = 99.99;
};

struct quant_results {
    std::optional<double> fp32_accuracy, int8_accuracy;
    int evaluated = 0;                            // test images done so far (INT8)
    std::optional<double> fp32_ms, int8_ms;      // batch-1 medians, same window
    std::size_t fp32_bytes = 0, int8_bytes = 0;  // weights as each engine stores them
    std::vector<double> fp32_samples, int8_samples;
};

// The page's short QAT fine-tune (the bits and conventions are the PTQ settings').
struct qat_lab_settings {
    int steps = 100;
    int batch = 16;
    double lr = 0;  // 0: quant::default_lr(weight_bits, "adam")
    quant::ste_mode ste = quant::ste_mode::clipped;
};

struct qat_lab_results {
    int weight_bits = 0, act_bits = 0;  // what it was trained for
    long long step = 0, steps = 0;
    int calib_done = 0, calib_total = 0;
    std::vector<float> loss, accuracy;  // per optimizer step (fake-quantized model, training batches)
    double seconds = 0;                 // training time
    int evaluated = 0;                  // test images done so far (QAT model on the integer engine)
    std::optional<double> accuracy_int8;
    std::size_t bytes = 0;              // the QAT model's stored weights (integer engine)
};

// One output of an integer conv/fc worked through.
struct conv_trace {
    std::string layer;
    int node = 0, y = 0, x = 0, channel = 0;
    float s_in = 0, s_w = 0, s_out = 0;
    std::int32_t zp_in = 0, zp_out = 0;
    std::vector<std::int8_t> xq, wq;  // the window's inputs and weights (taps over padding: skipped)
    std::vector<std::int32_t> products;
    std::int32_t bias = 0, sum = 0, acc = 0;
    kernels::requant rq;
    double m_real = 0;            // S_in S_w / S_out
    std::int32_t scaled = 0;      // requantize(acc)
    std::int32_t out_q = 0;       // clamp(scaled + Z_out)
    std::int8_t lo = -128, hi = 127;
    std::int32_t engine_q = 0;    // what the engine stored there (must equal out_q)
    float real_float = 0;         // the float model's value at that position
};

struct histogram {
    float lo = 0, hi = 0;
    std::vector<int> counts;
};

class quant_lab {
public:
    std::string load_data();
    bool has_data() const { return test_.has_value() && train_.has_value(); }

    // Loads the model if it changed and quantizes it (calibration); cancels a running job.
    std::string configure(const quant_settings& s);
    const quant_settings& settings() const { return settings_; }
    bool ready() const { return q_.has_value(); }
    const quant::quantized& quantized() const { return *q_; }

    std::string start();   // evaluation, then latency
    // QAT fine-tune at the current settings, then its evaluation on the integer engine.
    std::string start_qat(const qat_lab_settings& s);
    const qat_lab_settings& qat_settings() const { return qat_settings_; }
    const qat_lab_results& qat_results() const { return qres_; }
    void cancel();
    bool tick(double budget_ms);
    bool busy() const { return phase_ != phase::idle; }
    const char* phase_name() const;
    double progress() const;
    const std::string& message() const { return message_; }
    const quant_results& results() const { return res_; }

    // Per-layer SQNR on 8 calibration images (computed by configure()).
    const std::vector<quant::layer_error>& errors() const { return errors_; }
    // Layers with weights (conv/fc of the int8 graph), for the pickers: node indices.
    const std::vector<int>& weight_layers() const { return weight_layers_; }
    // Float weights of a layer's output channel (or all channels when channel < 0), and the
    // grid it is quantized to (S_w of that channel; per tensor: the layer's).
    histogram weight_histogram(int node, int channel, int bins) const;
    float weight_scale(int node, int channel) const;
    // Float activations of a tensor on the first calibration image(s), and its parameters.
    histogram activation_histogram(int tensor, int bins) const;

    // Works through output (y, x, channel) of conv/fc node `node` on test image `image`.
    std::optional<conv_trace> trace(int node, int image, int y, int x, int channel, std::string* error) const;

    nlohmann::json state_json() const;

private:
    enum class phase { idle, eval_fp32, eval_int8, warmup, timing, qat_train, qat_eval, qat_eval_ptq, qat_eval_fp32 };
    void qat_next_eval();  // after the QAT model: PTQ, then FP32, when not measured yet
    std::optional<data::dataset> test_, train_;
    quant_settings settings_;
    std::string loaded_;
    std::optional<engine::model> model_;
    std::optional<quant::quantized> q_;
    std::vector<quant::layer_error> errors_;
    std::vector<int> weight_layers_;
    std::vector<float> act_sample_;  // float activations of every tensor on 4 calibration images
    std::vector<std::size_t> act_off_;
    std::vector<std::size_t> act_len_;

    phase phase_ = phase::idle;
    std::string message_;
    quant_results res_;
    std::optional<double> fp32_cached_;  // FP32 accuracy of the loaded model (does not change with settings)
    train::evaluator fev_;
    quant::qevaluator qev_;
    std::unique_ptr<engine::session> fs_;
    std::unique_ptr<quant::qsession> qs_;
    int timing_runs_ = 0, warm_runs_ = 0, reps_ = 1;
    double warm_pair_ms_ = 0;
    double warm_start_ = 0;
    qat_lab_settings qat_settings_;
    qat_lab_results qres_;
    std::unique_ptr<quant::qat_trainer> qat_;
    std::optional<quant::quantized> qat_q_;
};

}  // namespace es::lab
