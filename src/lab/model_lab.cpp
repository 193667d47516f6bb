#include "lab/model_lab.h"

#include "lab/clock.h"
#include "models/model_file.h"
#include "models/shipped.h"
#include "train/augment.h"
#include "train/graph.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace es::lab {

namespace {

const char* conv_kind(const engine::node& n, const engine::model& m) {
    if (engine::is_depthwise(m, n)) return "depthwise";
    if (n.win.kh == 1 && n.win.kw == 1) return "pointwise";
    return "conv2d";
}

}  // namespace

tiled tile_channels(const float* x, int h, int w, int c) {
    tiled t;
    t.cell_h = h;
    t.cell_w = w;
    t.grid_cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(c)))));
    t.grid_rows = (c + t.grid_cols - 1) / t.grid_cols;
    // A 1x1 map per channel (after global pooling, FC): one row of cells, no gaps.
    const int gap = (h == 1 && w == 1) ? 0 : 1;
    if (h == 1 && w == 1) {
        t.grid_cols = c;
        t.grid_rows = 1;
    }
    t.rows = t.grid_rows * h + (t.grid_rows - 1) * gap;
    t.cols = t.grid_cols * w + (t.grid_cols - 1) * gap;
    t.data.assign(static_cast<std::size_t>(t.rows) * static_cast<std::size_t>(t.cols), tile_gap);
    float lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < c; ++k) {
        const int r0 = (k / t.grid_cols) * (h + gap), c0 = (k % t.grid_cols) * (w + gap);
        for (int y = 0; y < h; ++y)
            for (int xx = 0; xx < w; ++xx) {
                const float v = x[(static_cast<std::size_t>(y) * w + xx) * c + k];
                t.data[static_cast<std::size_t>(r0 + y) * t.cols + static_cast<std::size_t>(c0 + xx)] = v;
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
    }
    t.vmin = c > 0 ? lo : 0.0f;
    t.vmax = c > 0 ? hi : 0.0f;
    return t;
}

std::string load_page_subsets(std::optional<data::dataset>* test, std::optional<data::dataset>* train) {
    std::string err;
    auto t = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, &err);
    if (!t) return err;
    auto tr = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, &err);
    if (!tr) return err;
    *test = train::stratified_subset(*t, 200);
    *train = train::stratified_subset(*tr, 600);
    return "";
}

std::string model_lab::load_data() {
    if (has_data()) return "";
    return load_page_subsets(&test_, &train_);
}

std::string model_lab::select(const std::string& name) {
    cancel();
    std::string err;
    auto path = models::resolve_model(name, &err);
    if (!path) return err;
    auto m = models::load_model_file(*path, &err);
    if (!m) return err;
    if (m->input.h != 28 || m->input.w != 28 || m->input.c != 1) return name + " does not take 28x28x1 images";
    name_ = name;
    path_ = *path;
    model_ = *m;
    shipped_ = std::move(*m);
    fine_tuned_ = false;
    eval_.reset();
    baseline_.reset();
    ft_loss_.clear();
    ft_acc_.clear();
    ft_done_ = ft_total_ = 0;
    layers_.clear();
    inspected_model_.reset();
    pred_ = label_ = -1;
    message_.clear();
    return "";
}

void model_lab::set_weights(const engine::model& m, bool fine_tuned) {
    model_ = m;
    fine_tuned_ = fine_tuned;
    // The feature maps shown were computed with the old weights.
    layers_.clear();
    inspected_model_.reset();
}

std::string model_lab::reset_weights() {
    if (!shipped_) return "no model selected";
    cancel();
    set_weights(*shipped_, false);
    eval_.reset();
    return "";
}

const char* model_lab::job_name() const {
    switch (job_) {
    case job::eval: return "eval";
    case job::finetune: return "finetune";
    default: return "none";
    }
}

std::string model_lab::start_eval() {
    if (!model_) return "no model selected";
    if (auto e = load_data(); !e.empty()) return e;
    cancel();
    if (auto e = evaluator_.start(*model_, *test_, 0, 100); !e.empty()) return e;
    job_ = job::eval;
    eval_.reset();
    eval_ticks_ = 0;
    eval_started_ = now_ms();
    message_.clear();
    return "";
}

