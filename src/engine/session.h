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
#include "engine/kernels/sparse.h"
#include "engine/model.h"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace es::engine {

// Sparse kernels for conv (not depthwise) and fc nodes whose weights are sparse. Off by default:
// then every such node runs the dense GEMM exactly as before. When enabled, prepare() looks at
// each node's weights (after batch-norm folding; per group of a grouped conv, W [cout_g][K]
// with K = kh*kw*cin_g in the weights' own [kh][kw][cin] order):
//   - 2:4 along K in every row of every group (K a multiple of 4)  -> the 2:4 kernel
//   - else at least `min_sparsity` of its weights zero            -> the CSR kernel
//   - else                                                        -> the dense GEMM
// (es::kernels::sparse24_f32 / csr_f32; the SE block's small GEMMs always stay dense). Outputs
// equal the dense path's within float reassociation.
struct sparse_options {
    bool enabled = false;
    double min_sparsity = 0.5;
    bool allow_sparse24 = true;
    bool allow_csr = true;
};

class session {
public:
    // Returns "" when ready, else why the model cannot run (validation message).
    // micro_batch 0 chooses the micro-batch automatically; otherwise it must divide batch.
    std::string prepare(const model& optimized, int batch, int micro_batch = 0);
    // The same with sparse kernels where the weights allow them (see sparse_options).
    std::string prepare(const model& optimized, int batch, int micro_batch, const sparse_options& sparse);

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
    // The weight kernel of each step: "dense", "sparse24" or "csr" for conv/fc steps, "" for the
    // others; and the share of zeros in a conv/fc step's weights (0 for the others).
    const std::vector<std::string>& layer_kernels() const { return kernels_; }
    const std::vector<double>& layer_weight_sparsity() const { return sparsity_; }

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
    // Bytes of the weights the kernels read: f32 values (dense layers), the compressed form for
    // layers on a sparse kernel (2:4: values + 2-bit indices; CSR: values + 16-bit columns +
    // 32-bit row pointers), biases and batch-norm/affine parameters.
    std::size_t weight_bytes() const;

private:
    enum class wkind : unsigned char { dense, sparse24, csr };
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
        wkind wk = wkind::dense;                // conv/fc: which of gw, s24, csr holds the weights
        std::vector<kernels::sparse24_weights> s24;  // per group
        std::vector<kernels::csr_weights> csr;       // per group
        std::vector<float> w, bias, bias2;      // dw weights [KH][KW][C], biases, affine scale/shift
        std::vector<float> wpack;               // dw weights repacked per channel group (SIMD kernel)
        std::size_t pixels = 0;
        int split_at = 0;
    };

    static const char* step_type(kind k);
    // Chooses the weight kernel of a conv/fc step from its weights (groups x [n][k]).
    void choose_weights(step& s, const float* w_nk, int groups, int n, int k, double* sparsity) const;
    // C = act(bias + A W^T) with group g's weights of a conv/fc step.
    static void gemm(const step& s, int g, int m, const float* a, int lda, const float* bias, float* c, int ldc);

    std::vector<step> steps_;
    std::vector<std::string> names_;
    std::vector<double> layer_ms_, macs_, bytes_;
    std::vector<std::string> types_, kernels_;
    std::vector<double> sparsity_;
    sparse_options sparse_;
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
