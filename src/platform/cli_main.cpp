#include "platform/cli_main.h"

#include "api/dispatcher.h"
#include "api/progress.h"

#include <CLI/CLI.hpp>

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace es::cli {

namespace {

using json = nlohmann::json;

struct bound_command {
    const api::command_spec* spec = nullptr;
    CLI::App* app = nullptr;
    std::vector<std::pair<const api::arg_spec*, CLI::Option*>> options;
};

void print_human(const json& answer, std::ostream& out) {
    for (auto& [key, value] : answer.items()) {
        if (value.is_array() && !value.empty() && value.front().is_string()) {
            out << key << ":\n";
            for (const auto& line : value) out << "  " << line.get<std::string>() << "\n";
        } else if (value.is_string()) {
            out << key << ": " << value.get<std::string>() << "\n";
        } else {
            out << key << ": " << value.dump() << "\n";
        }
    }
}

}  // namespace

int cli_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    bool want_json = false;
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]) == "--json") want_json = true;

    auto fail = [&](const std::string& message) {
        err << "edgestudy-cli: error: " << message << "\n";
        if (want_json) out << api::make_error(message).dump() << "\n";
        return 2;
    };

    CLI::App app{"EdgeStudy: efficient deep learning study lab (command line).\n"
                 "Every command answers the same JSON as window.edgestudy.run({cmd: ...}) in the page."};
    app.name("edgestudy-cli");
    app.add_flag("--json", want_json, "Print the answer as one line of JSON");
    app.require_subcommand(0, 1);

    std::deque<std::string> storage;  // stable addresses for option values
    std::vector<bound_command> bound;
    std::map<std::string, CLI::App*> groups;
    for (const auto& spec : api::commands()) {
        CLI::App* parent = &app;
        std::string leaf = spec.name;
        if (auto sp = spec.name.find(' '); sp != std::string::npos) {
            std::string group = spec.name.substr(0, sp);
            leaf = spec.name.substr(sp + 1);
            auto& g = groups[group];
            if (!g) {
                g = app.add_subcommand(group, group + " commands");
                g->require_subcommand(1, 1);
                g->fallthrough();
            }
            parent = g;
        }
        bound_command b;
        b.spec = &spec;
        b.app = parent->add_subcommand(leaf, spec.summary);
        b.app->fallthrough();
        for (const auto& a : spec.args) {
            CLI::Option* opt = nullptr;
            if (a.type == api::arg_type::arg_type_flag) {
                opt = b.app->add_flag("--" + a.name, a.help);
            } else {
                storage.emplace_back();
                std::string help = a.help;
                if (!a.choices.empty()) {
                    help += " (";
                    for (size_t i = 0; i < a.choices.size(); ++i) help += (i ? "|" : "") + a.choices[i];
                    help += ")";
                }
                if (a.required) help += " [required]";
                opt = b.app->add_option("--" + a.name, storage.back(), help);
            }
            b.options.emplace_back(&a, opt);
        }
        bound.push_back(std::move(b));
    }

    // An unknown command gets the dispatcher's message, which lists the known ones.
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.empty() || a[0] == '-') continue;
        bool known = groups.count(a) > 0;
        for (const auto& b : bound) known = known || b.spec->name == a;
        if (!known) return fail(api::run({{"cmd", a}})["error"].get<std::string>());
        break;
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        out << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::ParseError& e) {
        // A --help inside a subcommand arrives as CallForHelp too; everything else is usage.
        return fail(e.what());
    }

    // Long commands (train) draw a progress bar on stderr, rewriting one line. The sink holds
    // a reference to `err`, so it is removed again when this call returns (tests call
    // cli_main with streams that die before the next command runs).
    api::set_progress_sink([&err](const std::string& line, bool final_line) {
        err << '\r' << line << (final_line ? "\n" : "") << std::flush;
    });
    struct sink_reset {
        ~sink_reset() { api::set_progress_sink(nullptr); }
    } reset_sink_on_return;
    for (const auto& b : bound) {
        if (!b.app->parsed()) continue;
        json request = {{"cmd", b.spec->name}};
        for (const auto& [a, opt] : b.options) {
            if (opt->count() == 0) continue;
            if (a->type == api::arg_type::arg_type_flag) request[a->name] = true;
            else request[a->name] = opt->as<std::string>();
        }
        json answer = api::run(request);
        if (api::is_error(answer)) return fail(answer["error"].get<std::string>());
        if (want_json) out << answer.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
        else print_human(answer, out);
        return 0;
    }
    for (const auto& [name, g] : groups)
        if (g->parsed()) return fail("'" + name + "' needs a subcommand; see edgestudy-cli " + name + " --help");
    out << app.help();
    return fail("no command given; run edgestudy-cli --help for the list");
}

}  // namespace es::cli
