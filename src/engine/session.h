// session: runs an optimized model. prepare() validates once, plans every tensor into one
// arena by liveness, and packs the weights for the kernels; run() then executes blind,
// with no allocation and no checks in the inner loops (TFLite Micro's prepare/eval split).
// A large batch runs in micro-batches sized so one micro-batch's activations stay in the
// caches: layer by layer over 32 full-size images would stream every tensor through DRAM.
//
//   es::engine::session s;
//   if (auto err = s.prepare(es::engine::optimize(m), 32); !err.empty()) fail(err);
//   std::copy(images, images + s.input_count(), s.input());
//   s.run();
//   const float* logits = s.output();          // [32, classes]
#pragma once

#include "engine/kernels/nn.h"
#include "engine/model.h"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace es::engine {

class session {
public:
    // Returns "" when ready, else why the model cannot run (validation message).
    // micro_batch 0 chooses the micro-batch automatically; otherwise it must divide batch.
    std::string prepare(const model& optimized, int batch, int micro_batch = 0);

    int batch() const { return batch_; }
    shape input_shape() const;                // n = batch
    shape output_shape() const;               // n = batch
    std::size_t input_count() const { return input_shape().numel(); }
    float* input();
    const float* output() const;

    void run();

    // When on, run() records each layer's wall time (ms) in layer_ms().
    void set_profiling(bool on) { profiling_ = on; }
    const std::vector<double>& layer_ms() const { return layer_ms_; }
    const std::vector<std::string>& layer_names() const { return names_; }
    // Multiply-accumulates of each step at this batch (conv/fc/se), for throughput figures.
    const std::vector<double>& layer_macs() const { return macs_; }
    // "pointwise", "depthwise", "conv", "fc", "se", "pool", "eltwise", "copy", "softmax".
    const std::vector<std::string>& layer_types() const { return types_; }
    // Bytes each step reads and writes at f32: inputs + weights + outputs.
    const std::vector<double>& layer_bytes() const { return bytes_; }

    // Calibration and error analysis: when set, run() reports every step's outputs right after
    // the step ran (per micro-batch). `node` indexes the model's nodes; `which` is the output
    // (0, or 1 for a split's second half), or for an SE step also -1 (its pooled [n, C]) and
    // -2 (its hidden [n, squeeze] after the inner activation) before the output.
    struct observation {
        int node = 0, which = 0;
        const float* data = nullptr;
        std::size_t count = 0;
        int channels = 0;  // innermost extent
    };
    void set_observer(std::function<void(const observation&)> f) { observer_ = std::move(f); }

    std::size_t arena_bytes() const { return arena_.size() * sizeof(float); }
    // Images per pass through the layers (a divisor of the batch).
    int micro_batch() const { return chunk_; }
    std::size_t weight_bytes() const;

private:
    enum class kind { conv_gemm, conv_im2col, dwconv, fc, affine, act, add, concat, split, shuffle, maxpool, avgpool,
                      gap, se, softmax };
    struct step {
        kind k;
        std::vector<std::size_t> in, out;  // arena offsets
        std::vector<int> in_c;             // channel counts of inputs (concat)
        int out_c = 0, in_ch = 0, groups = 1, m = 0, k_dim = 0, n_dim = 0, hw = 0;
        kernels::dw_params p{};
        kernels::epilogue e = kernels::epilogue::none;
        std::vector<kernels::gemm_weights> gw;  // per group (conv), or fc1/fc2 (se)
        std::vector<float> w, bias, bias2;      // dw weights [KH][KW][C], biases, affine scale/shift
        std::vector<float> wpack;               // dw weights repacked per channel group (SIMD kernel)
        std::size_t pixels = 0;
        int split_at = 0;
    };

    static const char* step_type(kind k);

    std::vector<step> steps_;
    std::vector<std::string> names_;
    std::vector<double> layer_ms_, macs_, bytes_;
    std::vector<std::string> types_;
    std::string plan(const model& m, int batch);
    void run_steps();
    void observe(std::size_t step);

    std::vector<float> arena_, work_;
    std::vector<float> in_full_, out_full_;  // whole-batch input/output when micro-batching
    int chunk_ = 0;
    std::size_t in_off_ = 0, out_off_ = 0;
    shape in_shape_, out_shape_;
    int batch_ = 0;
    bool profiling_ = false;
    std::function<void(const observation&)> observer_;
};

}  // namespace es::engine
