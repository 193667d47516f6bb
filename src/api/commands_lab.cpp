// `lab ...`: the training-concepts experiments the page runs (study sheet §4), natively, on
// the page's data (2,000 test and 6,000 training images), printing the numbers the page shows.
//
//   lab distill  the same student trained on hard labels and with the distillation loss
//                against a shipped teacher, for each of --seeds; mean and spread of both arms
//   lab batch    one architecture trained with a small batch, a large batch, and a large batch
//                with the learning rate scaled; loss, accuracy, time per epoch, sharpness
//   lab ofa      sub-networks of the Once-for-All supernet taken out without training: accuracy
//                (after batch-norm recalibration) and batch-1 latency, the Pareto front, random
//                vs evolutionary search under a latency budget
//   lab ofa-train  trains a supernet by progressive shrinking (what ./build.sh ofa-weights runs)
#include "api/dispatcher.h"
#include "api/model_args.h"
#include "api/progress.h"
#include "lab/batch_lab.h"
#include "lab/distill_lab.h"
#include "lab/ofa_lab.h"
#include "data/fashion_mnist.h"
#include "models/analysis.h"
#include "nas/ofa_train.h"
#include "train/trainer.h"

#include <fstream>

#include <cmath>
#include <sstream>

namespace es::api {

namespace {

// "1,2,3" -> {1, 2, 3}; "" or the message.
std::string parse_seeds(const std::string& text, std::vector<int>* out) {
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        const long v = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || end == item.c_str() || *end != '\0' || v < 0 || v > 1000000)
            return "seeds: \"" + item + "\" is not a seed (a comma-separated list of whole numbers 0 to 1000000)";
        out->push_back(static_cast<int>(v));
    }
    if (out->empty()) return "seeds: give at least one seed";
    if (out->size() > 20) return "seeds: at most 20";
    return "";
}

json mean_std(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m += x;
    m /= static_cast<double>(v.size());
    double var = 0;
    for (double x : v) var += (x - m) * (x - m);
    const double sd = v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0;
    return {{"mean", m}, {"std", sd}, {"min", *std::min_element(v.begin(), v.end())},
            {"max", *std::max_element(v.begin(), v.end())}};
}

json cmd_lab_distill(const json& args) {
    lab::distill_settings s;
    s.teacher = args.value("teacher", s.teacher);
    s.student = args.value("student", s.student);
    s.student_width = args.value("width", s.student_width);
    s.steps = args.value("steps", s.steps);
    s.batch = args.value("batch", s.batch);
    s.lr = args.value("lr", s.lr);
    s.temperature = args.value("temperature", s.temperature);
    s.alpha = args.value("alpha", s.alpha);
    s.eval_every = args.value("eval-every", s.eval_every);
    s.eval_limit = args.value("eval-limit", s.eval_limit);
    s.train_limit = args.value("train-limit", s.train_limit);
    std::vector<int> seeds;
    if (auto e = parse_seeds(args.value("seeds", std::string("1")), &seeds); !e.empty()) return make_error(e);
    if (auto e = lab::check_settings(s); !e.empty()) return make_error(e);
    json runs = json::array();
    std::vector<double> kd, scratch, gain;
    lab::distill_job j;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
        s.seed = seeds[i];
        if (auto e = j.start(s); !e.empty()) return make_error(e);
        while (j.tick(200.0))
            report_progress(progress_bar_line("distill", (static_cast<double>(i) + j.progress()) / seeds.size(),
                                              "seed " + std::to_string(s.seed) + " (" + std::to_string(i + 1) + "/" +
                                                  std::to_string(seeds.size()) + ")"),
                            false);
        json r = lab::to_json(j.result());
        r["seed"] = s.seed;
        runs.push_back(r);
        kd.push_back(r["accuracy_kd"].get<double>());
        scratch.push_back(r["accuracy_scratch"].get<double>());
        gain.push_back(kd.back() - scratch.back());
    }
    report_progress(progress_bar_line("distill", 1.0, "done"), true);
    const auto& r0 = j.result();
    int wins = 0;
    for (double g : gain) wins += g > 0;
    return {{"lab", "distill"},
            {"teacher", s.teacher},
            {"teacher_accuracy", r0.teacher_accuracy},
            {"teacher_params", r0.teacher_params},
            {"teacher_macs", r0.teacher_macs},
            {"student", s.student},
            {"student_width", s.student_width},
            {"student_params", r0.student_params},
            {"student_macs", r0.student_macs},
            {"steps", s.steps},
            {"batch", s.batch},
            {"lr", s.lr},
            {"temperature", s.temperature},
            {"alpha", s.alpha},
            {"n", r0.n},
            {"runs", runs},
            {"accuracy_kd", mean_std(kd)},
            {"accuracy_scratch", mean_std(scratch)},
            {"gain", mean_std(gain)},
            {"kd_wins", wins}};
}

