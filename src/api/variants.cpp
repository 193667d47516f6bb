#include "api/variants.h"

#include "data/fashion_mnist.h"
#include "engine/session.h"
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

// The QAT file of a model: NAME.qat4.esw in the shipped models' folder for a preset's name,
// else FILE.qat4.esw beside FILE.esw.
std::string qat4_path(const std::string& model) {
    if (models::is_tiny(model))
        return models::shipped_models_dir() + "/" + model + ".qat4.esw";
    const std::string ext = ".esw";
    const bool has_ext = model.size() > ext.size() && model.compare(model.size() - ext.size(), ext.size(), ext) == 0;
    return (has_ext ? model.substr(0, model.size() - ext.size()) : model) + ".qat4.esw";
}

// The QAT file for the integer engine: the SE blocks' inner ranges (which QAT does not
// simulate) calibrated on the first 256 images of `calib`, as the PTQ variants are.
std::optional<quant::quantized> load_qat4(const std::string& model, const engine::model& m, const data::dataset& calib,
                                          std::string* err) {
    const std::string path = qat4_path(model);
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

std::string variant_session::prepare(const engine::model& m, const variant_model& v, int batch) {
    f_.reset();
    q_.reset();
    if (v.q) {
        q_ = std::make_unique<quant::qsession>();
        return q_->prepare(v.q->graph, v.q->cal, v.q->opt, batch);
    }
    f_ = std::make_unique<engine::session>();
    return f_->prepare(engine::optimize(m), batch);
}

std::optional<engine::bench_result> bench_variant(const engine::model& m, const variant_model& v, int batch, int runs,
                                                  int warmup, double warmup_ms, std::string* err) {
    if (!v.q) {
        engine::bench_result b;
        if (!engine::bench_model(engine::optimize(m), batch, runs, warmup, warmup_ms, &b, err)) return std::nullopt;
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
