// prune: magnitude pruning (layer-wise or global) and NVIDIA 2:4 of a shipped model or weights
// file, one-shot or iterative, fine-tuned with the masks kept (src/prune/finetune.h), with the
// accuracy before pruning, after it and after fine-tuning; --sensitivity scans each layer alone
// (src/prune/sensitivity.h); --lottery runs the lottery ticket experiment from the model's
// architecture at a fresh initialization (src/prune/lottery.h).
#include "api/dispatcher.h"
#include "api/model_args.h"
#include "api/progress.h"

#include "data/fashion_mnist.h"
#include "engine/weights_io.h"
#include "lab/prune_lab.h"
#include "models/model_file.h"
#include "models/shipped.h"
#include "prune/finetune.h"
#include "prune/lottery.h"
#include "prune/masks.h"
#include "prune/sensitivity.h"
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace es::api {

namespace {

using clock_type = std::chrono::steady_clock;

std::optional<source_model> load_source(const json& args, std::string* err) {
    return load_source_model(args, "a folded file (batch norm folded, e.g. a QAT file) cannot be pruned here: use its source model",
                             err);
}

json layers_json(const prune::sparsity_report& r) {
    json out = json::array();
    for (const auto& l : r.layers)
        out.push_back({{"name", l.name}, {"kind", l.kind}, {"count", l.count}, {"zeros", l.zeros},
                       {"sparsity", l.sparsity}, {"sparse24_ok", l.sparse24_ok}, {"sparse24", l.is_sparse24}});
    return out;
}

// The test images (web: the page's stratified 2,000; full: 10,000) and the training images.
struct data_sets {
    data::dataset train, test;
    std::string subset;
};
std::optional<data_sets> load_data(const json& args, const engine::model& m, std::string* err) {
    auto train_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, err);
    if (!train_set) {
        *err = "cannot load the training images: " + *err;
        return std::nullopt;
    }
    auto test_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, err);
    if (!test_set) {
        *err = "cannot load the test images: " + *err;
        return std::nullopt;
    }
    data_sets d;
    d.subset = args.value("subset", std::string("web"));
    if (d.subset == "full" && test_set->count < 10000) {
        *err = "subset: this build holds only the web subset of the test images (2,000): use --subset web";
        return std::nullopt;
    }
    d.test = d.subset == "web" ? train::stratified_subset(*test_set, 200) : std::move(*test_set);
    d.train = std::move(*train_set);
    if (d.test.rows != m.input.h || d.test.cols != m.input.w || m.input.c != 1) {
        *err = "model: this model does not take 28x28x1 images";
        return std::nullopt;
    }
    return d;
}

train::train_options train_from_args(const json& args) {
    train::train_options t;
    t.max_steps = args.value("steps", 300);
    t.batch = args.value("batch", 32);
    t.lr = static_cast<float>(args.value("lr", 0.01));
    t.optimizer = args.value("optimizer", std::string("sgd"));
    t.seed = static_cast<std::uint64_t>(args.value("seed", 1));
    t.limit = args.value("limit", 0);
    return t;
}

prune::mask_options select_from_args(const json& args) {
    prune::mask_options s;
    s.skip_first = args.value("skip-first", false);
    s.skip_classifier = args.value("skip-classifier", false);
    s.skip_depthwise = args.value("skip-depthwise", false);
    return s;
}

json cmd_sensitivity(const json& args, source_model& src, data_sets& d, clock_type::time_point t0) {
    prune::sensitivity_options o;
    o.select = select_from_args(args);
    o.eval_limit = args.value("eval-limit", 500);
    if (args.contains("levels"))
        if (auto e = parse_number_list("levels", args["levels"].get<std::string>(), &o.levels); !e.empty())
            return make_error(e);
    if (auto e = prune::check_options(o); !e.empty()) return make_error(e);
    prune::sensitivity_scan s;
    if (auto e = s.start(src.m, d.test, o); !e.empty()) return make_error(e);
    while (s.step())
        report_progress(progress_bar_line("sensitivity", s.fraction_done(),
                                 std::to_string(s.evaluated()) + "/" + std::to_string(s.total()) + " evaluations"),
                        s.done());
    json j = lab::to_json(s.result());
    j.update({{"model", args["model"]}, {"arch", src.arch}, {"mode", "sensitivity"}, {"subset", d.subset},
              {"seconds", std::chrono::duration<double>(clock_type::now() - t0).count()}});
    return j;
}