json cmd_lab_batch(const json& args) {
    lab::batch_settings s;
    s.model = args.value("model", s.model);
    s.small_batch = args.value("small", s.small_batch);
    s.large_batch = args.value("large", s.large_batch);
    s.lr = args.value("lr", s.lr);
    s.epochs = args.value("epochs", s.epochs);
    s.train_limit = args.value("train-limit", s.train_limit);
    s.eval_limit = args.value("eval-limit", s.eval_limit);
    s.seed = args.value("seed", s.seed);
    s.directions = args.value("directions", s.directions);
    s.probe_images = args.value("probe-images", s.probe_images);
    if (args.contains("radii"))
        if (auto e = parse_number_list("radii", args["radii"].get<std::string>(), &s.radii); !e.empty())
            return make_error(e);
    if (auto e = lab::check_settings(s); !e.empty()) return make_error(e);
    lab::batch_job j;
    if (auto e = j.start(s); !e.empty()) return make_error(e);
    while (j.tick(200.0)) report_progress(progress_bar_line("batch", j.progress(), ""), false);
    report_progress(progress_bar_line("batch", 1.0, "done"), true);
    json out = lab::to_json(j.result());
    out["lab"] = "batch";
    out["model"] = s.model;
    out["train_images"] = s.train_limit;
    out["epochs"] = s.epochs;
    out["seed"] = s.seed;
    out["directions"] = s.directions;
    return out;
}

lab::ofa_settings ofa_settings_from(const json& args) {
    lab::ofa_settings s;
    s.supernet = args.value("supernet", s.supernet);
    s.samples = args.value("samples", s.samples);
    s.budget_ms = args.value("budget-ms", s.budget_ms);
    s.evals = args.value("evals", s.evals);
    s.population = args.value("population", s.population);
    s.mutate = args.value("mutate", s.mutate);
    s.recal_images = args.value("recal-images", s.recal_images);
    s.eval_limit = args.value("eval-limit", s.eval_limit);
    s.latency_runs = args.value("latency-runs", s.latency_runs);
    s.seed = args.value("seed", s.seed);
    s.search = !args.value("no-search", false);
    return s;
}

json run_ofa(const lab::ofa_settings& s, const std::vector<std::string>& configs) {
    lab::ofa_job j;
    if (auto e = j.start(s); !e.empty()) return make_error(e);
    for (const auto& c : configs)
        if (auto e = j.measure(c); !e.empty()) return make_error("config " + c + ": " + e);
    while (j.tick(200.0))
        report_progress(progress_bar_line("ofa", j.progress(), std::to_string(j.result().points.size()) + " sub-networks"),
                        false);
    report_progress(progress_bar_line("ofa", 1.0, "done"), true);
    if (!j.result().finished) return make_error(j.message());
    json out = lab::to_json(j.result());
    out["lab"] = "ofa";
    out["supernet"] = s.supernet;
    out["seed"] = s.seed;
    out["evals"] = s.evals;
    out["samples"] = s.samples;
    return out;
}

json cmd_lab_ofa(const json& args) {
    const lab::ofa_settings s = ofa_settings_from(args);
    if (auto e = lab::check_settings(s); !e.empty()) return make_error(e);
    std::vector<std::string> configs;
    if (args.contains("config")) {
        std::stringstream ss(args["config"].get<std::string>());
        std::string c;
        while (std::getline(ss, c, ' '))
            if (!c.empty()) configs.push_back(c);
    }
    return run_ofa(s, configs);
}

// The control experiment: one sub-network of the space trained alone from scratch for the
// supernet's whole step budget, tested on the page's 2,000 test images.
json ofa_standalone(const nas::ofa_space& space, const nas::ofa_config& c, const nas::ofa_train_options& o,
                    const data::dataset& train_set) {
    std::string err;
    auto m = nas::build_config(space, c, o.seed, &err);
    if (!m) return make_error(err);
    train::train_options t;
    t.epochs = 0;
    t.max_steps = o.steps_full + o.steps_kernel + o.steps_depth + o.steps_expand;
    t.batch = o.batch;
    t.lr = o.lr_full;
    t.seed = o.seed;
    t.limit = o.limit;
    const auto r = train::train_model(*m, train_set, t, [&](const train::progress& p) {
        report_progress(progress_bar_line("standalone", static_cast<double>(p.step) / static_cast<double>(p.steps_total),
                                          nas::config_text(c)),
                        false);
        return true;
    });
    report_progress(progress_bar_line("standalone", 1.0, r.error.empty() ? "done" : r.error), true);
    if (!r.error.empty()) return make_error(r.error);
    auto test_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, &err);
    if (!test_set) return make_error(err);
    const auto e = train::evaluate(*m, train::stratified_subset(*test_set, 200));
    return {{"lab", "ofa-train"}, {"standalone", nas::config_text(c)}, {"steps", t.max_steps}, {"batch", t.batch},
            {"lr", t.lr}, {"seed", o.seed}, {"accuracy", e.accuracy}, {"n", e.n},
            {"macs", models::analyze(*m).total.macs}, {"params", engine::param_count(*m)}, {"seconds", r.seconds}};
}

