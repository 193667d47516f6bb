// ptq: post-training quantization of a trained model, its evaluation on the integer engine,
// and per-layer quantization error.
//
//   auto q = es::quant::quantize_ptq(trained, train_set, 256, {}, {}, &err);   // BN folded, calibrated
//   auto r = es::quant::evaluate_int8(*q, test_set);                          // accuracy like train::evaluate
//   auto e = es::quant::layer_errors(*q, images, 8);                          // SQNR per layer
//
// Named variants (the CLI's --variant):
//   int8             8-bit weights per output channel ([-127, 127]), 8-bit asymmetric activations,
//                    min/max calibration on the first 256 images of the page's training subset
//                    (the first 600 of each class, in dataset order)
//   int8-per-tensor  the same with one weight scale per layer
#pragma once

#include "data/fashion_mnist.h"
#include "quant/calibrate.h"
#include "quant/qsession.h"
#include "train/trainer.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::quant {

struct quantized {
    engine::model graph;  // int8_graph(trained)
    calibration cal;
    ptq_options opt;
};

struct variant_spec {
    ptq_options opt;
    calib_options calib;
    int calib_images = 256;
};
// "int8", "int8-per-tensor"; nullopt for other names.
std::optional<variant_spec> ptq_variant(std::string_view name);

// Calibrates on the first `calib_images` images of `calib_set` (normalised as in training).
std::optional<quantized> quantize_ptq(const engine::model& trained, const data::dataset& calib_set, int calib_images,
                                      const calib_options& c, const ptq_options& o, std::string* error);

// train::evaluator's twin on the integer engine: one batch per step() (the page runs a batch a frame).
class qevaluator {
public:
    std::string start(const quantized& q, const data::dataset& d, int limit = 0, int batch = 100);
    bool step();
    bool done() const { return next_ >= n_; }
    int evaluated() const { return next_; }
    int total() const { return n_; }
    train::eval_result result() const;

private:
    const data::dataset* d_ = nullptr;
    std::unique_ptr<qsession> full_, tail_;
    int n_ = 0, next_ = 0, batch_ = 100;
    train::eval_tally tally_;
};

train::eval_result evaluate_int8(const quantized& q, const data::dataset& d, int limit = 0, int batch = 100);

// Signal-to-quantization-noise ratio of each parameter-carrying tensor: the float graph and
// the integer engine run on the same images; SQNR = 10 log10(sum r^2 / sum (r - S (q - Z))^2)
// in dB (higher is better; about 6 dB per bit for a well-used grid). The error accumulates:
// each layer's int8 input already carries the earlier layers' error.
struct layer_error {
    int node = 0, tensor = 0;
    std::string name, type;
    double sqnr_db = 0.0;
    double scale = 0.0;
    int zero_point = 0;
};
std::vector<layer_error> layer_errors(const quantized& q, const float* images, int count, std::string* error);

// Normalised float images (training normalisation) of the first `count` images of d.
std::vector<float> normalised_images(const data::dataset& d, int first, int count);

}  // namespace es::quant
