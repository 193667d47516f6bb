// variants: the forms of a trained model the eval and bench commands accept (--variant):
// fp32, the post-training quantized int8 / int8-per-tensor (calibrated on the first
// training images; src/quant/ptq.h), and qat4: the shipped 4-bit quantization-aware-trained
// file of the model (web/models/NAME.qat4.esw, `./build.sh qat-weights`; src/quant/qat.h) on
// the integer engine, its weights stored one per byte.
#pragma once

#include "engine/bench.h"
#include "engine/model.h"
#include "quant/ptq.h"

#include <nlohmann/json.hpp>

#include "engine/session.h"
#include "quant/qsession.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::api {

inline const std::vector<std::string> variant_names = {"fp32",     "int8",     "int8-per-tensor", "qat4",       "pruned50",
                                                      "pruned70", "pruned90", "sparse24",        "channels25", "channels50"};
// The pruned variants: fine-tuned files that ship beside the model (NAME.<variant>.esw;
// ./build.sh prune-weights: unstructured magnitude pruning to 50/70/90% and NVIDIA 2:4;
// ./build.sh channels-weights: 25/50% of the prunable channels removed).
inline const std::vector<std::string> file_variant_names = {"pruned50", "pruned70",   "pruned90",
                                                            "sparse24", "channels25", "channels50"};
inline constexpr const char* variant_help =
    "which form of the model: fp32, integer-only int8 (per-channel weights) / int8-per-tensor, qat4 (the "
    "shipped 4-bit quantization-aware-trained weights on the integer engine), pruned50/70/90 (unstructured "
    "magnitude pruning, fine-tuned), sparse24 (NVIDIA 2:4, fine-tuned), channels25/50 (structured: channels "
    "removed, fine-tuned)";

struct variant_model {
    std::string name = "fp32";
    std::optional<quant::quantized> q;      // set for integer variants
    std::optional<engine::model> model;     // set for pruned variants: the fine-tuned model (float engine)
    double sparsity = 0;                    // share of zero conv/fc weights (pruned variants)
};

// Share of zero conv/fc weights of a model.
double weight_sparsity(const engine::model& m);
// The model's MACs (models::analyze) without the products of zero conv/fc weights.
std::uint64_t effective_macs(const engine::model& m);

// One variant ready to run at a batch size: the float engine on engine::optimize(m), or the
// integer engine on the variant's quantized graph. Used by every timing of variants.
class variant_session {
public:
    // sparse_kernels: conv/fc layers with sparse weights run on the 2:4 or CSR kernels
    // (engine::sparse_options); otherwise everything runs dense.
    std::string prepare(const engine::model& m, const variant_model& v, int batch, bool sparse_kernels = false);
    void run() { f_ ? f_->run() : q_->run(); }
    float* input() { return f_ ? f_->input() : q_->input(); }
    std::size_t input_count() const { return f_ ? f_->input_count() : q_->input_count(); }
    std::size_t weight_bytes() const { return f_ ? f_->weight_bytes() : q_->weight_bytes(); }

private:
    std::unique_ptr<engine::session> f_;
    std::unique_ptr<quant::qsession> q_;
};

// args["variant"] (default fp32) applied to the trained model m (qat4: the QAT file that ships
// next to args["model"]: NAME.qat4.esw for a preset, FILE.qat4.esw beside FILE.esw).
std::optional<variant_model> load_variant(const nlohmann::json& args, const engine::model& m, std::string* err);

// engine::bench_model's measurement of the variant (the integer engine for int8 variants).
std::optional<engine::bench_result> bench_variant(const engine::model& m, const variant_model& v, int batch, int runs,
                                                  int warmup, double warmup_ms, std::string* err);

// Several variants of one model timed in one process, interleaved run by run (round robin
// after a shared warm-up), so machine noise hits them alike and their ratios are fair.
struct interleaved_row {
    std::string variant;
    double median_ms = 0, min_ms = 0;
    std::size_t weight_bytes = 0;
};
std::optional<std::vector<interleaved_row>> bench_interleaved(const engine::model& m,
                                                              const std::vector<variant_model>& variants, int batch,
                                                              int runs, double warmup_ms, std::string* err);

}  // namespace es::api