json cmd_lottery(const json& args, source_model& src, data_sets& d, clock_type::time_point t0) {
    prune::lottery_options o;
    o.rounds = args.value("rounds", 3);
    o.rate = args.value("rate", 0.5);
    o.global = args.value("method", std::string("magnitude")) == "global";
    if (args.value("method", std::string("magnitude")) == "sparse24")
        return make_error("method: the lottery ticket prunes by magnitude (magnitude or global), not sparse24");
    o.select = select_from_args(args);
    o.train = train_from_args(args);
    o.train.max_steps = args.value("steps", 200);
    o.train.lr = static_cast<float>(args.value("lr", 0.05));
    o.train.limit = args.value("limit", 6000);
    o.eval_limit = args.value("eval-limit", 500);
    if (auto e = prune::check_options(o); !e.empty()) return make_error(e);
    std::string err;
    models::arch_options ao = src.options;
    ao.seed = static_cast<std::uint64_t>(args.value("seed", 1));
    auto init = models::build_arch(src.arch, ao, &err);
    ao.seed += 1000;
    auto reinit = init ? models::build_arch(src.arch, ao, &err) : std::nullopt;
    if (!init || !reinit) return make_error(err);
    prune::lottery_run L;
    if (auto e = L.start(*init, *reinit, d.train, d.test, o); !e.empty()) return make_error(e);
    while (L.step()) {
        const auto& rr = L.result().rounds.back();
        report_progress(progress_bar_line("lottery", L.fraction_done(),
                                 "round " + std::to_string(rr.round) + "/" + std::to_string(o.rounds)),
                        L.done());
    }
    json j = lab::to_json(L.result());
    j.update({{"model", args["model"]}, {"arch", src.arch}, {"mode", "lottery"}, {"init_seed", args.value("seed", 1)},
              {"reinit_seed", args.value("seed", 1) + 1000}, {"rate", o.rate},
              {"method", o.global ? "global" : "magnitude"}, {"steps", o.train.max_steps}, {"batch", o.train.batch},
              {"lr", o.train.lr},
              {"train_images", o.train.limit > 0 ? std::min(o.train.limit, d.train.count) : d.train.count},
              {"subset", d.subset}, {"seconds", std::chrono::duration<double>(clock_type::now() - t0).count()}});
    return j;
}