std::string model_lab::start_finetune(const finetune_options& o) {
    if (!model_) return "no model selected";
    if (o.steps < 1 || o.steps > 5000) return "steps must be between 1 and 5000";
    if (o.batch < 1 || o.batch > 256) return "batch must be between 1 and 256";
    if (!(o.lr > 0.0f) || o.lr > 1.0f) return "learning rate must be in (0, 1]";
    if (auto e = load_data(); !e.empty()) return e;
    cancel();
    train::train_options t;
    t.batch = o.batch;
    t.lr = o.lr;
    t.seed = o.seed;
    t.max_steps = o.steps;
    const long long per_epoch = train_->count / o.batch;
    t.epochs = static_cast<int>((o.steps + per_epoch - 1) / std::max<long long>(per_epoch, 1));
    t.warmup_steps = std::min(20, o.steps / 5);
    trainer_ = std::make_unique<train::trainer>();
    if (auto e = trainer_->start(*model_, *train_, t); !e.empty()) {
        trainer_.reset();
        return e;
    }
    job_ = job::finetune;
    ft_loss_.clear();
    ft_acc_.clear();
    ft_done_ = 0;
    ft_total_ = trainer_->status().steps_total;
    message_.clear();
    return "";
}

void model_lab::cancel() {
    if (job_ == job::finetune && trainer_) {
        // Keep what was learnt so far: the steps taken are real.
        if (ft_done_ > 0) set_weights(trainer_->model(), true);
        message_ = "cancelled";
    } else if (job_ == job::eval) {
        message_ = "cancelled";
    }
    job_ = job::none;
    trainer_.reset();
}

bool model_lab::tick(double budget_ms) {
    if (job_ == job::none) return false;
    const double t0 = now_ms();
    if (job_ == job::eval) {
        ++eval_ticks_;
        do {
            evaluator_.step();
        } while (!evaluator_.done() && now_ms() - t0 < budget_ms);
        if (evaluator_.done()) {
            eval_ = evaluator_.result();
            eval_seconds_ = (now_ms() - eval_started_) / 1000.0;
            if (!fine_tuned_ && !baseline_) baseline_ = eval_->accuracy;
            job_ = job::none;
            message_ = "done";
        }
        return job_ != job::none;
    }
    do {
        trainer_->step();
        ft_loss_.push_back(trainer_->step_loss().back());
        ft_acc_.push_back(trainer_->step_accuracy().back());
        ++ft_done_;
    } while (!trainer_->done() && now_ms() - t0 < budget_ms);
    if (trainer_->done()) {
        set_weights(trainer_->model(), true);
        trainer_.reset();
        job_ = job::none;
        // Then evaluate the fine-tuned weights on the test subset.
        if (auto e = start_eval(); !e.empty()) message_ = e;
    }
    return job_ != job::none;
}

double model_lab::progress() const {
    if (job_ == job::eval) return evaluator_.total() ? static_cast<double>(evaluator_.evaluated()) / evaluator_.total() : 0.0;
    if (job_ == job::finetune) return ft_total_ ? static_cast<double>(ft_done_) / static_cast<double>(ft_total_) : 0.0;
    return 0.0;
}

std::string model_lab::inspect_test_image(int index) {
    if (auto e = load_data(); !e.empty()) return e;
    if (index < 0 || index >= test_->count)
        return "image index must be between 0 and " + std::to_string(test_->count - 1);
    std::array<std::uint8_t, 784> img{};
    std::copy_n(test_->images.data() + static_cast<std::size_t>(index) * 784, 784, img.begin());
    auto e = inspect(img);
    label_ = test_->labels[static_cast<std::size_t>(index)];
    return e;
}

