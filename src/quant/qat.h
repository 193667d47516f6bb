// qat: quantization-aware training (QAT) of a trained model: fine-tuning with fake
// quantization in the forward pass and the straight-through estimator (STE) in the backward
// pass, so the weights learn around the rounding the integer engine will do.
//
//   es::quant::qat_options o;  o.q.weight_bits = 4;  o.steps = 300;
//   auto r = es::quant::run_qat(trained, train_set, o, nullptr);     // calibrate, then fine-tune
//   auto sim = es::quant::evaluate_fake_quant(r.trained, test_set);   // simulated quantization
//   auto q = es::quant::to_quantized(r.trained, images, 256, &err);   // for the integer engine
//   auto i8 = es::quant::evaluate_int8(*q, test_set);                 // src/quant/ptq.h
//
// Conventions:
//   graph        The trained (un-optimized) model becomes int8_graph(trained) (calibrate.h):
//                engine::optimize() folds batch norm into the conv weights and biases and fuses
//                ReLU/ReLU6 (clamps), and hard-swish / hard-sigmoid / sigmoid are split off into
//                their own nodes, as the integer engine computes them (a lookup table from a
//                separately quantized pre-activation). QAT fine-tunes exactly this graph: conv,
//                fc and SE weights and biases; no batch norm is left.
//   weights      Float master weights are kept. Before every forward pass each conv, fc and
//                SE weight tensor is written into the graph as fake_quant_weights(master)
//                (qparams.h: symmetric, per output channel unless per_channel = false,
//                restricted range [-(2^(b-1)-1), 2^(b-1)-1] unless restricted = false, at
//                weight_bits), the scale taken from the current masters. Biases stay float
//                (the engine stores them in int32 at S_in * S_w). The gradient with respect to
//                the fake-quantized weights is applied to the masters (STE, identity: with the
//                scale from max |w| no weight is ever clamped).
//   activations  Every tensor t with param_source(graph)[t] == t is fake-quantized right after
//                the step that writes it (train_graph's tensor_hook; the input image included,
//                softmax outputs never, split/shuffle/max-pool outputs share their input's grid)
//                with act_params(lo, hi, act_bits) (asymmetric, the range widened to contain 0).
//                [lo, hi] is an exponential moving average of each training batch's min and max:
//                r = m r + (1 - m) r_batch with m = ema_momentum (0.99, PyTorch's
//                MovingAverageMinMaxObserver), updated before the batch is quantized. It
//                starts from a calibration pass: calib_batches batches of training images
//                (no augmentation) through the float model, the mean of their batch min and
//                max (with calib_batches = 0, from the first training batch).
//   STE          Backward, before a quantized tensor's producer reads its gradient:
//                clipped (default): zero where the forward clamped (round(x/S) + Z outside
//                [q_min, q_max]), identity elsewhere; identity: the gradient unchanged.
//   not simulated  Inside an SE block (pooled, hidden, gate) values stay float; the integer
//                engine quantizes them with calibrated (pooled, hidden) or fixed (gate) ranges.
//                Biases are float. Fake quantization rounds each layer's float result where
//                the engine requantizes an int32 accumulator: the two can differ by one step.
//   schedule     SGD (momentum 0.9, Nesterov) or Adam over the masters, cosine decay from lr to
//                0 over the steps, no warm-up; random crops and flips as in training.
//
// Saving and loading: src/quant/qat_file.h.
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "quant/calibrate.h"
#include "quant/ptq.h"
#include "quant/qparams.h"
#include "quant/qsession.h"
#include "train/augment.h"
#include "train/graph.h"
#include "train/trainer.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::quant {

enum class ste_mode { clipped, identity };
std::string_view ste_name(ste_mode s);  // "clipped", "identity"
std::optional<ste_mode> parse_ste(std::string_view s);

