// shipped: the tiny presets' trained weights that come with the project (web/models/*.esw,
// produced by `./build.sh weights`). The page embeds them at /models (and points
// $EDGESTUDY_MODELS there); the native build and the WebAssembly CLI under node read them
// from the source tree.
//
//   std::string err;
//   auto path = es::models::resolve_model("tiny_mobilenet_v2", &err);  // NAME or a file path
//   auto m = es::models::load_model_file(*path, &err);
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace es::models {

// The folder that holds NAME.esw for every shipped preset: $EDGESTUDY_MODELS, else the source tree's web/models.
std::string shipped_models_dir();
// Presets whose weights are present, in the registry's order.
std::vector<std::string> shipped_models();
// shipped_models_dir()/NAME.esw when that file exists, else "" (presets and the supernet).
std::string shipped_file(const std::string& name);
// A tiny preset's name → its shipped weights file; anything else is taken as a file path.
// nullopt + *error when NAME is a preset whose weights are missing.
std::optional<std::string> resolve_model(const std::string& name_or_path, std::string* error);

}  // namespace es::models
