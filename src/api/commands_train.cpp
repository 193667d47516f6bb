// Training commands: train (a tiny preset or any architecture on Fashion-MNIST, with a
// progress bar) and eval (accuracy, per-class accuracy and the confusion matrix).
#include "api/dispatcher.h"
#include "api/model_args.h"
#include "api/progress.h"

#include "data/fashion_mnist.h"
#include "engine/bench.h"
#include "api/variants.h"
#include "models/analysis.h"
#include "models/model_file.h"
#include "train/trainer.h"

#include <cmath>
#include <cstdio>

namespace es::api {

namespace {

std::string duration_text(double s) {
    char buf[32];
    const int t = static_cast<int>(std::lround(s));
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", t / 3600, t / 60 % 60);
    else std::snprintf(buf, sizeof buf, "%dm%02ds", t / 60, t % 60);
    return buf;
}

std::string progress_line(const train::progress& p) {
    const double frac = p.steps_total ? static_cast<double>(p.step) / static_cast<double>(p.steps_total) : 0.0;
    const std::string bar = progress_bar(frac);
    char buf[256];
    std::snprintf(buf, sizeof buf, "epoch %d/%d [%s] %3.0f%%  loss %.4f  acc %5.1f%%  %.0f img/s  ETA %s", p.epoch,
                  p.epochs, bar.c_str(), 100.0 * frac, p.loss, 100.0 * p.accuracy, p.images_per_s,
                  duration_text(p.eta_s).c_str());
    return buf;
}

json eval_json(const train::eval_result& e) {
    json per = json::array(), conf = json::array();
    for (std::size_t c = 0; c < 10; ++c) {
        per.push_back(e.per_class[c]);
        conf.push_back(e.confusion[c]);
    }
    return {{"accuracy", e.accuracy}, {"n", e.n}, {"per_class", per}, {"confusion", conf}};
}

std::optional<data::dataset> load_split(data::split s, std::string* err) {
    return data::load_fashion_mnist(data::fashion_mnist_dir(), s, err);
}

json cmd_train(const json& args) {
    std::string err;
    auto m = build_model_from_args(args, &err);
    if (!m) return make_error(err);
    const auto opts = options_from_args(args);
    auto train_set = load_split(data::split::train, &err);
    if (!train_set) return make_error(err);
    if (train_set->rows != opts.res || train_set->cols != opts.res || opts.in_ch != 1)
        return make_error("Fashion-MNIST images are 28x28x1: train with --res 28 --in-ch 1 (the tiny presets' default)");
    if (opts.classes != 10) return make_error("Fashion-MNIST has 10 classes: train with --classes 10");
    train::train_options o;
    o.epochs = args.value("epochs", 10);
    o.batch = args.value("batch", 64);
    o.lr = static_cast<float>(args.value("lr", 0.05));
    o.seed = static_cast<std::uint64_t>(args.value("seed", 1));
    o.optimizer = args.value("optimizer", std::string("sgd"));
    o.weight_decay = static_cast<float>(args.value("weight-decay", 5e-4));
    o.limit = args.value("limit", 0);
    if (args.value("no-augment", false)) o.augment = {.pad = 0, .flip = false};
    const std::string out = args["out"].get<std::string>();
    auto res = train::train_model(*m, *train_set, o, [](const train::progress& p) {
        report_progress(progress_line(p), p.epoch_done);
        return true;
    });
    if (!res.error.empty()) return make_error(res.error);
    if (auto e = models::save_model_file(out, *m, args["arch"].get<std::string>(), opts); !e.empty()) return make_error(e);
    auto test_set = load_split(data::split::test, &err);
    if (!test_set) return make_error(err);
    const auto ev = train::evaluate(*m, *test_set, args.value("eval-limit", 0));
    json history = json::array();
    for (const auto& h : res.history)
        history.push_back({{"epoch", h.epoch}, {"loss", h.loss}, {"accuracy", h.accuracy}, {"seconds", h.seconds},
                           {"images_per_s", h.images_per_s}});
    return {{"arch", args["arch"]},
            {"out", out},
            {"epochs", o.epochs},
            {"batch", o.batch},
            {"lr", o.lr},
            {"seed", o.seed},
            {"optimizer", o.optimizer},
            {"train_images", o.limit > 0 ? std::min(o.limit, train_set->count) : train_set->count},
            {"seconds", res.seconds},
            {"history", history},
            {"test", eval_json(ev)},
            {"test_accuracy", ev.accuracy}};
}

json cmd_eval(const json& args) {
    std::string err;
    auto m = load_model_arg(args, &err);
    if (!m) return make_error(err);
    auto test_set = load_split(data::split::test, &err);
    if (!test_set) return make_error(err);
    const std::string subset = args.value("subset", std::string("full"));
    if (subset == "full" && test_set->count < 10000)
        return make_error("this build holds only the web subset of the test images (2,000): use --subset web");
    // In the page the embedded test split already is the web subset; picking 200 per class
    // from it again changes nothing.
    const data::dataset d = subset == "web" ? train::stratified_subset(*test_set, 200) : std::move(*test_set);
    if (d.rows != m->input.h || d.cols != m->input.w || m->input.c != 1)
        return make_error("this model does not take 28x28x1 images");
    auto v = load_variant(args, *m, &err);
    if (!v) return make_error(err);
    const int limit = args.value("limit", 0);
    const auto ev = v->q ? quant::evaluate_int8(*v->q, d, limit) : train::evaluate(v->model ? *v->model : *m, d, limit);
    json answer = eval_json(ev);
    answer["model"] = args["model"];
    answer["subset"] = subset;
    answer["variant"] = v->name;
    answer["predictions_hash"] = train::predictions_hash(ev.predictions);
    if (auto b = bench_variant(*m, *v, 1, 20, 5, 200.0, &err)) {
        answer["latency_ms_median"] = b->median_ms;
        answer["weight_bytes"] = b->weight_bytes;
    }
    if (v->model) {
        answer["sparsity"] = v->sparsity;
        answer["macs"] = effective_macs(*v->model);
        answer["macs_dense"] = models::analyze(*m).total.macs;
    }
    if (v->q) {
        answer["weight_bits"] = v->q->opt.weight_bits;
        answer["act_bits"] = v->q->opt.act_bits;
        answer["per_channel"] = v->q->opt.per_channel;
        // qat4's ranges were learnt during QAT (moving averages); only the SE blocks' inner
        // ranges are calibrated by min/max on the images.
        answer["calibration"] = {
            {"method", v->name == "qat4" ? std::string("qat") : std::string(quant::calib_method_name(v->q->cal.method))},
            {"images", v->q->cal.images}};
    }
    return answer;
}

}  // namespace

void register_train_commands(std::vector<command_spec>& out) {
    std::vector<arg_spec> targs = model_arg_specs(/*arch_required=*/true);
    targs.push_back({"epochs", arg_type::arg_type_integer, "passes over the training set", true, 1, 1000});
    targs.push_back({"batch", arg_type::arg_type_integer, "images per step", false, 1, 1024, {}, 64});
    targs.push_back({"lr", arg_type::arg_type_number, "peak learning rate (cosine schedule)", false, 1e-6, 10, {}, 0.05});
    targs.push_back({"seed", arg_type::arg_type_integer, "seed of the shuffling and augmentation", false, 0,
                     9007199254740991.0, {}, 1});
    targs.push_back({"optimizer", arg_type::arg_type_choice, "optimizer", false, -INFINITY, INFINITY, {"sgd", "adam"},
                     "sgd"});
    targs.push_back({"weight-decay", arg_type::arg_type_number, "L2 weight decay", false, 0, 1, {}, 5e-4});
    targs.push_back({"limit", arg_type::arg_type_integer, "train on the first N images only (0: all 60,000)", false, 0,
                     60000, {}, 0});
    targs.push_back({"eval-limit", arg_type::arg_type_integer, "evaluate on the first N test images (0: all 10,000)",
                     false, 0, 10000, {}, 0});
    targs.push_back({"no-augment", arg_type::arg_type_flag, "no random crops or flips"});
    targs.push_back({"out", arg_type::arg_type_string, "weights file to write (.esw)", true});
    out.push_back({"train",
                   "Trains an architecture on Fashion-MNIST (SGD with Nesterov momentum or Adam, cosine learning "
                   "rate, random crops and flips) and evaluates it on the test set.",
                   std::move(targs), cmd_train});
    out.push_back({"eval",
                   "Accuracy, per-class accuracy and confusion matrix of a shipped model or weights file on the Fashion-MNIST test "
                   "set (full: 10,000 images; web: the page's stratified 2,000).",
                   {{"model", arg_type::arg_type_string, model_arg_help, true},
                    {"variant", arg_type::arg_type_choice, variant_help, false, -INFINITY, INFINITY, variant_names, "fp32"},
                    {"subset", arg_type::arg_type_choice, "test images", false, -INFINITY, INFINITY, {"full", "web"},
                     "full"},
                    {"limit", arg_type::arg_type_integer, "first N images of the subset only (0: all)", false, 0,
                     10000, {}, 0}},
                   cmd_eval});
}

}  // namespace es::api
