#include "api/variants.h"

#include "data/fashion_mnist.h"
#include "engine/session.h"
#include "models/analysis.h"
#include "models/model_file.h"
#include "models/models.h"
#include "models/shipped.h"
#include "quant/qat_file.h"
#include "quant/qsession.h"
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <memory>

namespace es::api {

namespace {

// The file of a variant that ships beside its model: NAME.<variant>.esw in the shipped models'
// folder for a preset's name, else FILE.<variant>.esw beside FILE.esw.
std::string sibling_path(const std::string& model, const std::string& variant) {
    if (models::is_tiny(model))
        return models::shipped_models_dir() + "/" + model + "." + variant + ".esw";
    const std::string ext = ".esw";
    const bool has_ext = model.size() > ext.size() && model.compare(model.size() - ext.size(), ext.size(), ext) == 0;
    return (has_ext ? model.substr(0, model.size() - ext.size()) : model) + "." + variant + ".esw";
}

bool is_file_variant(const std::string& v) {
    return std::find(file_variant_names.begin(), file_variant_names.end(), v) != file_variant_names.end();
}

// A pruned variant's fine-tuned file (./build.sh prune-weights or channels-weights).
std::optional<engine::model> load_pruned(const std::string& model, const std::string& variant, const engine::model& m,
                                         std::string* err) {
    const std::string path = sibling_path(model, variant);
    std::string e;
    auto pm = models::load_model_file(path, &e);
    if (!pm) {
        const bool channels = variant.rfind("channels", 0) == 0;
        *err = "variant " + variant + ": " + e + " (made by ./build.sh " + (channels ? "channels-weights" : "prune-weights") + ")";
        return std::nullopt;
    }
    if (pm->input.h != m.input.h || pm->input.w != m.input.w || pm->input.c != m.input.c || pm->arch != m.arch) {
        *err = "variant " + variant + ": " + path + " is not a pruned " + m.arch;
        return std::nullopt;
    }
    return pm;
}

// The QAT file for the integer engine: the SE blocks' inner ranges (which QAT does not
// simulate) calibrated on the first 256 images of `calib`, as the PTQ variants are.
std::optional<quant::quantized> load_qat4(const std::string& model, const engine::model& m, const data::dataset& calib,
                                          std::string* err) {
    const std::string path = sibling_path(model, "qat4");
    std::string e;
    auto qm = quant::load_qat_file(path, &e);
    if (!qm) {
        *err = "variant qat4: " + e + " (the 4-bit QAT files are made by ./build.sh qat-weights)";
        return std::nullopt;
    }
    if (qm->q.weight_bits != 4) {
        *err = "variant qat4: " + path + " holds " + std::to_string(qm->q.weight_bits) + "-bit weights, not 4";
        return std::nullopt;
    }
    if (qm->graph.input.h != m.input.h || qm->graph.input.w != m.input.w || qm->graph.input.c != m.input.c) {
        *err = "variant qat4: " + path + " takes other input than the model";
        return std::nullopt;
    }
    const int n = std::min(256, calib.count);
    const auto images = quant::normalised_images(calib, 0, n);
    auto q = quant::to_quantized(*qm, images.data(), n, err);
    if (q) q->cal.images = n;
    return q;
}

}  // namespace

std::optional<variant_model> load_variant(const nlohmann::json& args, const engine::model& m, std::string* err) {
    variant_model v;
    v.name = args.value("variant", std::string("fp32"));
    if (v.name == "fp32") return v;
    if (is_file_variant(v.name)) {
        auto pm = load_pruned(args.value("model", std::string()), v.name, m, err);
        if (!pm) return std::nullopt;
        v.sparsity = weight_sparsity(*pm);
        v.model = std::move(*pm);
        return v;
    }
    auto spec = quant::ptq_variant(v.name);
    if (!spec && v.name != "qat4") {
        *err = "unknown variant '" + v.name + "'";
        return std::nullopt;
    }
    auto train = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, err);
    if (!train) return std::nullopt;
    // The page's training subset (600 per class; in the page the embedded split already is
    // it), so that the page and the CLI calibrate on the same images.
    const data::dataset calib = train::stratified_subset(*train, 600);
    if (!spec) {
        auto q = load_qat4(args.value("model", std::string()), m, calib, err);
        if (!q) return std::nullopt;
        v.q = std::move(*q);
        return v;
    }
    auto q = quant::quantize_ptq(m, calib, spec->calib_images, spec->calib, spec->opt, err);
    if (!q) return std::nullopt;
    v.q = std::move(*q);
    return v;
}

