#include "models/shipped.h"

#include "models/models.h"

#include <sys/stat.h>

namespace es::models {

namespace {
bool is_file(const std::string& p) {
    struct stat s {};
    return ::stat(p.c_str(), &s) == 0 && S_ISREG(s.st_mode);
}
#ifdef __EMSCRIPTEN__
bool is_dir(const std::string& p) {
    struct stat s {};
    return ::stat(p.c_str(), &s) == 0 && S_ISDIR(s.st_mode);
}
#endif
}  // namespace

std::string shipped_models_dir() {
#ifdef __EMSCRIPTEN__
    // The page's virtual file system holds them at /models (--embed-file); the CLI under
    // node sees the real file system and falls through to the source tree.
    if (is_dir("/models")) return "/models";
#endif
#ifdef ES_MODELS_DIR
    return ES_MODELS_DIR;
#else
    return "web/models";
#endif
}

std::vector<std::string> shipped_models() {
    std::vector<std::string> out;
    const std::string dir = shipped_models_dir();
    for (const auto& n : arch_names())
        if (is_tiny(n) && is_file(dir + "/" + n + ".esw")) out.push_back(n);
    return out;
}

std::optional<std::string> resolve_model(const std::string& name, std::string* error) {
    if (!is_tiny(name)) return name;
    const std::string p = shipped_models_dir() + "/" + name + ".esw";
    if (is_file(p)) return p;
    if (error)
        *error = "no trained weights for \"" + name + "\" ship with this build (looked for " + p +
                 "; ./build.sh weights trains them)";
    return std::nullopt;
}

}  // namespace es::models
