// `lab ...`: the training-concepts experiments the page runs (study sheet §4), natively, on
// the page's data (2,000 test and 6,000 training images), printing the numbers the page shows.
//
//   lab distill  the same student trained on hard labels and with the distillation loss
//                against a shipped teacher, for each of --seeds; mean and spread of both arms
//   lab batch    one architecture trained with a small batch, a large batch, and a large batch
//                with the learning rate scaled; loss, accuracy, time per epoch, sharpness
#include "api/dispatcher.h"
#include "api/model_args.h"
#include "api/progress.h"
#include "lab/batch_lab.h"
#include "lab/distill_lab.h"

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
}

}  // namespace es::api
