// train_graph: training-mode forward and backward passes over an engine::model, NHWC, f32.
//
// It runs the un-optimized builder graph (conv, separate batch-norm nodes, separate
// activation nodes, as graph_builder / models::build_arch record it) and also any graph
// engine::optimize() produces (conv biases, fused activations): every op of engine::op.
//
//   es::train::train_graph g;
//   if (auto err = g.prepare(m, 32); !err.empty()) fail(err);   // plans every buffer once
//   g.forward(images, true);                                    // batch statistics in BN
//   loss = cross_entropy(g.output(), labels, 32, classes, dlogits);
//   g.backward(dlogits);                                        // d(loss)/d(every weight)
//   opt.step(g.model().weights, g.grads(), g.trainable(), lr);
//
// Memory: prepare() allocates everything (one arena for the activations and gradients of
// the whole batch, shared by liveness; pre-activation copies where an activation is fused,
// im2col caches, batch-norm statistics, SE intermediates, one scratch); forward() and
// backward() allocate nothing. At batch 32 the tiny presets plan 70-155 MB.
//
// Conventions:
//   - backward() OVERWRITES grads() (and every tensor gradient): it does not accumulate over
//     calls. zero_grads() clears grads() to zero; it is never needed before backward().
//   - backward() consumes the forward pass: the activations it reads share memory with the
//     gradients it writes, so call forward() again before another backward() (with
//     prepare(m, batch, true) every tensor has its own buffers and backward() may repeat).
//   - backward() differentiates the function the last forward() computed: after
//     forward(x, true) batch norm's batch statistics (mean and variance depend on x, and the
//     gradient flows through them, as PyTorch in train mode); after forward(x, false) batch
//     norm is a fixed per-channel affine map from the running statistics (useful for
//     saliency on a trained network).
//   - Batch norm in training mode normalises with the batch's mean and biased variance
//     over N*H*W per channel and updates running = (1 - 0.1) * running + 0.1 * batch_stat
//     with the unbiased variance (PyTorch's momentum 0.1; with one value per channel the
//     biased variance is used, PyTorch would refuse).
//   - Subgradients at kinks: relu, relu6 and hard-sigmoid have derivative 0 at their kinks
//     (relu: x <= 0; relu6: x <= 0 or x >= 6; hard-sigmoid: x <= -3 or x >= 3), as PyTorch.
//     hard-swish follows PyTorch too: 0 for x < -3, x/3 + 1/2 for -3 <= x <= 3, 1 above.
//   - Max pooling sends the gradient to the first maximum of each window (row-major order
//     over the window; padding never wins). Average pooling counts the padding
//     (count_include_pad = True).
//   - A fused activation (node.activation) is honoured where the inference session applies
//     it: conv2d (incl. depthwise), fc, batchnorm, add (op_act's own activation is the op).
//     The session ignores the field on other ops, and so does this class.
//   - The GEMMs (conv forward, dX = dY W, dW = dY^T X for fc and every non-depthwise conv)
//     run on the engine's SIMD kernel (es::kernels::gemm_f32__simd), or on the reference
//     kernel when es::kernels::mode() is the reference mode, as es::kernels::gemm_f32 would
//     choose; the B operand is packed into planned scratch (a gemm_weights would allocate).
//     The weights are repacked at every forward and backward, since the optimizer changes
//     them between steps. Depthwise convolutions run forward on the engine's depthwise
//     kernel and backward in direct loops; element-wise ops use the engine's kernels forward.
//   - Single-threaded, like the engine (the page's wasm has no threads).
//   - A tensor_hook (set_hook) may change tensors after forward writes them and their
//     gradients before backward reads them: fake quantization with a straight-through
//     estimator (src/quant/qat.h). Without a hook nothing of this runs (one pointer test
//     per step).
#pragma once

#include "engine/kernels/nn.h"
#include "engine/model.h"

#include <cstddef>
#include <string>
#include <vector>

namespace es::train {

// A tensor_hook sees every tensor right after the forward pass writes it and its gradient
// right before the backward pass reads it, and may change either in place. Fake
// quantization is one: forward rounds a tensor to its quantization grid (remembering where
// it clamped), backward applies the straight-through estimator (identity, or zero where the
// forward clamped). Contract, with train_graph::set_hook():
//   - wants(t) is asked once per tensor when the hook is set or the graph prepared; the
//     other calls come only for tensors it wanted.
//   - forward(t, values, count, training) runs after the step that produces t (t = 0, the
//     input: after forward() copies it in), before any consumer reads it: consumers, and
//     the backward pass where it reads t, see the changed values. count = batch * h * w * c.
//   - backward(t, grad, count) runs when d(loss)/d(t) is complete (every consumer has added
//     its share) and before the backward step of t's producer reads it (t = 0: after the last
//     step; the result is input_grad()). The producer differentiates its own function at its
//     own (unchanged) pre-hook values wherever it can: a fused activation's derivative comes
//     from its pre-activation copy, and with a hook set a standalone ReLU/ReLU6 reads its
//     input instead of its output (the plan keeps that input alive). Sigmoid, softmax and
//     max pool read their stored output: a hook that changes those outputs changes their
//     derivative (a sigmoid's y(1-y)) or breaks max pool's argmax search; fake quantization
//     leaves them alone (softmax is not quantized, max pool shares its input's grid).
//   - The hook is called in the order of the steps, on the graph's buffers: it must not keep
//     the pointers beyond the call.
class tensor_hook {
public:
    virtual ~tensor_hook() = default;
    virtual bool wants(int tensor) const {
        (void)tensor;
        return true;
    }
    virtual void forward(int tensor, float* values, std::size_t count, bool training) = 0;
    virtual void backward(int tensor, float* grad, std::size_t count) = 0;
};

class train_graph {
public:
    // Plans buffers for `batch` images (1..4096): every tensor's activations and its
    // gradient, plus caches. Copies the model. Returns "" or an error (engine::validate's
    // message, or a bad batch).
    // Buffers are shared by liveness over the forward-then-backward timeline: an activation
    // lives until its last reader (the backward pass reads only what it needs: a conv's input,
    // a ReLU's output, ...), a gradient from its first write until its producer's backward
    // step. keep_all = true gives every tensor its own buffers instead (activation() and
    // gradient() of any tensor stay readable: tests, visualisation) at about 3x the memory.
    std::string prepare(const engine::model& m, int batch, bool keep_all = false);
    int batch() const { return batch_; }
    // The parameters live in model().weights, in the model's own layout. Change their
    // values freely between steps, never the vector's size or the graph.
    engine::model& model() { return m_; }
    const engine::model& model() const { return m_; }
    std::size_t input_count() const;   // batch * H * W * C
    std::size_t output_count() const;  // batch * classes (the output tensor's numel)

