// qsession: integer-only inference of an INT8 graph (post-training quantization, or a
// quantization-aware-trained model): int8 activations and weights, int32 biases and
// accumulators, fixed-point requantization, clamps for ReLU/ReLU6, lookup tables for
// hard-swish / hard-sigmoid / sigmoid, rescaling add and concat, int8 shuffle and split.
// Float appears only at the boundary: the normalised image is quantized on the way in and
// the logits are dequantized on the way out.
//
//   engine::model g = es::quant::int8_graph(trained);
//   auto cal = es::quant::calibrate(g, images, 256, {}, &err);
//   es::quant::qsession q;
//   if (auto e = q.prepare(g, *cal, {}, 32); !e.empty()) fail(e);
//   std::copy(batch, batch + q.input_count(), q.input());
//   q.run();
//   const float* logits = q.output();
//
// Parameters (src/quant/qparams.h): activations asymmetric per tensor at act_bits (int8
// storage, [-2^(b-1), 2^(b-1) - 1]); weights symmetric at weight_bits, per output channel or
// per tensor, restricted ([-127, 127] at 8 bits) or full range; bias b_q = round(b / (S_in S_w)).
// Inside an SE block the pooled and hidden tensors use calibrated ranges; the gate's input
// uses the fixed range [-3, 3] (hard-sigmoid is 0 or 1 outside it; [-8, 8] for sigmoid) and
// the gate itself [0, 1] at 8 bits (S = 1/255, Z = -128): no calibration needed there.
#pragma once

#include "engine/kernels/qnn.h"
#include "engine/model.h"
#include "quant/calibrate.h"
#include "quant/qparams.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace es::quant {

struct ptq_options {
    int weight_bits = 8;       // 2..8
    int act_bits = 8;          // 2..8
    bool per_channel = true;   // weights: one scale per output channel, else one per tensor
    bool restricted = true;    // weights: [-(2^(b-1) - 1), 2^(b-1) - 1] (TFLite), else the full range
};
// "" when the options are valid, else which one is not.
std::string check_options(const ptq_options& o);

// What one layer was quantized with (for the page's tables and the step-through).
struct layer_info {
    std::string name, type;            // type as engine::session::layer_types()
    int node = 0;                      // index in the int8 graph
    float s_in = 0, s_out = 0;
    std::int32_t zp_in = 0, zp_out = 0;
    std::vector<float> s_w;            // conv/fc: per output channel
    std::vector<kernels::requant> rq;  // conv/fc: per output channel
    std::int8_t lo = -128, hi = 127;   // output clamp (fused activation and bit width)
};

class qsession {
public:
    // Validates the graph (engine::validate), the options and that every tensor has a range.
    // "" when ready.
    std::string prepare(const engine::model& graph, const calibration& cal, const ptq_options& o, int batch);

    int batch() const { return batch_; }
    engine::shape input_shape() const { return in_shape_; }    // n = batch
    engine::shape output_shape() const { return out_shape_; }  // n = batch
    std::size_t input_count() const { return in_shape_.numel(); }
    float* input() { return in_f_.data(); }               // normalised floats; quantized by run()
    const float* output() const { return out_f_.data(); }  // dequantized logits (or softmax)

    void run();

    void set_profiling(bool on) { profiling_ = on; }
    const std::vector<double>& layer_ms() const { return layer_ms_; }
    const std::vector<std::string>& layer_names() const { return names_; }
    const std::vector<std::string>& layer_types() const { return types_; }
    const std::vector<double>& layer_macs() const { return macs_; }

    // Every int8 step output as it is produced (per micro-batch), with its scale and zero
    // point: `node` indexes the graph's nodes, `which` the output (1: a split's second half).
    struct observation {
        int node = 0, which = 0;
        const std::int8_t* data = nullptr;
        std::size_t count = 0;
        float scale = 1;
        std::int32_t zero_point = 0;
    };
    void set_observer(std::function<void(const observation&)> f) { observer_ = std::move(f); }

    // Stored weights: conv/fc/SE weights at weight_bits (packed, rounded up to whole bytes per
    // layer), int32 biases, and per output channel the requantization (int32 multiplier +
    // int8 shift) — what an integer-only runtime keeps.
    std::size_t weight_bytes() const { return weight_bytes_; }
    std::size_t arena_bytes() const { return arena_.size(); }
    const std::vector<layer_info>& layers() const { return info_; }
    // The parameters of a tensor of the graph (scale, zero point, range).
    const tensor_q& tensor_params(int t) const { return tq_[static_cast<std::size_t>(t)]; }
    // The int8 weights of a conv/fc node as [cout][kh][kw][cin/g] and its int32 biases
    // (before the zero-point fold), for the step-through; empty for other nodes.
    const std::vector<std::int8_t>& node_weights(int node) const;
    const std::vector<std::int32_t>& node_bias(int node) const;

private:
    enum class kind { conv_gemm, conv_im2col, dwconv, fc, lut, add, concat, split, shuffle, maxpool, avgpool, gap, se,
                      softmax };
    struct step {
        kind k = kind::lut;
        int node = 0;
        std::vector<std::size_t> in, out;  // arena offsets (bytes)
        std::vector<int> in_c;
        int out_c = 0, in_ch = 0, groups = 1, m = 0, k_dim = 0, n_dim = 0, hw = 0, split_at = 0;
        std::size_t pixels = 0;
        kernels::dw_params p{};
        std::int32_t zp_in = 0, zp_out = 0;
        float s_out = 1;
        std::int8_t lo = -128, hi = 127;
        std::vector<kernels::gemm_s8_weights> gw;  // per group; SE: fc1, fc2
        kernels::dw_s8_weights dw;
        std::vector<std::int32_t> bias, bias2;     // gemm: zero point folded in
        std::vector<kernels::requant> rq, rq2;
        kernels::add_s8_params addp;
        std::vector<std::int8_t> lut;              // [256] (act, SE gate), or [256 * inputs] (concat rescale)
        std::vector<unsigned char> rescale;        // concat: input j needs its table
        kernels::requant pool_rq;                  // avgpool / gap / SE pool
        kernels::requant mul_rq;                   // SE: x * gate -> output
        std::int32_t zp_pool = 0, zp_hidden = 0, zp_pre = 0, zp_gate = 0;
        std::int8_t hid_lo = -128, hid_hi = 127;
        float s_in_f = 1;                          // softmax input scale
    };

    std::string plan(int batch);
    void run_steps();
    void observe(const step& s);
    static void narrow(const step& s, std::int8_t* y, std::size_t count);

    engine::model g_;
    ptq_options o_;
    std::vector<tensor_q> tq_;
    std::vector<int> src_;
    std::vector<step> steps_;
    std::vector<layer_info> info_;
    std::vector<std::string> names_, types_;
    std::vector<double> layer_ms_, macs_;
    std::vector<std::vector<std::int8_t>> node_w_;
    std::vector<std::vector<std::int32_t>> node_b_;
    std::vector<std::int8_t> arena_, work_;
    std::vector<float> in_f_, out_f_, soft_in_;
    std::size_t in_off_ = 0, out_off_ = 0;
    bool out_is_float_ = false;  // the graph ends in softmax
    engine::shape in_shape_, out_shape_;
    int batch_ = 0, chunk_ = 0;
    std::size_t weight_bytes_ = 0;
    bool profiling_ = false;
    std::function<void(const observation&)> observer_;
    calibration cal_;
};

}  // namespace es::quant
