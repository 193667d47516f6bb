// The desktop app: a GLFW window with the same ImGui front end as the page.
//
//   edgestudy                                   open the window
//   edgestudy --frames 5 --screenshot out.png   render 5 frames, save a PNG, exit (smoke test)
//   edgestudy --panel quiz --lang en --theme light --size 1280x800
#include "image/png_write.h"
#include "platform/glfw_app.h"

#include <GLFW/glfw3.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>

namespace {

std::string native_data_dir() {
    if (const char* d = std::getenv("EDGESTUDY_HOME"); d && *d) return d;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/edgestudy";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/edgestudy";
    return ".edgestudy";
}

std::string native_locale() {
    for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"})
        if (const char* v = std::getenv(var); v && *v) return v;
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"EdgeStudy desktop app"};
    int frames = 0;
    std::string screenshot, panel, lang, theme, size = "1280x800";
    cli.add_option("--frames", frames, "Render this many frames, then exit (0: run until closed)")->check(CLI::NonNegativeNumber);
    cli.add_option("--screenshot", screenshot, "Save the last frame as a PNG (with --frames)");
    cli.add_option("--panel", panel, "Open this panel (calculators, ..., settings)");
    cli.add_option("--lang", lang, "Interface language: zh-TW or en");
    cli.add_option("--theme", theme, "dark or light");
    cli.add_option("--size", size, "Window size WxH");
    std::string lab;
    cli.add_option("--lab", lab, "A Model lab request as JSON, e.g. '{\"action\":\"inspect\",\"image\":3}'");
    std::string arch;
    cli.add_option("--arch", arch, "An Architectures panel request as JSON, e.g. '{\"preset\":\"snv1_stage2\",\"shuffle_step\":3}'");
    std::string quiz;
    cli.add_option("--quiz", quiz, "A Quiz panel request as JSON, e.g. '{\"start\":\"generated\"}'");
    std::string qlab;
    cli.add_option("--qlab", qlab,
                   "A Quantization model-tab request as JSON, e.g. '{\"weight_bits\":4,\"action\":\"run\"}' "
                   "(with --wait-lab the screenshot waits for its measurement)");
    std::string quant;
    cli.add_option("--quant", quant,
                   "A Quantization panel request as JSON, e.g. '{\"tab\":\"calculator\",\"rmin\":-2,\"rmax\":1,"
                   "\"signed\":true,\"symmetric\":true,\"value\":2}'");
    std::string prune;
    cli.add_option("--prune", prune,
                   "A Pruning panel request as JSON, e.g. '{\"model\":\"tiny_mobilenet_v2\",\"layer\":\"block3.project\"}' "
                   "or '{\"sensitivity\":{\"model\":\"tiny_mobilenet_v2\"}}' (with --wait-lab the screenshot waits for its job)");
    std::string results;
    cli.add_option("--results", results,
                   "A Results panel request as JSON, e.g. '{\"models\":[\"tiny_mobilenet_v3\"],\"action\":\"run\"}' "
                   "(with --wait-lab the screenshot waits for the comparison)");
    std::string train;
    cli.add_option("--train", train,
                   "A Training panel request as JSON, e.g. '{\"distill\":{\"steps\":100}}' (with --wait-lab the "
                   "screenshot waits for the training)");
    bool wait_lab = false;
    cli.add_flag("--wait-lab", wait_lab, "With --frames: keep drawing until the Model lab's job is done");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? 0 : 2;
    }
    int width = 0, height = 0;
    if (std::sscanf(size.c_str(), "%dx%d", &width, &height) != 2 || width < 320 || height < 240 || width > 8192 ||
        height > 8192) {
        std::fprintf(stderr, "edgestudy: error: --size must be WxH between 320x240 and 8192x8192, got \"%s\"\n",
                     size.c_str());
        return 2;
    }
    if (!screenshot.empty() && frames == 0) frames = 3;

    es::platform::glfw_app app;
    std::string err;
    es::ui::platform_hooks hooks{native_data_dir(), native_locale(), nullptr, nullptr, nullptr};
    if (!es::platform::glfw_app_init(app, width, height, hooks, &err)) {
        std::fprintf(stderr, "edgestudy: error: %s\n", err.c_str());
        return 1;
    }
    nlohmann::json req = nlohmann::json::object();
    if (!panel.empty()) req["panel"] = panel;
    if (!lang.empty()) req["lang"] = lang;
    if (!theme.empty()) req["theme"] = theme;
    for (auto [flag, key, text] : {std::tuple{"--lab", "lab", &lab}, std::tuple{"--arch", "arch", &arch},
                                        std::tuple{"--quiz", "quiz", &quiz}, std::tuple{"--qlab", "qlab", &qlab},
                                        std::tuple{"--quant", "quant", &quant}, std::tuple{"--prune", "prune", &prune},
                                        std::tuple{"--results", "results", &results}, std::tuple{"--train", "train", &train}}) {
        if (text->empty()) continue;
        auto parsed = nlohmann::json::parse(*text, nullptr, false);
        if (parsed.is_discarded()) {
            std::fprintf(stderr, "edgestudy: error: %s is not valid JSON\n", flag);
            es::platform::glfw_app_shutdown(app);
            return 2;
        }
        req[key] = parsed;
    }
    if (!req.empty()) {
        auto r = es::ui::ui_apply_json(app.st, req);
        if (r.contains("error")) {
            std::fprintf(stderr, "edgestudy: error: %s\n", r["error"].get<std::string>().c_str());
            es::platform::glfw_app_shutdown(app);
            return 2;
        }
    }

    int rc = 0;
    for (int n = 0; !glfwWindowShouldClose(app.window); ++n) {
        es::platform::glfw_app_frame(app);
        if (wait_lab && es::ui::models_lab_state(app.st).value("job", std::string("none")) != "none") continue;
        if (wait_lab && es::ui::quant_lab_state(app.st).value("phase", std::string("idle")) != "idle") continue;
        if (wait_lab && es::ui::results_state(app.st).value("busy", false)) continue;
        if (wait_lab && es::ui::pruning_state(app.st).value("job", std::string("idle")) != "idle") continue;
        if (wait_lab && es::ui::training_state(app.st).value("busy", false)) continue;
        if (frames > 0 && n + 1 >= frames) {
            if (!screenshot.empty()) {
                int w = 0, h = 0;
                auto px = es::platform::glfw_app_read_pixels(app, &w, &h);
                if (auto e = es::image::png_write_file(screenshot, static_cast<std::uint32_t>(w),
                                                       static_cast<std::uint32_t>(h), px.data());
                    !e.empty()) {
                    std::fprintf(stderr, "edgestudy: error: %s\n", e.c_str());
                    rc = 1;
                } else {
                    std::printf("%s\n", es::ui::ui_state_json(app.st).dump().c_str());
                }
            }
            break;
        }
        glfwSwapBuffers(app.window);
    }
    es::platform::glfw_app_shutdown(app);
    return rc;
}