json cmd_lab_ofa_train(const json& args) {
    nas::ofa_train_options o;
    o.steps_full = args.value("steps-full", o.steps_full);
    o.steps_kernel = args.value("steps-kernel", o.steps_kernel);
    o.steps_depth = args.value("steps-depth", o.steps_depth);
    o.steps_expand = args.value("steps-expand", o.steps_expand);
    o.chunk = args.value("chunk", o.chunk);
    o.batch = args.value("batch", o.batch);
    o.lr_full = args.value("lr", o.lr_full);
    o.lr_shrink = args.value("lr-shrink", o.lr_shrink);
    o.distill = !args.value("no-distill", false);
    o.seed = static_cast<std::uint64_t>(args.value("seed", 1));
    o.limit = args.value("limit", o.limit);
    const std::string out = args.value("out", std::string());
    if (auto e = nas::check_options(o); !e.empty()) return make_error(e);
    std::string err;
    const nas::ofa_space space;
    std::optional<nas::ofa_config> alone;
    if (args.contains("standalone")) {
        alone = nas::parse_config(space, args["standalone"].get<std::string>(), &err);
        if (!alone) return make_error("standalone: " + err);
        if (!out.empty()) return make_error("--standalone trains one plain network, not a supernet: drop --out");
    }
    auto train_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, &err);
    if (!train_set) return make_error(err);
    if (alone) return ofa_standalone(space, *alone, o, *train_set);
    engine::model super = nas::build_supernet(space, o.seed);
    const auto r = nas::train_supernet(super, space, *train_set, o, [](const nas::ofa_train_progress& p) {
        report_progress(progress_bar_line("ofa-train", static_cast<double>(p.step) / static_cast<double>(p.steps_total),
                                          p.phase + " " + p.config + " loss " + std::to_string(p.loss).substr(0, 5)),
                        false);
        return true;
    });
    report_progress(progress_bar_line("ofa-train", 1.0, r.error.empty() ? "done" : r.error), true);
    if (!r.error.empty()) return make_error(r.error);
    json phases = json::array();
    for (const auto& ph : r.phases)
        phases.push_back({{"phase", ph.name}, {"steps", ph.steps}, {"subnets", ph.subnets}, {"loss", ph.loss},
                          {"seconds", ph.seconds}});
    json training = {{"steps_full", o.steps_full}, {"steps_kernel", o.steps_kernel}, {"steps_depth", o.steps_depth},
                     {"steps_expand", o.steps_expand}, {"chunk", o.chunk}, {"batch", o.batch}, {"lr", o.lr_full},
                     {"lr_shrink", o.lr_shrink}, {"distill", o.distill}, {"seed", o.seed},
                     {"train_images", o.limit > 0 ? std::min(o.limit, train_set->count) : train_set->count},
                     {"phases", phases}, {"seconds", r.seconds}};
    json answer = {{"lab", "ofa-train"}, {"space", nas::space_json(space)}, {"training", training},
                   {"supernet_params", engine::param_count(super)}};
    if (!out.empty()) {
        if (auto e = nas::save_supernet(out, super, space, {{"training", training}}); !e.empty()) return make_error(e);
        answer["out"] = out;
        std::ifstream f(out, std::ios::binary | std::ios::ate);
        answer["out_bytes"] = static_cast<long long>(f.tellg());
        // The trained supernet's corners and a few random sub-networks, as the page measures them.
        lab::ofa_settings s;
        s.supernet = out;
        s.samples = args.value("check-samples", 4);
        s.search = false;
        s.eval_limit = 2000;
        json check = run_ofa(s, {});
        if (check.contains("error")) return check;
        answer["check"] = {{"points", check["points"]}, {"pareto", check["pareto"]}, {"n", check["n"]},
                           {"recal_n", check["recal_n"]}};
    }
    return answer;
}

}  // namespace

