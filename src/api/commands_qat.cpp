// qat: quantization-aware fine-tuning of a shipped model or weights file (src/quant/qat.h),
// with the accuracy before (float, simulated PTQ) and after (simulated QAT, and with --int8
// the integer engine's PTQ and QAT) on a test subset, and the result saved as a QAT file.
#include "api/dispatcher.h"
#include "api/model_args.h"
#include "api/progress.h"

#include "data/fashion_mnist.h"
#include "models/model_file.h"
#include "models/shipped.h"
#include "quant/ptq.h"
#include "quant/qat.h"
#include "quant/qat_file.h"
#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace es::api {

namespace {

std::string progress_line(const quant::qat_progress& p) {
    char buf[256];
    if (p.step == 0) {
        std::snprintf(buf, sizeof buf, "qat calibrating %d/%d", p.calib_done, p.calib_total);
        return buf;
    }
    const double frac = p.steps_total ? static_cast<double>(p.step) / static_cast<double>(p.steps_total) : 0.0;
    const std::string bar = progress_bar(frac);
    const int eta = static_cast<int>(std::lround(p.eta_s));
    std::snprintf(buf, sizeof buf, "qat [%s] %3.0f%%  step %lld/%lld  loss %.4f  acc %5.1f%%  %.0f img/s  ETA %dm%02ds",
                  bar.c_str(), 100.0 * frac, p.step, p.steps_total, p.loss, 100.0 * p.accuracy, p.images_per_s, eta / 60,
                  eta % 60);
    return buf;
}

// The trained model of args["model"] with the architecture and options that rebuild it.
std::optional<source_model> load_source(const json& args, std::string* err) { return load_source_model(args, nullptr, err); }

json cmd_qat(const json& args) {
    const auto t0 = std::chrono::steady_clock::now();
    std::string err;
    auto src = load_source(args, &err);
    if (!src) return make_error(err);
    quant::qat_options o;
    o.q.weight_bits = args["bits"].get<int>();
    o.q.act_bits = args.value("act-bits", 8);
    o.q.per_channel = !args.value("per-tensor", false);
    o.q.restricted = !args.value("full-range", false);
    o.ste = *quant::parse_ste(args.value("ste", std::string("clipped")));
    o.steps = args.value("steps", 300);
    o.batch = args.value("batch", 32);
    o.optimizer = args.value("optimizer", std::string("adam"));
    const double lr = args.contains("lr") ? args["lr"].get<double>() : quant::default_lr(o.q.weight_bits, o.optimizer);
    o.lr = static_cast<float>(lr);
    o.calib_batches = args.value("calib-batches", 8);
    o.seed = static_cast<std::uint64_t>(args.value("seed", 1));
    o.limit = args.value("limit", 0);
    if (auto e = quant::check_options(o); !e.empty()) return make_error(e);

    auto train_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, &err);
    if (!train_set) return make_error("cannot load the training images: " + err);
    if (train_set->count <= 0) return make_error("the training set is empty: QAT needs training images");
    auto test_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, &err);
    if (!test_set) return make_error("cannot load the test images: " + err);
    const std::string subset = args.value("subset", std::string("web"));
    if (subset == "full" && test_set->count < 10000)
        return make_error("this build holds only the web subset of the test images (2,000): use --subset web");
    const data::dataset test = subset == "web" ? train::stratified_subset(*test_set, 200) : std::move(*test_set);
    if (test.rows != src->m.input.h || test.cols != src->m.input.w || src->m.input.c != 1)
        return make_error("this model does not take 28x28x1 images");
    const int eval_limit = args.value("eval-limit", 0);

    const auto fp32 = train::evaluate(src->m, test, eval_limit);
    auto res = quant::run_qat(src->m, *train_set, o, [](const quant::qat_progress& p) {
        report_progress(progress_line(p), p.step == p.steps_total);
        return true;
    });
    if (!res.error.empty()) return make_error(res.error);
    const auto ptq_sim = quant::evaluate_fake_quant(res.calibrated, test, eval_limit);
    const auto qat_sim = quant::evaluate_fake_quant(res.trained, test, eval_limit);

    json history = json::array();
    for (const auto& h : res.history)
        history.push_back({{"step", h.step}, {"loss", h.loss}, {"accuracy", h.accuracy}, {"lr", h.lr},
                           {"clamped", h.clamped_fraction}, {"seconds", h.seconds}});
    const int n_train = o.limit > 0 ? std::min(o.limit, train_set->count) : train_set->count;
    json answer = {{"model", args["model"]},
                   {"arch", src->arch},
                   {"weight_bits", o.q.weight_bits},
                   {"act_bits", o.q.act_bits},
                   {"per_channel", o.q.per_channel},
                   {"restricted", o.q.restricted},
                   {"ste", std::string(quant::ste_name(o.ste))},
                   {"optimizer", o.optimizer},
                   {"lr", lr},
                   {"steps", o.steps},
                   {"batch", std::min(o.batch, n_train)},
                   {"seed", o.seed},
                   {"calib_batches", o.calib_batches},
                   {"ema_momentum", std::round(static_cast<double>(o.ema_momentum) * 1e6) / 1e6},
                   {"train_images", n_train},
                   {"history", history},
                   {"accuracy_fp32", fp32.accuracy},
                   {"accuracy_ptq_sim", ptq_sim.accuracy},
                   {"accuracy_qat_sim", qat_sim.accuracy},
                   {"subset", subset},
                   {"n", qat_sim.n},
                   {"seconds", res.seconds}};
    if (args.value("int8", false)) {
        // The integer engine: its own PTQ (min/max on the first 256 training images, as
        // eval --variant int8) at the same bits, and the QAT model with its ranges.
        const int calib_n = std::min(256, train_set->count);
        auto ptq = quant::quantize_ptq(src->m, *train_set, calib_n, {}, o.q, &err);
        if (!ptq) return make_error(err);
        const auto images = quant::normalised_images(*train_set, 0, calib_n);
        auto q = quant::to_quantized(res.trained, images.data(), calib_n, &err);
        if (!q) return make_error(err);
        answer["accuracy_ptq_int8"] = quant::evaluate_int8(*ptq, test, eval_limit).accuracy;
        answer["accuracy_qat_int8"] = quant::evaluate_int8(*q, test, eval_limit).accuracy;
    }
    if (args.contains("out")) {
        const std::string out = args["out"].get<std::string>();
        json info = answer;
        info.erase("history");
        info.erase("model");
        info.erase("arch");
        info["from"] = args["model"];
        if (auto e = quant::save_qat_file(out, res.trained, src->arch, src->options, info); !e.empty()) return make_error(e);
        answer["out"] = out;
        std::ifstream f(out, std::ios::binary | std::ios::ate);
        answer["out_bytes"] = static_cast<long long>(f.tellg());
    }
    answer["seconds_total"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return answer;
}

}  // namespace