json cmd_prune(const json& args) {
    const auto t0 = clock_type::now();
    const bool sens = args.value("sensitivity", false), lottery = args.value("lottery", false);
    if (sens && lottery) return make_error("sensitivity and lottery are two modes: give one of them");
    if (args.contains("sparsity"))
        if (auto e = prune::check_sparsity(args["sparsity"].get<double>()); !e.empty()) return make_error(e);
    std::string err;
    auto src = load_source(args, &err);
    if (!src) return make_error(err);
    auto d = load_data(args, src->m, &err);
    if (!d) return make_error(err);
    if (sens) return cmd_sensitivity(args, *src, *d, t0);
    if (lottery) return cmd_lottery(args, *src, *d, t0);

    prune::prune_options o;
    o.mask = select_from_args(args);
    o.mask.how = *prune::parse_method(args.value("method", std::string("magnitude")));
    o.mask.sparsity = args.value("sparsity", 0.5);
    o.mask.strict24 = args.value("strict24", false);
    o.iterations = args.value("iterative", 1);
    o.train = train_from_args(args);
    if (auto e = prune::check_options(o); !e.empty()) return make_error(e);
    const bool f16 = args.value("values", std::string("f16")) == "f16";
    const int eval_limit = args.value("eval-limit", 0);

    const auto dense = train::evaluate(src->m, d->test, eval_limit);
    prune::prune_trainer t;
    if (auto e = t.start(src->m, d->train, o); !e.empty()) return make_error(e);
    const auto once = train::evaluate(t.pruned_once(), d->test, eval_limit);
    while (t.step()) {
        const auto& p = t.status();
        char tail[160];
        std::snprintf(tail, sizeof tail, "round %d/%d  target %.3f  step %lld/%lld  loss %.4f  acc %5.1f%%  %.0f img/s",
                      p.round, p.rounds, p.target, p.step, p.steps_total, p.loss, 100.0 * p.accuracy, p.images_per_s);
        report_progress(progress_bar_line("prune", p.steps_total ? static_cast<double>(p.step) / p.steps_total : 1.0, tail),
                        t.done());
    }
    engine::model tuned = t.model();
    // The stored model: with f16 values the weights are rounded as the file stores them, so the
    // accuracy reported is the file's (native and page load the same numbers).
    if (f16)
        for (const auto& l : prune::weight_layers(tuned))
            for (std::size_t i = l.off; i < l.off + l.count; ++i) tuned.weights[i] = engine::f16_round(tuned.weights[i]);
    const auto fine = train::evaluate(tuned, d->test, eval_limit);
    const auto rep = prune::measure(tuned);
    json skipped = json::array();
    if (o.mask.how == prune::method::sparse24)
        for (const auto& l : prune::selected_layers(tuned, o.mask))
            if (!l.sparse24_ok()) skipped.push_back({{"name", l.name}, {"reason", l.sparse24_reason()}});
    json history = json::array();
    const auto& losses = t.step_loss();
    const std::size_t every = std::max<std::size_t>(1, losses.size() / 20);
    for (std::size_t i = 0; i < losses.size(); i += every) {
        const std::size_t end = std::min(losses.size(), i + every);
        double s = 0;
        for (std::size_t k = i; k < end; ++k) s += losses[k];
        history.push_back({{"step", static_cast<long long>(end)}, {"loss", s / static_cast<double>(end - i)}});
    }
    const int n_train = o.train.limit > 0 ? std::min(o.train.limit, d->train.count) : d->train.count;
    json answer = {{"model", args["model"]},
                   {"arch", src->arch},
                   {"method", std::string(prune::method_name(o.mask.how))},
                   {"sparsity_target", o.mask.how == prune::method::sparse24 ? 0.5 : o.mask.sparsity},
                   {"iterations", o.iterations},
                   {"steps", o.train.max_steps},
                   {"batch", std::min(o.train.batch, n_train)},
                   {"lr", o.train.lr},
                   {"optimizer", o.train.optimizer},
                   {"seed", o.train.seed},
                   {"train_images", n_train},
                   {"values", f16 ? "f16" : "f32"},
                   {"accuracy_dense", dense.accuracy},
                   {"accuracy_pruned", once.accuracy},
                   {"accuracy_finetuned", fine.accuracy},
                   {"sparsity", rep.sparsity},
                   {"prunable_weights", rep.count},
                   {"zeros", rep.zeros},
                   {"layers", layers_json(rep)},
                   {"sparse24_skipped", skipped},
                   {"history", history},
                   {"predictions_hash", train::predictions_hash(fine.predictions)},
                   {"subset", d->subset},
                   {"n", fine.n},
                   {"seconds_finetune", t.seconds()}};
    if (args.contains("out")) {
        const std::string out = args["out"].get<std::string>();
        json info = {{"method", answer["method"]}, {"sparsity", rep.sparsity}, {"sparsity_target", answer["sparsity_target"]},
                     {"iterations", o.iterations}, {"steps", o.train.max_steps}, {"from", args["model"]},
                     {"accuracy_finetuned", fine.accuracy}, {"subset", d->subset}, {"n", fine.n}};
        if (auto e = models::save_model_file(out, tuned, src->arch, src->options,
                                             f16 ? engine::weight_storage::sparse_f16 : engine::weight_storage::sparse_f32,
                                             {{"pruning", info}});
            !e.empty())
            return make_error(e);
        answer["out"] = out;
        std::ifstream f(out, std::ios::binary | std::ios::ate);
        answer["out_bytes"] = static_cast<long long>(f.tellg());
        answer["dense_bytes"] = static_cast<long long>(engine::weights_serialize(src->m, models::describe(src->arch, src->options)).size());
    }
    answer["seconds"] = std::chrono::duration<double>(clock_type::now() - t0).count();
    return answer;
}

}  // namespace

