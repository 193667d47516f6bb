#include "models/shipped.h"

#include "models/models.h"

#include <sys/stat.h>

#include <cstdlib>

namespace es::models {

namespace {
bool is_file(const std::string& p) {
    struct stat s {};
    return ::stat(p.c_str(), &s) == 0 && S_ISREG(s.st_mode);
}
}  // namespace

std::string shipped_models_dir() {
    // The page sets $EDGESTUDY_MODELS to its embedded /models (src/platform/main_web.cpp).
    if (const char* d = std::getenv("EDGESTUDY_MODELS"); d && *d) return d;
#ifdef ES_MODELS_DIR
    return ES_MODELS_DIR;
#else
    return "web/models";
#endif
}

std::vector<std::string> shipped_models() {
    std::vector<std::string> out;
    for (const auto& n : arch_names())
        if (is_tiny(n) && !shipped_file(n).empty()) out.push_back(n);
    return out;
}

std::string shipped_file(const std::string& name) {
    const std::string p = shipped_models_dir() + "/" + name + ".esw";
    return is_file(p) ? p : "";
}

std::optional<std::string> resolve_model(const std::string& name, std::string* error) {
    if (!is_tiny(name)) return name;
    if (auto p = shipped_file(name); !p.empty()) return p;
    if (error)
        *error = "no trained weights for \"" + name + "\" ship with this build (looked for " + shipped_models_dir() + "/" +
                 name + ".esw; ./build.sh weights trains them)";
    return std::nullopt;
}

}  // namespace es::models