std::string model_lab::inspect(const std::array<std::uint8_t, 784>& image) {
    if (!model_) return "no model selected";
    inspected_model_ = engine::optimize(*model_);
    train::train_graph g;
    if (auto e = g.prepare(*inspected_model_, 1, /*keep_all=*/true); !e.empty()) return e;
    std::array<float, 784> x{};
    train::normalise(image.data(), x.data(), x.size());
    g.forward(x.data(), /*training=*/false);
    image_ = image;
    label_ = -1;
    layers_.clear();
    const engine::model& m = *inspected_model_;
    for (std::size_t i = 1; i < m.nodes.size(); ++i) {
        const engine::node& n = m.nodes[i];
        if (n.type == engine::op::op_softmax) continue;
        for (int t : n.out) {
            layer_view v;
            v.name = n.name + (n.out.size() > 1 ? (t == n.out[0] ? " [a]" : " [b]") : "");
            v.op = n.type == engine::op::op_conv2d ? conv_kind(n, m) : engine::op_name(n.type);
            v.shape = g.tensor_shape(t);
            v.maps = tile_channels(g.activation(t), v.shape.h, v.shape.w, v.shape.c);
            v.node = static_cast<int>(i);
            v.has_weights = n.type == engine::op::op_conv2d || n.type == engine::op::op_fc;
            layers_.push_back(std::move(v));
        }
    }
    const float* z = g.output();
    const int classes = m.tensors[static_cast<std::size_t>(m.output)].c;
    const int k = std::min(classes, 10);
    const float zmax = *std::max_element(z, z + k);
    float sum = 0.0f;
    for (int c = 0; c < k; ++c) sum += (probs_[static_cast<std::size_t>(c)] = std::exp(z[c] - zmax));
    for (int c = 0; c < k; ++c) probs_[static_cast<std::size_t>(c)] /= sum;
    pred_ = static_cast<int>(std::max_element(probs_.begin(), probs_.begin() + k) - probs_.begin());
    return "";
}

tiled model_lab::layer_weights(int layer) const {
    tiled t;
    if (!inspected_model_ || layer < 0 || layer >= static_cast<int>(layers_.size())) return t;
    const engine::model& m = *inspected_model_;
    const engine::node& n = m.nodes[static_cast<std::size_t>(layers_[static_cast<std::size_t>(layer)].node)];
    if (n.type != engine::op::op_conv2d && n.type != engine::op::op_fc) return t;
    const float* w = m.weights.data() + n.w_off;
    const int cout = n.cout;
    const int per = static_cast<int>(n.w_count / static_cast<std::size_t>(cout));
    if (engine::is_depthwise(m, n)) {
        // [cout][kh][kw][1] -> one kh x kw kernel per channel, tiled.
        std::vector<float> hwc(n.w_count);
        for (int c = 0; c < cout; ++c)
            for (int k = 0; k < per; ++k) hwc[static_cast<std::size_t>(k) * cout + c] = w[c * per + k];
        return tile_channels(hwc.data(), n.win.kh, n.win.kw, cout);
    }
    t.rows = cout;
    t.cols = per;
    t.grid_rows = t.grid_cols = 1;
    t.cell_h = cout;
    t.cell_w = per;
    t.data.assign(w, w + n.w_count);
    auto [lo, hi] = std::minmax_element(t.data.begin(), t.data.end());
    t.vmin = *lo;
    t.vmax = *hi;
    return t;
}

nlohmann::json model_lab::state_json() const {
    nlohmann::json j = {{"model", name_},
                        {"fine_tuned", fine_tuned_},
                        {"job", job_name()},
                        {"progress", progress()},
                        {"message", message_},
                        {"ft_steps_done", ft_done_},
                        {"ft_steps_total", ft_total_}};
    if (eval_) {
        j["eval"] = {{"n", eval_->n},
                     {"accuracy", eval_->accuracy},
                     {"predictions_hash", train::predictions_hash(eval_->predictions)},
                     {"ticks", eval_ticks_},
                     {"seconds", eval_seconds_}};
    }
    if (baseline_) j["baseline_accuracy"] = *baseline_;
    if (!ft_loss_.empty()) j["ft_last_loss"] = ft_loss_.back();
    if (pred_ >= 0) {
        j["inspect"] = {{"predicted", pred_},
                        {"label", label_},
                        {"layers", layers_.size()},
                        {"probabilities", std::vector<float>(probs_.begin(), probs_.end())}};
    }
    return j;
}

}  // namespace es::lab