struct qat_options {
    ptq_options q;                   // weight_bits, act_bits, per_channel, restricted
    ste_mode ste = ste_mode::clipped;
    int steps = 300;                 // optimizer steps (>= 1)
    int batch = 32;
    float lr = 1e-4f;                // peak learning rate (cosine decay to 0)
    std::string optimizer = "adam";  // "adam" or "sgd" (momentum 0.9, Nesterov)
    float weight_decay = 0.0f;
    float ema_momentum = 0.99f;      // activation ranges: r = m r + (1 - m) r_batch
    int calib_batches = 8;           // batches of the calibration pass (0: start from the first training batch)
    std::uint64_t seed = 1;          // shuffling, augmentation
    int limit = 0;                   // train on the first `limit` images only (0: all)
    train::augment_options augment;  // random crops and flips, as training
};
// "" when the options are valid, else which one is not (and why).
std::string check_options(const qat_options& o);
// The learning rate the CLI uses when none is given: coarser grids need larger steps to move
// a weight across a rounding boundary. Adam: 1e-5 at 6-8 weight bits, 1e-4 at 3-5, 1e-3 at 2;
// SGD: 1e-5 at 6-8, 1e-3 at 2-5 (a 200-step sweep on tiny_mobilenet_v2, docs/BENCHMARKS.md;
// without batch norm the folded graph takes far smaller plain-gradient steps than training).
double default_lr(int weight_bits, const std::string& optimizer);

// A quantization-aware-trained (or only calibrated) model.
struct qat_model {
    engine::model graph;        // int8_graph(trained): float master weights
    ptq_options q;              // how it is quantized
    std::vector<range> ranges;  // by tensor id of `graph`; meaningful where param_source(graph)[t] == t
};

// The tensors that carry their own quantization parameters (param_source(g)[t] == t), in id order.
std::vector<int> quantized_tensors(const engine::model& g);

// A weight tensor that is quantized: `cout` rows of `per` floats at weights[off].
struct weight_slice {
    std::size_t off = 0;
    int cout = 0, per = 0;
};
// Conv and fc weights ([cout][kh][kw][cin/g], [cout][in]) and an SE block's two FC weights
// ([squeeze][C], [C][squeeze]), in node order. Biases are not quantized.
std::vector<weight_slice> weight_slices(const engine::model& g);
// out = master with every weight slice fake-quantized (fake_quant_weights with
// weight_params(master slice, ...)); other floats copied. out is resized to master's size.
void fake_quant_model_weights(const engine::model& g, const ptq_options& q, const std::vector<float>& master,
                              std::vector<float>& out);
// m.graph with its weights fake-quantized: the float model whose weights are exactly what the
// integer engine stores (times their scales).
engine::model fake_quantized_graph(const qat_model& m);
// act_params() of tensor t's range (t must have param_source == t).
tensor_q activation_params(const qat_model& m, int t);

// The hook that fake-quantizes activations (see the conventions above), for a train_graph
// over `g`. It observes and quantizes every tensor with param_source(g)[t] == t.
class fake_quant_hook : public train::tensor_hook {
public:
    enum class phase {
        calibrate,  // observe only: ranges = mean of the batch min / max; values untouched
        train,      // update the moving averages, fake-quantize, remember the clamp masks (clipped STE)
        apply,      // fake-quantize with the ranges as they are (evaluation)
    };
    fake_quant_hook(const engine::model& g, int act_bits, ste_mode ste, float momentum);
    void set_phase(phase p) { phase_ = p; }
    phase current_phase() const { return phase_; }
    // By tensor id; `observed(t)` says whether t's range was ever set.
    const std::vector<range>& ranges() const { return ranges_; }
    void set_ranges(std::vector<range> r);
    bool observed(int t) const { return seen_[static_cast<std::size_t>(t)] > 0; }
    // Values clamped by the last forward pass in the train phase, and values quantized.
    std::size_t clamped() const { return clamped_; }
    std::size_t quantized() const { return quantized_; }

    bool wants(int t) const override { return mine_[static_cast<std::size_t>(t)] != 0; }
    void forward(int t, float* values, std::size_t count, bool training) override;
    void backward(int t, float* grad, std::size_t count) override;

private:
    std::vector<unsigned char> mine_;
    std::vector<range> ranges_;
    std::vector<long long> seen_;  // batches observed
    std::vector<std::vector<std::uint8_t>> mask_;
    int bits_;
    ste_mode ste_;
    float momentum_;
    phase phase_ = phase::apply;
    std::size_t clamped_ = 0, quantized_ = 0;
};

