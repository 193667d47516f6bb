#include "api/variants.h"

#include "data/fashion_mnist.h"
#include "quant/qsession.h"
#include "train/trainer.h"

namespace es::api {

std::optional<variant_model> load_variant(const nlohmann::json& args, const engine::model& m, std::string* err) {
    variant_model v;
    v.name = args.value("variant", std::string("fp32"));
    if (v.name == "fp32") return v;
    auto spec = quant::ptq_variant(v.name);
    if (!spec) {
        *err = "unknown variant '" + v.name + "'";
        return std::nullopt;
    }
    auto train = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, err);
    if (!train) return std::nullopt;
    // The page's training subset (600 per class; in the page the embedded split already is
    // it), so that the page and the CLI calibrate on the same images.
    const data::dataset calib = train::stratified_subset(*train, 600);
    auto q = quant::quantize_ptq(m, calib, spec->calib_images, spec->calib, spec->opt, err);
    if (!q) return std::nullopt;
    v.q = std::move(*q);
    return v;
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

}  // namespace es::api