    // training = true: batch norm uses and updates batch statistics (see above);
    // training = false: it uses the running statistics (inference). Other ops are the
    // same in both modes. `input` is [batch, H, W, C].
    void forward(const float* input, bool training);
    // The running statistics' update weight in training mode (0.1, PyTorch's default). Batch
    // norm recalibration (src/nas/ofa_train.h) sets 1 / k before its k-th batch, so the
    // running statistics end as the plain mean of every batch's statistics.
    void set_bn_momentum(float m) { bn_momentum_ = m; }
    float bn_momentum() const { return bn_momentum_; }
    const float* output() const;  // the model's output tensor, [batch, classes]

    // Back-propagates d(loss)/d(output) given as output_count() floats. Afterwards grads()
    // holds d(loss)/d(weight) for every float of model().weights (zero for batch-norm
    // running mean/var and for floats no node uses). forward() must have been called first
    // with the same input and weights.
    void backward(const float* d_output);
    const std::vector<float>& grads() const { return wgrad_; }  // same size and layout as weights
    void zero_grads();  // clears grads(); backward() overwrites them anyway
    // 1 for trainable floats of model().weights (conv/fc/SE weights and biases, BN gamma and
    // beta), 0 for batch-norm running statistics and floats no node uses.
    const std::vector<unsigned char>& trainable() const { return trainable_; }
    // d(loss)/d(input), [batch, H, W, C].
    const float* input_grad() const;

    // A tensor's activations after forward() and its gradient after backward(), [batch, h, w, c]
    // (tensor ids as in model().tensors). Without keep_all only the input's and the output's
    // activations and the input's gradient are guaranteed to be intact (others' buffers are reused).
    const float* activation(int tensor) const;
    const float* gradient(int tensor) const;
    engine::shape tensor_shape(int tensor) const;  // n = batch
    // Bytes of all planned buffers (activations, gradients, caches, scratch).
    std::size_t planned_bytes() const;

    // Installs a hook (see tensor_hook), or removes it with nullptr. The graph does not own
    // it; it must outlive its use. Setting a hook on a prepared graph whose plan did not
    // have one (or removing it) re-plans the buffers (activations and gradients are then
    // undefined until the next forward()); call it between steps, not between a forward()
    // and its backward().
    void set_hook(tensor_hook* h);
    tensor_hook* hook() const { return hook_; }

private:
    enum class kind : unsigned char {
        conv_pw, conv_im2col, conv_dw, fc, bn, act, add, concat, split, shuffle, maxpool, avgpool, gap, se, softmax
    };
    struct step {
        kind k = kind::act;
        int node = 0;
        std::vector<int> in, out;             // tensor ids
        std::vector<unsigned char> in_first;  // backward: first gradient write to this input overwrites
        engine::act fused = engine::act::act_none;
        std::size_t z = 0;                    // pre-activation copy (cache) when fused != none
        std::size_t pixels = 0;               // batch * H * W of the input
        int cin = 0, cout = 0, groups = 1, cin_g = 0, cout_g = 0, kdim = 0;
        kernels::dw_params p{};               // input/output geometry at this batch
        std::size_t wpack = 0;                // cache: forward weights packed for the GEMM / dw kernel
        std::size_t cols = 0;                 // cache: im2col of the whole batch, per group
        std::size_t stats = 0;                // cache: BN mean, inv_std, scale, shift; SE intermediates
        bool dw_simd = false;                 // depthwise weights packed for the SIMD kernel at forward
    };

    void plan_steps();
    void refresh_hooked();
    void plan_arena(const std::vector<unsigned char>& written);
    void forward_step(const step& s, bool training);
    void backward_step(const step& s);

    engine::model m_;
    int batch_ = 0;
    bool last_training_ = true;
    float bn_momentum_ = 0.1f;
    std::vector<step> steps_;
    bool keep_all_ = false;
    std::vector<std::size_t> act_off_, grad_off_;  // per tensor, into arena_
    std::vector<float> arena_, cache_, scratch_;   // activations and gradients | caches | temporaries
    std::size_t work_off_ = 0;                     // scratch_: [fused-activation gradient | work]
    std::vector<int> zero_each_backward_;          // tensors whose gradient nothing writes
    std::vector<float> wgrad_;
    std::vector<unsigned char> trainable_;
    tensor_hook* hook_ = nullptr;
    bool planned_with_hook_ = false;      // the plan keeps a standalone ReLU's input alive
    std::vector<unsigned char> hooked_;   // per tensor: hook_->wants(t)
};

}  // namespace es::train
