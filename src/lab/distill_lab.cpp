#include "lab/distill_lab.h"

#include "engine/session.h"
#include "lab/clock.h"
#include "lab/model_lab.h"
#include "models/analysis.h"
#include "models/model_file.h"
#include "models/models.h"
#include "models/shipped.h"
#include "train/augment.h"
#include "train/loss.h"
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace es::lab {

namespace {


std::optional<engine::model> load_shipped(const std::string& name, std::string* err) {
    auto path = models::resolve_model(name, err);
    if (!path) return std::nullopt;
    return models::load_model_file(*path, err);
}

}  // namespace

std::string check_settings(const distill_settings& s) {
    if (!models::is_tiny(s.student)) return "student: \"" + s.student + "\" is not a tiny preset";
    if (!(s.student_width >= 0.1 && s.student_width <= 2.0)) return "student width must be in [0.1, 2], got " + fmt_g(s.student_width);
    if (s.steps < 1 || s.steps > 20000) return "steps must be from 1 to 20000, got " + std::to_string(s.steps);
    if (s.batch < 1 || s.batch > 512) return "batch must be from 1 to 512, got " + std::to_string(s.batch);
    if (!(s.lr > 0.0 && s.lr <= 1.0)) return "lr must be in (0, 1], got " + fmt_g(s.lr);
    if (!(s.temperature > 0.0 && s.temperature <= 100.0)) return "temperature must be in (0, 100], got " + fmt_g(s.temperature);
    if (!(s.alpha >= 0.0 && s.alpha <= 1.0)) return "alpha must be in [0, 1], got " + fmt_g(s.alpha);
    if (s.seed < 0) return "seed must be 0 or more";
    if (s.eval_every < 1) return "eval-every must be at least 1";
    if (s.eval_limit < 1) return "eval-limit must be at least 1";
    if (s.train_limit < 1) return "train-limit must be at least 1";
    return "";
}

struct distill_job::impl {
    std::optional<data::dataset> test, train;
    std::shared_ptr<const engine::model> teacher;
    std::string teacher_name;
    train::trainer kd, scratch;
    train::evaluator ev_teacher, ev_kd, ev_scratch;
    enum class phase { idle, teacher_eval, train, eval } ph = phase::idle;
    int step = 0;
    double t0 = 0;
    // The dark-knowledge probe: the teacher at batch 1.
    std::unique_ptr<engine::session> probe;
    std::string probe_name;
    std::shared_ptr<const engine::model> probe_model;
};

distill_job::distill_job() : p_(std::make_unique<impl>()) {}
distill_job::~distill_job() = default;

std::string distill_job::load_data() {
    if (p_->test && p_->train) return "";
    return load_page_subsets(&p_->test, &p_->train);
}

const data::dataset* distill_job::test_set() const { return p_->test ? &*p_->test : nullptr; }

std::string distill_job::start(const distill_settings& s) {
    if (auto e = check_settings(s); !e.empty()) return e;
    if (auto e = load_data(); !e.empty()) return e;
    std::string err;
    auto teacher = load_shipped(s.teacher, &err);
    if (!teacher) return "teacher: " + err;
    models::arch_options ao = models::tiny_defaults();
    ao.width = static_cast<float>(s.student_width);
    ao.seed = static_cast<std::uint64_t>(s.seed);
    auto student = models::build_arch(s.student, ao, &err);
    if (!student) return "student: " + err;
    if (!(teacher->input == student->input)) return "the teacher and the student take different inputs";

    train::train_options o;
    o.max_steps = s.steps;
    o.batch = s.batch;
    o.lr = static_cast<float>(s.lr);
    o.seed = static_cast<std::uint64_t>(s.seed);
    o.limit = s.train_limit;
    o.epochs = 0;  // as many as max_steps needs
    auto shared_teacher = std::make_shared<const engine::model>(std::move(*teacher));
    train::train_options okd = o;
    okd.teacher = shared_teacher;
    okd.kd_temperature = static_cast<float>(s.temperature);
    okd.kd_alpha = static_cast<float>(s.alpha);

    auto next = std::make_unique<impl>();
    next->test = std::move(p_->test);
    next->train = std::move(p_->train);
    next->probe = std::move(p_->probe);
    next->probe_name = p_->probe_name;
    next->probe_model = p_->probe_model;
    auto restore = [&] {  // a refusal leaves the data and the probe where they were
        p_->test = std::move(next->test);
        p_->train = std::move(next->train);
        p_->probe = std::move(next->probe);
    };
    if (auto e = next->kd.start(*student, *next->train, okd); !e.empty()) {
        restore();
        return e;
    }
    if (auto e = next->scratch.start(*student, *next->train, o); !e.empty()) {
        restore();
        return e;
    }
    if (auto e = next->ev_teacher.start(*shared_teacher, *next->test, s.eval_limit); !e.empty()) {
        restore();
        return "teacher: " + e;
    }
    next->teacher = shared_teacher;
    next->teacher_name = s.teacher;
    next->ph = impl::phase::teacher_eval;
    next->t0 = now_ms();
    p_ = std::move(next);
    settings_ = s;
    r_ = distill_result{};
    r_.n = std::min(s.eval_limit, p_->test->count);
    r_.teacher_params = engine::param_count(*shared_teacher);
    r_.student_params = engine::param_count(*student);
    r_.teacher_macs = models::analyze(*shared_teacher).total.macs;
    r_.student_macs = models::analyze(*student).total.macs;
    message_ = "running";
    return "";
}

void distill_job::cancel() {
    if (!busy()) return;
    p_->ph = impl::phase::idle;
    message_ = "cancelled";
}

bool distill_job::busy() const { return p_->ph != impl::phase::idle; }

double distill_job::progress() const {
    if (!busy()) return r_.finished ? 1.0 : 0.0;
    const double evals = 1.0 + std::ceil(static_cast<double>(settings_.steps) / settings_.eval_every);
    // Training and testing weighted alike per step of work: steps of both arms + evaluations.
    const double total = settings_.steps + evals * 0.2 * settings_.eval_every;
    double done = p_->step + 0.2 * settings_.eval_every * static_cast<double>(r_.curve.size());
    return std::clamp(done / total, 0.0, 0.999);
}

bool distill_job::tick(double budget_ms) {
    if (!busy()) return false;
    impl& p = *p_;
    const double t0 = now_ms();
    do {
        switch (p.ph) {
        case impl::phase::idle: break;
        case impl::phase::teacher_eval:
            p.ev_teacher.step();
            if (p.ev_teacher.done()) {
                r_.teacher_accuracy = p.ev_teacher.result().accuracy;
                p.ph = impl::phase::train;
            }
            break;
        case impl::phase::train:
            // One arm per call (a step of each can outlast a frame's budget).
            if (p.kd.step_loss().size() <= p.scratch.step_loss().size()) {
                p.kd.step();
                break;
            }
            p.scratch.step();
            ++p.step;
            if (p.step % settings_.eval_every == 0 || p.step >= settings_.steps || p.kd.done()) {
                p.ev_kd.start(p.kd.model(), *p.test, settings_.eval_limit);
                p.ev_scratch.start(p.scratch.model(), *p.test, settings_.eval_limit);
                p.ph = impl::phase::eval;
            }
            break;
        case impl::phase::eval:
            if (!p.ev_kd.done()) p.ev_kd.step();
            else p.ev_scratch.step();
            if (p.ev_kd.done() && p.ev_scratch.done()) {
                r_.curve.push_back({p.step, p.ev_kd.result().accuracy, p.ev_scratch.result().accuracy});
                if (p.step >= settings_.steps || p.kd.done()) {
                    p.ph = impl::phase::idle;
                    r_.finished = true;
                    message_ = "done";
                } else {
                    p.ph = impl::phase::train;
                }
            }
            break;
        }
    } while (busy() && now_ms() - t0 < budget_ms);
    r_.loss_kd = p.kd.step_loss();
    r_.loss_scratch = p.scratch.step_loss();
    r_.train_acc_kd = p.kd.step_accuracy();
    r_.train_acc_scratch = p.scratch.step_accuracy();
    r_.seconds = (now_ms() - p.t0) / 1000.0;
    return busy();
}

std::vector<float> distill_job::teacher_logits(const std::string& teacher, int image, std::string* error) {
    auto fail = [&](const std::string& e) {
        if (error) *error = e;
        return std::vector<float>{};
    };
    if (auto e = load_data(); !e.empty()) return fail(e);
    const data::dataset& d = *p_->test;
    if (image < 0 || image >= d.count) return fail("image must be from 0 to " + std::to_string(d.count - 1));
    impl& p = *p_;
    if (!p.probe || p.probe_name != teacher) {
        std::shared_ptr<const engine::model> m;
        if (p.teacher && p.teacher_name == teacher) {
            m = p.teacher;
        } else {
            std::string err;
            auto loaded = load_shipped(teacher, &err);
            if (!loaded) return fail("teacher: " + err);
            m = std::make_shared<const engine::model>(std::move(*loaded));
        }
        auto s = std::make_unique<engine::session>();
        if (auto e = s->prepare(engine::optimize(*m), 1); !e.empty()) return fail("teacher: " + e);
        p.probe = std::move(s);
        p.probe_name = teacher;
        p.probe_model = m;
    }
    const std::size_t px = static_cast<std::size_t>(d.rows) * static_cast<std::size_t>(d.cols);
    if (p.probe->input_count() != px) return fail("the teacher does not take the dataset's images");
    train::normalise(d.images.data() + static_cast<std::size_t>(image) * px, p.probe->input(), px);
    p.probe->run();
    const int classes = p.probe->output_shape().c;
    return std::vector<float>(p.probe->output(), p.probe->output() + classes);
}

std::vector<double> distill_job::soft_targets(const std::string& teacher, int image, double temperature,
                                              std::string* error) {
    if (!(temperature > 0.0 && temperature <= 100.0)) {
        if (error) *error = "temperature must be in (0, 100]";
        return {};
    }
    const auto z = teacher_logits(teacher, image, error);
    std::vector<double> out(z.size());
    if (!z.empty()) train::softmax_row(z.data(), static_cast<int>(z.size()), temperature, out.data());
    return out;
}

nlohmann::json to_json(const distill_result& r) {
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& c : r.curve)
        curve.push_back({{"step", c.step}, {"accuracy_kd", c.accuracy_kd}, {"accuracy_scratch", c.accuracy_scratch}});
    auto tail = [](const std::vector<float>& v) {
        if (v.empty()) return 0.0;
        const std::size_t k = std::max<std::size_t>(1, v.size() / 10);
        double s = 0;
        for (std::size_t i = v.size() - k; i < v.size(); ++i) s += v[i];
        return s / static_cast<double>(k);
    };
    nlohmann::json j = {{"teacher_params", r.teacher_params}, {"student_params", r.student_params},
                        {"teacher_macs", r.teacher_macs}, {"student_macs", r.student_macs},
                        {"curve", curve}, {"n", r.n}, {"seconds", r.seconds}, {"finished", r.finished},
                        {"steps_done", r.loss_kd.size()}, {"final_loss_kd", tail(r.loss_kd)},
                        {"final_loss_scratch", tail(r.loss_scratch)}};
    j["teacher_accuracy"] = r.teacher_accuracy >= 0 ? nlohmann::json(r.teacher_accuracy) : nlohmann::json(nullptr);
    if (!r.curve.empty()) {
        j["accuracy_kd"] = r.curve.back().accuracy_kd;
        j["accuracy_scratch"] = r.curve.back().accuracy_scratch;
    } else {
        j["accuracy_kd"] = nullptr;
        j["accuracy_scratch"] = nullptr;
    }
    return j;
}

nlohmann::json distill_job::state_json() const {
    nlohmann::json j = to_json(r_);
    const auto& s = settings_;
    j["busy"] = busy();
    j["progress"] = progress();
    j["message"] = message_;
    j["settings"] = {{"teacher", s.teacher}, {"student", s.student}, {"student_width", s.student_width},
                     {"steps", s.steps}, {"batch", s.batch}, {"lr", s.lr}, {"temperature", s.temperature},
                     {"alpha", s.alpha}, {"seed", s.seed}, {"eval_every", s.eval_every},
                     {"eval_limit", s.eval_limit}, {"train_limit", s.train_limit}};
    return j;
}

}  // namespace es::lab