std::string variant_session::prepare(const engine::model& m, const variant_model& v, int batch, bool sparse_kernels) {
    f_.reset();
    q_.reset();
    if (v.q) {
        q_ = std::make_unique<quant::qsession>();
        return q_->prepare(v.q->graph, v.q->cal, v.q->opt, batch);
    }
    f_ = std::make_unique<engine::session>();
    engine::sparse_options so;
    so.enabled = sparse_kernels;
    return f_->prepare(engine::optimize(v.model ? *v.model : m), batch, 0, so);
}

double weight_sparsity(const engine::model& m) {
    std::size_t zeros = 0, total = 0;
    for (const auto& n : m.nodes) {
        if (n.type != engine::op::op_conv2d && n.type != engine::op::op_fc) continue;
        for (std::size_t i = 0; i < n.w_count; ++i) zeros += m.weights[n.w_off + i] == 0.0f;
        total += n.w_count;
    }
    return total ? static_cast<double>(zeros) / static_cast<double>(total) : 0.0;
}

std::uint64_t effective_macs(const engine::model& m) {
    // The analysis's MACs minus, for every zero conv/fc weight, the outputs it would multiply into.
    std::uint64_t macs = models::analyze(m).total.macs;
    for (const auto& n : m.nodes) {
        if (n.type != engine::op::op_conv2d && n.type != engine::op::op_fc) continue;
        const auto& out = m.tensors[static_cast<std::size_t>(n.out[0])];
        const std::uint64_t uses = n.type == engine::op::op_fc ? 1 : static_cast<std::uint64_t>(out.h) * out.w;
        std::uint64_t zeros = 0;
        for (std::size_t i = 0; i < n.w_count; ++i) zeros += m.weights[n.w_off + i] == 0.0f;
        macs -= std::min(macs, zeros * uses);
    }
    return macs;
}

std::optional<engine::bench_result> bench_variant(const engine::model& m, const variant_model& v, int batch, int runs,
                                                  int warmup, double warmup_ms, std::string* err) {
    if (!v.q) {
        engine::bench_result b;
        if (!engine::bench_model(engine::optimize(v.model ? *v.model : m), batch, runs, warmup, warmup_ms, &b, err))
            return std::nullopt;
        return b;
    }
    quant::qsession s;
    if (auto e = s.prepare(v.q->graph, v.q->cal, v.q->opt, batch); !e.empty()) {
        *err = e;
        return std::nullopt;
    }
    return engine::bench_prepared(s, batch, runs, warmup, warmup_ms);
}

std::optional<std::vector<interleaved_row>> bench_interleaved(const engine::model& m,
                                                              const std::vector<variant_model>& variants, int batch,
                                                              int runs, double warmup_ms, std::string* err) {
    std::vector<variant_session> rs(variants.size());
    for (std::size_t i = 0; i < variants.size(); ++i) {
        if (auto e = rs[i].prepare(m, variants[i], batch); !e.empty()) {
            *err = e;
            return std::nullopt;
        }
        engine::fill_bench_input(rs[i].input(), rs[i].input_count());
    }
    using clock = std::chrono::steady_clock;
    const auto w0 = clock::now();
    for (int i = 0;; ++i) {
        if (i >= 10 && std::chrono::duration<double, std::milli>(clock::now() - w0).count() >= warmup_ms) break;
        for (auto& r : rs) r.run();
    }
    std::vector<std::vector<double>> ms(rs.size());
    for (int i = 0; i < runs; ++i)
        for (std::size_t j = 0; j < rs.size(); ++j) {
            const auto t0 = clock::now();
            rs[j].run();
            ms[j].push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
        }
    std::vector<interleaved_row> out;
    for (std::size_t j = 0; j < rs.size(); ++j) {
        interleaved_row r;
        r.variant = variants[j].name;
        r.median_ms = engine::median_of(ms[j]);
        r.min_ms = *std::min_element(ms[j].begin(), ms[j].end());
        r.weight_bytes = rs[j].weight_bytes();
        out.push_back(r);
    }
    return out;
}

}  // namespace es::api
