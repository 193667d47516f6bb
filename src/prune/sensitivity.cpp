#include "prune/sensitivity.h"

#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace es::prune {

std::string check_options(const sensitivity_options& o) {
    if (o.levels.empty()) return "levels: at least one sparsity level is needed";
    for (std::size_t i = 0; i < o.levels.size(); ++i) {
        if (auto e = check_sparsity(o.levels[i]); !e.empty()) return "levels: " + e;
        if (i > 0 && !(o.levels[i] > o.levels[i - 1])) return "levels must increase";
    }
    if (o.eval_limit < 0) return "eval-limit must be 0 or more";
    if (o.batch < 1) return "batch must be at least 1";
    return "";
}

std::string sensitivity_scan::start(const engine::model& trained, const data::dataset& test,
                                    const sensitivity_options& o) {
    *this = sensitivity_scan{};
    if (auto e = check_options(o); !e.empty()) return e;
    if (test.count <= 0) return "no test images";
    m_ = trained;
    d_ = &test;
    o_ = o;
    layers_ = selected_layers(trained, o.select);
    if (layers_.empty()) return "the model has no prunable layer";
    r_.levels = o.levels;
    r_.n = o.eval_limit > 0 ? std::min(o.eval_limit, test.count) : test.count;
    for (const auto& l : layers_)
        r_.rows.push_back({l.name, l.kind, l.count,
                           std::vector<double>(o.levels.size(), std::numeric_limits<double>::quiet_NaN())});
    // Step 0: the dense model; then every (layer, level > 0).
    total_ = 1 + static_cast<int>(layers_.size() * o.levels.size());
    return "";
}

std::string sensitivity_scan::begin(int k) {
    if (k == 0) return ev_.start(m_, *d_, o_.eval_limit, o_.batch);
    const std::size_t li = static_cast<std::size_t>(k - 1) / o_.levels.size();
    const std::size_t j = static_cast<std::size_t>(k - 1) % o_.levels.size();
    const layer& l = layers_[li];
    engine::model pm = m_;
    std::vector<std::size_t> idx(l.count);
    for (std::size_t i = 0; i < l.count; ++i) idx[i] = l.off + i;
    const std::size_t kprune =
        std::min(l.count, static_cast<std::size_t>(std::llround(o_.levels[j] * static_cast<double>(l.count))));
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return std::fabs(m_.weights[a]) < std::fabs(m_.weights[b]);
    });
    for (std::size_t i = 0; i < kprune; ++i) pm.weights[idx[i]] = 0.0f;
    return ev_.start(pm, *d_, o_.eval_limit, o_.batch);
}

bool sensitivity_scan::step() {
    if (done()) return false;
    const int k = next_;
    if (!evaluating_) {
        // A layer's level 0 is the dense result, already recorded.
        if (k > 0 && o_.levels[static_cast<std::size_t>(k - 1) % o_.levels.size()] == 0.0) {
            ++next_;
            return true;
        }
        if (!begin(k).empty()) {  // the trained model ran at start(); a pruned copy runs the same
            ++next_;
            return true;
        }
        evaluating_ = true;
    }
    ev_.step();
    if (!ev_.done()) return true;
    evaluating_ = false;
    const double acc = ev_.result().accuracy;
    ++next_;
    if (k == 0) {
        r_.dense_accuracy = acc;
        for (auto& row : r_.rows)
            for (std::size_t j = 0; j < o_.levels.size(); ++j)
                if (o_.levels[j] == 0.0) row.accuracy[j] = acc;
        return true;
    }
    const std::size_t li = static_cast<std::size_t>(k - 1) / o_.levels.size();
    const std::size_t j = static_cast<std::size_t>(k - 1) % o_.levels.size();
    r_.rows[li].accuracy[j] = acc;
    return true;
}

double sensitivity_scan::fraction_done() const {
    if (total_ == 0) return 0.0;
    double f = next_;
    if (evaluating_ && ev_.total() > 0) f += static_cast<double>(ev_.evaluated()) / ev_.total();
    return std::min(1.0, f / total_);
}

sensitivity_result run_sensitivity(const engine::model& trained, const data::dataset& test,
                                   const sensitivity_options& o, std::string* error) {
    sensitivity_scan s;
    if (auto e = s.start(trained, test, o); !e.empty()) {
        if (error) *error = e;
        return {};
    }
    while (s.step()) {
    }
    return s.result();
}

}  // namespace es::prune