void register_lab_commands(std::vector<command_spec>& out) {
    std::vector<arg_spec> a;
    a.push_back({"teacher", arg_type::arg_type_string, "the teacher: a shipped model (default tiny_shufflenet_v2)", false,
                 -INFINITY, INFINITY, {}, "tiny_shufflenet_v2"});
    a.push_back({"student", arg_type::arg_type_string, "the student's architecture: a tiny preset (default tiny_mobilenet_v2)",
                 false, -INFINITY, INFINITY, {}, "tiny_mobilenet_v2"});
    a.push_back({"width", arg_type::arg_type_number, "the student's width multiplier", false, 0.1, 2.0, {}, 0.25});
    a.push_back({"steps", arg_type::arg_type_integer, "training steps of each arm", false, 1, 20000, {}, 300});
    a.push_back({"batch", arg_type::arg_type_integer, "images per step", false, 1, 512, {}, 32});
    a.push_back({"lr", arg_type::arg_type_number, "peak learning rate (SGD, warm-up and cosine decay)", false, 1e-6, 1.0, {}, 0.05});
    a.push_back({"temperature", arg_type::arg_type_number, "T: both softmaxes of the soft term use z / T", false, 0.01, 100.0,
                 {}, 4.0});
    a.push_back({"alpha", arg_type::arg_type_number, "weight of the soft term (1 - alpha on the hard labels)", false, 0.0, 1.0,
                 {}, 0.9});
    a.push_back({"seeds", arg_type::arg_type_string, "comma-separated seeds, one run of both arms each (default 1)", false});
    a.push_back({"eval-every", arg_type::arg_type_integer, "steps between test evaluations", false, 1, 20000, {}, 50});
    a.push_back({"eval-limit", arg_type::arg_type_integer, "test images per evaluation (first N of the page's 2,000)", false,
                 1, 2000, {}, 500});
    a.push_back({"train-limit", arg_type::arg_type_integer, "training images (first N of the page's 6,000)", false, 1, 6000,
                 {}, 6000});
    out.push_back({"lab distill",
                   "Knowledge distillation: the student trained on hard labels and, from the same initialization and "
                   "batches, with the distillation loss (T, T², alpha) against the teacher; test accuracy of both per "
                   "seed, with mean and spread.",
                   std::move(a), cmd_lab_distill});

    std::vector<arg_spec> b;
    b.push_back({"model", arg_type::arg_type_string, "a tiny preset's architecture, fresh weights (default tiny_mobilenet_v3)",
                 false, -INFINITY, INFINITY, {}, "tiny_mobilenet_v3"});
    b.push_back({"small", arg_type::arg_type_integer, "the small batch", false, 1, 1024, {}, 16});
    b.push_back({"large", arg_type::arg_type_integer, "the large batch", false, 2, 1024, {}, 256});
    b.push_back({"lr", arg_type::arg_type_number, "the small batch's peak learning rate; the scaled arm uses lr x large/small",
                 false, 1e-6, 1.0, {}, 0.02});
    b.push_back({"epochs", arg_type::arg_type_integer, "epochs of every arm", false, 1, 50, {}, 2});
    b.push_back({"train-limit", arg_type::arg_type_integer, "training images (first N of the page's 6,000)", false, 1, 6000,
                 {}, 3000});
    b.push_back({"eval-limit", arg_type::arg_type_integer, "test images per evaluation (first N of the page's 2,000)", false,
                 1, 2000, {}, 500});
    b.push_back({"seed", arg_type::arg_type_integer, "initialization and shuffling", false, 0, 1000000, {}, 1});
    b.push_back({"radii", arg_type::arg_type_string, "sharpness probe: comma-separated filter-normalized radii "
                 "(default 0,0.025,0.05,0.1,0.15,0.2)", false});
    b.push_back({"directions", arg_type::arg_type_integer, "sharpness probe: random directions averaged", false, 1, 20, {}, 2});
    b.push_back({"probe-images", arg_type::arg_type_integer, "sharpness probe: training images the loss is measured on",
                 false, 1, 6000, {}, 300});
    out.push_back({"lab batch",
                   "Batch size: the architecture trained from one initialization with a small batch, a large batch, and a "
                   "large batch with the learning rate scaled linearly; per epoch training loss, test accuracy and "
                   "time, then the training loss along random filter-normalized directions (sharpness).",
                   std::move(b), cmd_lab_batch});

    std::vector<arg_spec> c;
    c.push_back({"supernet", arg_type::arg_type_string, "the shipped supernet (ofa_mobilenet_v2) or a supernet file", false,
                 -INFINITY, INFINITY, {}, "ofa_mobilenet_v2"});
    c.push_back({"samples", arg_type::arg_type_integer, "random sub-networks for the scatter, besides the largest and smallest",
                 false, 0, 200, {}, 10});
    c.push_back({"budget-ms", arg_type::arg_type_number,
                 "the searches' batch-1 latency budget in ms (0: the median latency of the sampled sub-networks)", false, 0,
                 10000, {}, 0});
    c.push_back({"evals", arg_type::arg_type_integer, "sub-networks each search may test", false, 1, 200, {}, 12});
    c.push_back({"population", arg_type::arg_type_integer, "evolution: the random first generation", false, 2, 200, {}, 6});
    c.push_back({"mutate", arg_type::arg_type_number, "evolution: probability that a gene is redrawn", false, 0, 1, {}, 0.2});
    c.push_back({"recal-images", arg_type::arg_type_integer,
                 "training images that re-estimate batch norm's statistics (first N of the page's 6,000, whole batches of 25)", false, 25, 6000, {},
                 500});
    c.push_back({"eval-limit", arg_type::arg_type_integer, "test images per sub-network (first N of the page's 2,000)", false,
                 1, 2000, {}, 500});
    c.push_back({"latency-runs", arg_type::arg_type_integer, "timed batch-1 samples per sub-network (median; each the mean of as many runs as span about 4 ms)", false, 1, 1000, {},
                 15});
    c.push_back({"seed", arg_type::arg_type_integer, "the draws of sampling and both searches", false, 0, 1000000, {}, 1});
    c.push_back({"no-search", arg_type::arg_type_flag, "only the sampled sub-networks, no searches"});
    c.push_back({"config", arg_type::arg_type_string,
                 "space-separated sub-networks to test too, each d<depths>-k<kernels>-e<expands>", false});
    out.push_back({"lab ofa",
                   "Once-for-All: sub-networks taken from the trained supernet without retraining, each with batch norm "
                   "recalibrated, tested and timed at batch 1; the accuracy-latency Pareto front; random vs evolutionary "
                   "search for the best sub-network under a latency budget, with the same number of tests each.",
                   std::move(c), cmd_lab_ofa});

    std::vector<arg_spec> t;
    t.push_back({"out", arg_type::arg_type_string, "write the trained supernet here (weights file)", false});
    t.push_back({"steps-full", arg_type::arg_type_integer, "phase 1: steps of the largest network", false, 1, 1000000, {}, 2000});
    t.push_back({"steps-kernel", arg_type::arg_type_integer, "phase 2: steps with elastic kernel size", false, 0, 1000000, {}, 800});
    t.push_back({"steps-depth", arg_type::arg_type_integer, "phase 3: steps with elastic depth too", false, 0, 1000000, {}, 800});
    t.push_back({"steps-expand", arg_type::arg_type_integer, "phase 4: steps with elastic width too", false, 0, 1000000, {}, 1600});
    t.push_back({"chunk", arg_type::arg_type_integer, "steps each sampled sub-network trains", false, 1, 10000, {}, 20});
    t.push_back({"batch", arg_type::arg_type_integer, "images per step", false, 1, 1024, {}, 64});
    t.push_back({"lr", arg_type::arg_type_number, "phase 1's peak learning rate", false, 1e-6, 1.0, {}, 0.05});
    t.push_back({"lr-shrink", arg_type::arg_type_number, "phases 2-4's peak learning rate", false, 1e-6, 1.0, {}, 0.02});
    t.push_back({"no-distill", arg_type::arg_type_flag, "phases 2-4 on the labels only (no teacher)"});
    t.push_back({"seed", arg_type::arg_type_integer, "initialization and draws", false, 0, 1000000, {}, 1});
    t.push_back({"limit", arg_type::arg_type_integer, "training images (first N of 60,000; 0: all)", false, 0, 60000, {}, 0});
    t.push_back({"standalone", arg_type::arg_type_string,
                 "instead: train this one sub-network alone from scratch for the supernet's whole step budget (the "
                 "control experiment), d<depths>-k<kernels>-e<expands>",
                 false});
    t.push_back({"check-samples", arg_type::arg_type_integer,
                 "random sub-networks tested after training (with --out), besides the largest and smallest", false, 0, 50,
                 {}, 4});
    out.push_back({"lab ofa-train",
                   "Trains a Once-for-All supernet over tiny MobileNet V2 by progressive shrinking (largest network, then "
                   "elastic kernel, depth, width; sub-networks learn from the largest), then tests its largest, smallest "
                   "and a few random sub-networks on the page's 2,000 test images.",
                   std::move(t), cmd_lab_ofa_train});
}

}  // namespace es::api
