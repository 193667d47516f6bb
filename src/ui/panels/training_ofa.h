// The Training panel's Once-for-All tab (panel_training_ofa.cpp): its state, drawing, frame
// ticks and ui-hook fields, kept apart from the distillation and batch-size tabs.
#pragma once

#include "lab/ofa_lab.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace es::ui {

struct app_state;

struct ofa_panel {
    lab::ofa_job job;
    lab::ofa_settings pending;  // the controls
    std::string error;
    nas::ofa_config pick;       // the sub-network editor
    bool pick_ready = false;
    int hovered = -1;
};

// `others_busy`: another training job runs (one at a time).
void draw_ofa(app_state& st, ofa_panel& p, bool others_busy);

// A checked "train.ofa" request: run with settings, cancel, or measure one sub-network.
struct ofa_request {
    std::optional<lab::ofa_settings> run;
    bool cancel = false;
    std::optional<std::string> measure;
};
// "" or why the request is refused (nothing changes then).
std::string ofa_parse(const ofa_panel& p, const nlohmann::json& req, ofa_request* out);
std::string ofa_apply(ofa_panel& p, const ofa_request& r);

}  // namespace es::ui