struct qat_progress {
    long long step = 0, steps_total = 0;
    int calib_done = 0, calib_total = 0;
    double loss = 0.0, accuracy = 0.0;  // running means since the last history entry
    double lr = 0.0, images_per_s = 0.0, eta_s = 0.0;
    double clamped_fraction = 0.0;      // of the activation values quantized in the last step
};

struct qat_history {  // one entry per `report_every` steps (and the last)
    long long step = 0;
    double loss = 0.0, accuracy = 0.0, lr = 0.0, clamped_fraction = 0.0, seconds = 0.0;
};

// QAT one step at a time, for callers that must keep drawing frames (the page). run_qat()
// is this loop.
//
//   es::quant::qat_trainer t;
//   if (auto e = t.start(trained, train_set, o); !e.empty()) fail(e);
//   while (!t.done()) { t.step(); draw(t.status()); }
//   auto m = t.model();
class qat_trainer {
public:
    qat_trainer();
    ~qat_trainer();
    qat_trainer(const qat_trainer&) = delete;
    qat_trainer& operator=(const qat_trainer&) = delete;

    // Builds int8_graph(trained) and plans training; "" or why it cannot (options, an empty
    // training set, images that do not fit the model).
    std::string start(const engine::model& trained, const data::dataset& train, const qat_options& o);
    // One calibration batch while calibrating, else one optimizer step. False once done.
    bool step();
    bool done() const;
    bool calibrating() const;
    const qat_progress& status() const;
    const std::vector<float>& step_loss() const;      // per optimizer step, on the fake-quantized model
    const std::vector<float>& step_accuracy() const;
    const std::vector<qat_history>& history() const;
    double seconds() const;
    // The model so far: master weights and ranges (after calibration: the PTQ starting point).
    qat_model model() const;

    long long report_every() const;  // steps per history entry: max(1, steps / 20)

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

struct qat_result {
    std::string error;         // empty on success ("cancelled" when the callback stopped it)
    qat_model calibrated;      // after calibration, before any step (fake-quant PTQ)
    qat_model trained;         // after the fine-tuning
    std::vector<qat_history> history;
    double seconds = 0.0;
};
// Calibrates and fine-tunes. `progress_cb` (may be empty) is called after every step
// (calibration included); returning false cancels.
qat_result run_qat(const engine::model& trained, const data::dataset& train, const qat_options& o,
                   const std::function<bool(const qat_progress&)>& progress_cb);

// Simulated quantization: the float graph with fake-quantized weights and every quantized
// tensor fake-quantized with its range (no range updates), one batch per step().
class qat_evaluator {
public:
    // Keeps a pointer to `d`: it must outlive the evaluator. "" or why the model cannot run.
    std::string start(const qat_model& m, const data::dataset& d, int limit = 0, int batch = 50);
    bool step();
    bool done() const { return next_ >= n_; }
    int evaluated() const { return next_; }
    int total() const { return n_; }
    train::eval_result result() const;

private:
    train::train_graph g_;
    std::unique_ptr<fake_quant_hook> hook_;
    const data::dataset* d_ = nullptr;
    std::vector<float> input_;
    int n_ = 0, next_ = 0, batch_ = 50, right_ = 0, classes_ = 0;
    train::eval_result r_;
    std::array<int, 10> count_{};
};
train::eval_result evaluate_fake_quant(const qat_model& m, const data::dataset& d, int limit = 0, int batch = 50);

// For the integer engine (qsession, evaluate_int8): the graph with its master weights (the
// engine quantizes them exactly as fake_quant_model_weights does), the QAT ranges, and the
// ranges inside SE blocks (which QAT does not simulate) calibrated by min/max on `count`
// normalised images through the fake-quantized graph.
std::optional<quantized> to_quantized(const qat_model& m, const float* images, int count, std::string* error);

}  // namespace es::quant
