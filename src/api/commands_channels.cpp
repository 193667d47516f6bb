// prune-channels: structured channel pruning of a trained model (src/prune/channels.h):
// rank the output channels of every prunable layer by filter norm, remove the lowest
// fraction with every dependent weight, fine-tune the smaller dense model, and report
// accuracy (before, after removal, after fine-tuning), params and MACs, and the measured
// batch-1 latency of the dense and the pruned model timed interleaved in one process.
#include "api/dispatcher.h"
#include "api/model_args.h"
#include "api/progress.h"

#include "data/fashion_mnist.h"
#include "engine/bench.h"
#include "engine/session.h"
#include "engine/weights_io.h"
#include "models/analysis.h"
#include "models/model_file.h"
#include "models/shipped.h"
#include "prune/channels.h"
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace es::api {

namespace {

std::optional<source_model> load_trained(const json& args, std::string* err) {
    return load_source_model(
        args, "a folded (optimized) file cannot be channel-pruned and fine-tuned: use the plain weights file", err);
}

// Median batch-1 latency of two models, run alternately after a shared warm-up (as
// bench --variants does), so machine noise hits both alike.
bool time_pair(const engine::model& a, const engine::model& b, int runs, double warmup_ms, double* ms_a, double* ms_b,
               std::string* err) {
    engine::session sa, sb;
    if (auto e = sa.prepare(engine::optimize(a), 1); !e.empty()) return *err = e, false;
    if (auto e = sb.prepare(engine::optimize(b), 1); !e.empty()) return *err = e, false;
    engine::fill_bench_input(sa.input(), sa.input_count());
    engine::fill_bench_input(sb.input(), sb.input_count());
    using clock = std::chrono::steady_clock;
    const auto w0 = clock::now();
    for (int i = 0;; ++i) {
        if (i >= 10 && std::chrono::duration<double, std::milli>(clock::now() - w0).count() >= warmup_ms) break;
        sa.run();
        sb.run();
    }
    std::vector<double> ta, tb;
    for (int i = 0; i < runs; ++i) {
        auto t0 = clock::now();
        sa.run();
        auto t1 = clock::now();
        sb.run();
        auto t2 = clock::now();
        ta.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        tb.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    *ms_a = engine::median_of(ta);
    *ms_b = engine::median_of(tb);
    return true;
}

std::string progress_line(const train::progress& p) {
    char buf[200];
    const double frac = p.steps_total ? static_cast<double>(p.step) / static_cast<double>(p.steps_total) : 0.0;
    std::snprintf(buf, sizeof buf, "fine-tune %3.0f%%  step %lld/%lld  loss %.4f  acc %5.1f%%  %.0f img/s", 100.0 * frac,
                  p.step, p.steps_total, p.loss, 100.0 * p.accuracy, p.images_per_s);
    return buf;
}

json cmd_prune_channels(const json& args) {
    const auto t0 = std::chrono::steady_clock::now();
    std::string err;
    const double fraction = args["fraction"].get<double>();
    const auto norm = prune::parse_channel_norm(args.value("norm", std::string("l1")));
    if (!norm) return make_error("--norm must be l1 or l2");
    auto src = load_trained(args, &err);
    if (!src) return make_error(err);
    if (src->description.contains("channels"))
        return make_error("this model is already channel-pruned: prune its dense original instead");
    auto plan = prune::plan_channels(src->m, fraction, *norm, &err);
    if (!plan) return make_error(err);
    auto pruned = prune::apply_plan(src->m, *plan, &err);
    if (!pruned) return make_error(err);

    auto train_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, &err);
    if (!train_set) return make_error("cannot load the training images: " + err);
    auto test_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, &err);
    if (!test_set) return make_error("cannot load the test images: " + err);
    const std::string subset = args.value("subset", std::string("web"));
    if (subset == "full" && test_set->count < 10000)
        return make_error("this build holds only the web subset of the test images (2,000): use --subset web");
    const data::dataset test = subset == "web" ? train::stratified_subset(*test_set, 200) : std::move(*test_set);
    if (test.rows != src->m.input.h || test.cols != src->m.input.w || src->m.input.c != 1)
        return make_error("this model does not take 28x28x1 images");
    const int eval_limit = args.value("eval-limit", 0);

    const auto acc_before = train::evaluate(src->m, test, eval_limit);
    const auto acc_removed = train::evaluate(*pruned, test, eval_limit);

    train::train_options o;
    const int steps = args.value("steps", 600);
    o.batch = args.value("batch", 32);
    o.lr = static_cast<float>(args.value("lr", 0.01));
    o.seed = static_cast<std::uint64_t>(args.value("seed", 1));
    o.limit = args.value("limit", 0);
    const int n_train = o.limit > 0 ? std::min(o.limit, train_set->count) : train_set->count;
    if (n_train <= 0) return make_error("the training set is empty: fine-tuning needs training images");
    o.max_steps = steps;
    o.warmup_steps = std::min(100, std::max(1, steps / 5));
    const long long per_epoch = (n_train + o.batch - 1) / o.batch;
    o.epochs = static_cast<int>((steps + per_epoch - 1) / per_epoch);
    engine::model tuned = *pruned;
    train::train_result tr;
    if (steps > 0) {
        tr = train::train_model(tuned, *train_set, o, [](const train::progress& p) {
            report_progress(progress_line(p), p.step == p.steps_total);
            return true;
        });
        if (!tr.error.empty()) return make_error(tr.error);
    }
    const auto acc_tuned = train::evaluate(tuned, test, eval_limit);

    const auto a0 = models::analyze(src->m), a1 = models::analyze(tuned);
    double ms_dense = 0, ms_pruned = 0;
    if (!time_pair(src->m, tuned, args.value("runs", 200), args.value("warmup-ms", 1000.0), &ms_dense, &ms_pruned, &err))
        return make_error(err);

    json layers = json::array();
    for (const auto& l : plan->layers)
        layers.push_back({{"layer", l.name}, {"before", l.before}, {"after", l.keep.size()}});
    const std::string arch = src->description.value("arch", std::string());
    json answer = {{"model", args["model"]},
                   {"arch", arch},
                   {"fraction", fraction},
                   {"norm", args.value("norm", std::string("l1"))},
                   {"layers", layers},
                   {"accuracy_before", acc_before.accuracy},
                   {"accuracy_removed", acc_removed.accuracy},
                   {"accuracy_finetuned", acc_tuned.accuracy},
                   {"subset", subset},
                   {"n", acc_tuned.n},
                   {"steps", steps},
                   {"batch", std::min(o.batch, n_train)},
                   {"lr", o.lr},
                   {"train_images", n_train},
                   {"params_before", a0.total.params},
                   {"params_after", a1.total.params},
                   {"macs_before", a0.total.macs},
                   {"macs_after", a1.total.macs},
                   {"latency_ms_before", ms_dense},
                   {"latency_ms_after", ms_pruned},
                   {"speedup", ms_pruned > 0 ? ms_dense / ms_pruned : 0.0},
                   {"finetune_seconds", tr.seconds}};
    if (args.contains("out")) {
        const std::string out = args["out"].get<std::string>();
        json desc = src->description;
        desc["channels"] = prune::plan_widths_json(*plan);
        desc["pruning"] = {{"from", args["model"]}, {"fraction", fraction}, {"norm", answer["norm"]},
                           {"steps", steps}, {"accuracy_finetuned", acc_tuned.accuracy}, {"subset", subset}};
        if (auto e = engine::weights_save_file(out, tuned, desc); !e.empty()) return make_error(e);
        std::string why;
        if (!models::load_model_file(out, &why)) return make_error("the written file does not load back: " + why);
        answer["out"] = out;
        std::ifstream f(out, std::ios::binary | std::ios::ate);
        answer["out_bytes"] = static_cast<long long>(f.tellg());
    }
    answer["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return answer;
}

}  // namespace

void register_channel_commands(std::vector<command_spec>& out) {
    std::vector<arg_spec> a;
    a.push_back({"model", arg_type::arg_type_string, model_arg_help, true});
    a.push_back({"fraction", arg_type::arg_type_number,
                 "fraction of the channels of every prunable layer to remove, in [0, 1)", true});
    a.push_back({"norm", arg_type::arg_type_choice, "ranking of a channel: L1 or L2 norm of its filter", false,
                 -INFINITY, INFINITY, {"l1", "l2"}, "l1"});
    a.push_back({"steps", arg_type::arg_type_integer, "fine-tuning steps (0: none)", false, 0, 100000, {}, 600});
    a.push_back({"batch", arg_type::arg_type_integer, "images per step", false, 1, 1024, {}, 32});
    a.push_back({"lr", arg_type::arg_type_number, "peak learning rate (SGD, Nesterov, cosine decay)", false, 1e-8, 1,
                 {}, 0.01});
    a.push_back({"limit", arg_type::arg_type_integer, "fine-tune on the first N training images only (0: all)", false,
                 0, 60000, {}, 0});
    a.push_back({"seed", arg_type::arg_type_integer, "seed of the shuffling and augmentation", false, 0,
                 9007199254740991.0, {}, 1});
    a.push_back({"subset", arg_type::arg_type_choice, "test images: web (the page's stratified 2,000) or full (10,000)",
                 false, -INFINITY, INFINITY, {"web", "full"}, "web"});
    a.push_back({"eval-limit", arg_type::arg_type_integer, "first N images of the test subset only (0: all)", false, 0,
                 10000, {}, 0});
    a.push_back({"runs", arg_type::arg_type_integer, "timed batch-1 runs of each model (interleaved)", false, 1,
                 100000, {}, 200});
    a.push_back({"warmup-ms", arg_type::arg_type_number, "shared warm-up before timing, milliseconds", false, 0,
                 600000, {}, 1000});
    a.push_back({"out", arg_type::arg_type_string, "weights file to write (e.g. web/models/NAME.channels25.esw)", false});
    out.push_back({"prune-channels",
                   "Structured channel pruning: removes the lowest-norm fraction of the output channels of every "
                   "prunable layer with every dependent weight, fine-tunes the smaller dense model, and reports "
                   "accuracy, params, MACs and measured latency before and after.",
                   std::move(a), cmd_prune_channels});
}

}  // namespace es::api