void register_qat_commands(std::vector<command_spec>& out) {
    std::vector<arg_spec> a;
    a.push_back({"model", arg_type::arg_type_string, model_arg_help, true});
    a.push_back({"bits", arg_type::arg_type_integer, "weight bits (symmetric, per output channel unless --per-tensor)",
                 true, 2, 8});
    a.push_back({"act-bits", arg_type::arg_type_integer, "activation bits (asymmetric, per tensor)", false, 2, 8, {}, 8});
    a.push_back({"steps", arg_type::arg_type_integer, "optimizer steps of the fine-tuning", false, 1, 100000, {}, 300});
    a.push_back({"batch", arg_type::arg_type_integer, "images per step", false, 1, 1024, {}, 32});
    a.push_back({"lr", arg_type::arg_type_number,
                 "peak learning rate, cosine decay (default: Adam 1e-5 at 6-8 bits, 1e-4 at 3-5, 1e-3 at 2; SGD 1e-5 at 6-8, 1e-3 below)",
                 false, 1e-8, 1});
    a.push_back({"optimizer", arg_type::arg_type_choice, "optimizer", false, -INFINITY, INFINITY, {"adam", "sgd"},
                 "adam"});
    a.push_back({"ste", arg_type::arg_type_choice,
                 "straight-through estimator of the activations: clipped (no gradient where clamped) or identity", false,
                 -INFINITY, INFINITY, {"clipped", "identity"}, "clipped"});
    a.push_back({"per-tensor", arg_type::arg_type_flag, "one weight scale per layer instead of per output channel"});
    a.push_back({"full-range", arg_type::arg_type_flag, "weights use the full range (int8: [-128, 127]) instead of [-127, 127]"});
    a.push_back({"calib-batches", arg_type::arg_type_integer,
                 "batches of the calibration pass that starts the activation ranges", false, 1, 1000, {}, 8});
    a.push_back({"limit", arg_type::arg_type_integer, "train on the first N images only (0: all)", false, 0, 60000, {}, 0});
    a.push_back({"seed", arg_type::arg_type_integer, "seed of the shuffling and augmentation", false, 0,
                 9007199254740991.0, {}, 1});
    a.push_back({"subset", arg_type::arg_type_choice, "test images: web (the page's stratified 2,000) or full (10,000)",
                 false, -INFINITY, INFINITY, {"web", "full"}, "web"});
    a.push_back({"eval-limit", arg_type::arg_type_integer, "first N images of the test subset only (0: all)", false, 0,
                 10000, {}, 0});
    a.push_back({"int8", arg_type::arg_type_flag,
                 "also run the integer engine: its PTQ (min/max on 256 training images) and the QAT model"});
    a.push_back({"out", arg_type::arg_type_string, "QAT weights file to write (e.g. web/models/NAME.qat4.esw)", false});
    out.push_back({"qat",
                   "Quantization-aware training: fine-tunes a trained model with fake-quantized weights and activations "
                   "(straight-through estimator) and reports float, simulated-PTQ and simulated-QAT accuracy.",
                   std::move(a), cmd_qat});
}

}  // namespace es::api