void register_prune_commands(std::vector<command_spec>& out) {
    std::vector<arg_spec> a;
    a.push_back({"model", arg_type::arg_type_string, model_arg_help, true});
    a.push_back({"method", arg_type::arg_type_choice,
                 "magnitude (each layer to the target), global (one threshold across layers) or sparse24 (2 of every 4 "
                 "along the input channels)",
                 false, -INFINITY, INFINITY, {"magnitude", "global", "sparse24"}, "magnitude"});
    a.push_back({"sparsity", arg_type::arg_type_number, "target sparsity of the prunable weights, in [0, 1)", false,
                 -INFINITY, INFINITY, {}, 0.5});
    a.push_back({"iterative", arg_type::arg_type_integer,
                 "pruning rounds (1: one-shot; N: prune on a cubic schedule, fine-tuning steps/N after each)", false, 1,
                 100, {}, 1});
    a.push_back({"steps", arg_type::arg_type_integer,
                 "fine-tuning steps in all (0: none; default 300; lottery: steps of each training run, default 200)",
                 false, 0, 1000000});
    a.push_back({"batch", arg_type::arg_type_integer, "images per step", false, 1, 1024, {}, 32});
    a.push_back({"lr", arg_type::arg_type_number,
                 "peak learning rate, warm-up and cosine decay (default 0.01; lottery, training from scratch: 0.05)", false,
                 1e-8, 10});
    a.push_back({"optimizer", arg_type::arg_type_choice, "optimizer", false, -INFINITY, INFINITY, {"sgd", "adam"}, "sgd"});
    a.push_back({"limit", arg_type::arg_type_integer,
                 "train on the first N images only (0: all; the default, lottery: 6000)", false, 0, 60000});
    a.push_back({"seed", arg_type::arg_type_integer, "seed of shuffling and augmentation (lottery: of the initialization)",
                 false, 0, 9007199254740991.0, {}, 1});
    a.push_back({"subset", arg_type::arg_type_choice, "test images: web (the page's stratified 2,000) or full (10,000)",
                 false, -INFINITY, INFINITY, {"web", "full"}, "web"});
    a.push_back({"eval-limit", arg_type::arg_type_integer,
                 "first N images of the test subset only (0: all; sensitivity and lottery default to 500)", false, 0,
                 10000});
    a.push_back({"strict24", arg_type::arg_type_flag,
                 "sparse24: refuse when a layer's input channels per group are not a multiple of 4 (default: such "
                 "layers stay dense and are listed)"});
    a.push_back({"skip-first", arg_type::arg_type_flag, "leave the first convolution dense"});
    a.push_back({"skip-classifier", arg_type::arg_type_flag, "leave the classifier dense"});
    a.push_back({"skip-depthwise", arg_type::arg_type_flag, "leave depthwise convolutions dense"});
    a.push_back({"values", arg_type::arg_type_choice,
                 "how --out stores the nonzero weights (f16: rounded, and the accuracy is the rounded model's)", false,
                 -INFINITY, INFINITY, {"f16", "f32"}, "f16"});
    a.push_back({"out", arg_type::arg_type_string, "pruned weights file to write (sparse form, e.g. NAME.pruned50.esw)", false});
    a.push_back({"sensitivity", arg_type::arg_type_flag,
                 "sensitivity scan instead: each layer alone pruned to each of --levels, no fine-tuning"});
    a.push_back({"levels", arg_type::arg_type_string, "sensitivity: comma-separated sparsities (default 0,0.25,0.5,0.7,0.9)",
                 false});
    a.push_back({"lottery", arg_type::arg_type_flag,
                 "lottery ticket instead: the model's architecture from --seed's initialization, iterative magnitude "
                 "pruning with rewinding against a random re-initialization (seed + 1000) under the same masks"});
    a.push_back({"rounds", arg_type::arg_type_integer, "lottery: pruning rounds after the dense one", false, 1, 20, {}, 3});
    a.push_back({"rate", arg_type::arg_type_number, "lottery: fraction of the remaining weights pruned per round", false,
                 0.01, 0.99, {}, 0.5});
    out.push_back({"prune",
                   "Pruning: magnitude (layer-wise or global) or 2:4, one-shot or iterative, fine-tuned with the masks "
                   "kept; accuracy before, after pruning and after fine-tuning, sparsity per layer. --sensitivity scans "
                   "layers, --lottery runs the lottery ticket.",
                   std::move(a), cmd_prune});
}

}  // namespace es::api
