// nas/ofa_train: training a Once-for-All supernet by progressive shrinking, batch-norm
// recalibration of its sub-networks, and the supernet's weights file (study sheet §4.3).
//
// Progressive shrinking (Cai et al. 2020), shortened for a tiny space:
//   1. full:   the largest sub-network alone (it is the supernet), like any network;
//   2. kernel: kernel sizes sampled per block (depth and width at their largest);
//   3. depth:  depth per stage sampled too;
//   4. expand: expansion ratios sampled too, after sorting each block's hidden channels by
//              importance (L1 norm of the projection's input columns) so that the first
//              channels, the ones every narrower sub-network keeps, are the important ones.
// In phases 2-4 a sampled sub-network is extracted, trained `chunk` steps with the largest
// network (frozen at the end of phase 1) as its teacher, and scattered back: the slices it
// shares with the others receive its updates. Each phase follows its own cosine schedule
// across its chunks. Simplification against the paper: the smaller kernels are the centre of
// the 7 × 7 as it is (no learned kernel-transformation matrices), and one sub-network trains
// a few steps at a time instead of several per step.
//
//   es::nas::ofa_train_options o;  o.steps_full = 800; ...
//   auto super = es::nas::build_supernet(space, 1);
//   auto r = es::nas::train_supernet(super, space, train_set, o, callback);
//   es::nas::save_supernet("ofa.esw", super, space, {{"training", ...}});
//
// A sub-network's batch-norm running statistics are whatever the last sub-network sharing
// those channels left there; recalibrate_bn() re-estimates them on a few training batches
// before the sub-network is tested (as OFA does).
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "engine/weights_io.h"
#include "nas/ofa.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace es::nas {

// The space as JSON (the supernet file's description holds it) and back, with bounds that
// keep a damaged or hostile file from asking for a huge network.
nlohmann::json space_json(const ofa_space& s);
std::optional<ofa_space> parse_space(const nlohmann::json& j, std::string* error);

// A sub-network drawn uniformly: depth per stage, kernel and expansion per block slot, each
// from its choices; `vary_*` false keeps that dimension at its largest.
ofa_config sample_config(const ofa_space& s, std::uint64_t seed, bool vary_kernel = true, bool vary_depth = true,
                         bool vary_expand = true);

// Sorts every block's hidden channels by importance (descending L1 norm of the projection's
// input column), permuting the expansion conv's filters, its batch norm, the depthwise
// filters and their batch norm alike: the network computes the same function.
void reorder_channels(engine::model& super, const ofa_space& s);

// Re-estimates every batch norm's running mean and variance as the mean of the batch
// statistics over floor(images / batch) batches of the first images of `d` (no augmentation).
// "" or why not.
std::string recalibrate_bn(engine::model& m, const data::dataset& d, int images, int batch = 50);

// One recalibration a batch at a time (the page recalibrates a batch per frame).
class bn_recalibrator {
public:
    bn_recalibrator();
    ~bn_recalibrator();
    bn_recalibrator(bn_recalibrator&&) noexcept;
    bn_recalibrator& operator=(bn_recalibrator&&) noexcept;
    std::string start(const engine::model& m, const data::dataset& d, int images, int batch = 50);
    bool step();  // one batch; false when all are done
    bool done() const { return next_ >= batches_; }
    int batches() const { return batches_; }
    engine::model result() const;  // the model with the recalibrated statistics

private:
    struct impl;
    std::unique_ptr<impl> p_;
    int batches_ = 0, next_ = 0;
};

struct ofa_train_options {
    long long steps_full = 2000, steps_kernel = 800, steps_depth = 800, steps_expand = 1600;
    int chunk = 20;           // steps each sampled sub-network trains before the next is drawn
    int batch = 64;
    float lr_full = 0.05f;    // peak learning rate of phase 1 (SGD, Nesterov momentum 0.9)
    float lr_shrink = 0.02f;  // peak learning rate of phases 2-4
    bool distill = true;      // phases 2-4 learn from the largest network too
    float kd_temperature = 2.0f, kd_alpha = 0.5f;
    std::uint64_t seed = 1;
    int limit = 0;            // training images (0: all)
};
std::string check_options(const ofa_train_options& o);

struct ofa_train_progress {
    std::string phase;        // "full", "kernel", "depth", "expand"
    long long step = 0, steps_total = 0;  // over all phases
    double loss = 0;          // mean over the current sub-network's steps so far
    std::string config;       // the sub-network training now (config_text)
    double seconds = 0, eta_s = 0;
};

struct ofa_phase_stats {
    std::string name;
    long long steps = 0;
    int subnets = 0;          // sub-networks drawn
    double loss = 0;          // mean training loss over the phase
    double seconds = 0;
};

struct ofa_train_result {
    std::string error;        // "" on success, "cancelled" when the callback stopped it
    std::vector<ofa_phase_stats> phases;
    std::vector<float> step_loss;
    double seconds = 0;
};

// Trains `super` (this space's supernet) in place. `cb` may be empty; it is called after
// every chunk and returns false to cancel.
ofa_train_result train_supernet(engine::model& super, const ofa_space& s, const data::dataset& train,
                                const ofa_train_options& o, const std::function<bool(const ofa_train_progress&)>& cb);

// The supernet's weights file: description {"arch": "ofa_supernet", "space": {...}} plus
// `extra` (training settings and results).
struct supernet {
    engine::model model;
    ofa_space space;
    nlohmann::json description;
};
std::string save_supernet(const std::string& path, const engine::model& super, const ofa_space& s,
                          const nlohmann::json& extra = nlohmann::json::object());
std::optional<supernet> supernet_from_file(const engine::weights_file& f, std::string* error);
std::optional<supernet> load_supernet(const std::string& path, std::string* error);

// The shipped supernet's name (web/models/<name>.esw) and its path.
inline constexpr const char* shipped_supernet = "ofa_mobilenet_v2";
std::optional<std::string> resolve_supernet(const std::string& name_or_path, std::string* error);

}  // namespace es::nas
