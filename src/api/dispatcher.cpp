#include "api/dispatcher.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <exception>

namespace es::api {

namespace {

std::vector<command_spec> build_registry() {
    std::vector<command_spec> out;
    register_core_commands(out);
    register_model_commands(out);
    register_engine_commands(out);
    register_train_commands(out);
    register_qat_commands(out);
    register_compare_commands(out);
    register_channel_commands(out);
    register_prune_commands(out);
    register_lab_commands(out);
    register_calc_commands(out);
    register_explore_commands(out);
    register_quiz_commands(out);
    return out;
}

std::string flag_name(const arg_spec& a) { return "--" + a.name; }

std::string describe(const json& v) {
    std::string s = v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

std::string number_text(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

// Parses the whole string as a finite double; false on any trailing junk.
bool parse_double(std::string_view s, double& out) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (s.empty()) return false;
    // strtod (the "C" locale: the app never calls setlocale) needs a terminated copy;
    // libc++ 14 has no floating-point from_chars.
    const std::string text(s);
    if (text.find_first_of("xXpP") != std::string::npos) return false;  // no hex floats
    char* end = nullptr;
    errno = 0;
    out = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && errno == 0 && std::isfinite(out);
}

std::string check_range(const arg_spec& a, double v) {
    if (v < a.min || v > a.max) {
        std::string range;
        if (std::isfinite(a.min) && std::isfinite(a.max))
            range = "between " + number_text(a.min) + " and " + number_text(a.max);
        else if (std::isfinite(a.min))
            range = "at least " + number_text(a.min);
        else
            range = "at most " + number_text(a.max);
        return "argument " + flag_name(a) + " must be " + range + ", got " + number_text(v);
    }
    return {};
}

std::string coerce(const arg_spec& a, const json& v, json& out) {
    switch (a.type) {
    case arg_type::arg_type_integer:
    case arg_type::arg_type_number: {
        double d = 0;
        // A numeric argument with choices also takes those names (--pad same).
        if (v.is_string() && std::find(a.choices.begin(), a.choices.end(), v.get<std::string>()) != a.choices.end()) {
            out = v;
            return {};
        }
        if (v.is_number()) {
            d = v.get<double>();
            if (!std::isfinite(d)) return "argument " + flag_name(a) + " must be a finite number";
        } else if (v.is_string()) {
            if (!parse_double(v.get<std::string>(), d)) {
                if (a.choices.empty()) return "argument " + flag_name(a) + " expects a number, got " + describe(v);
                std::string list;
                for (const auto& c : a.choices) list += (list.empty() ? "" : ", ") + c;
                return "argument " + flag_name(a) + " expects a number or one of " + list + ", got " + describe(v);
            }
        } else {
            return "argument " + flag_name(a) + " expects a number, got " + describe(v);
        }
        if (a.type == arg_type::arg_type_integer) {
            if (d != std::floor(d))
                return "argument " + flag_name(a) + " expects a whole number, got " + number_text(d);
            if (std::fabs(d) > 9007199254740992.0)
                return "argument " + flag_name(a) + " is too large: " + number_text(d);
        }
        if (auto e = check_range(a, d); !e.empty()) return e;
        out = a.type == arg_type::arg_type_integer ? json(static_cast<long long>(d)) : json(d);
        return {};
    }
    case arg_type::arg_type_string:
        if (!v.is_string()) return "argument " + flag_name(a) + " expects text, got " + describe(v);
        out = v;
        return {};
    case arg_type::arg_type_flag:
        if (v.is_boolean()) {
            out = v;
            return {};
        }
        if (v.is_string() && (v == "true" || v == "1")) {
            out = true;
            return {};
        }
        if (v.is_string() && (v == "false" || v == "0")) {
            out = false;
            return {};
        }
        return "argument " + flag_name(a) + " is a switch: true or false, got " + describe(v);
    case arg_type::arg_type_choice: {
        if (!v.is_string()) return "argument " + flag_name(a) + " expects one of the listed values, got " + describe(v);
        const auto s = v.get<std::string>();
        if (std::find(a.choices.begin(), a.choices.end(), s) == a.choices.end()) {
            std::string list;
            for (const auto& c : a.choices) list += (list.empty() ? "" : ", ") + c;
            return "argument " + flag_name(a) + " must be one of " + list + ", got \"" + s + "\"";
        }
        out = v;
        return {};
    }
    }
    return "argument " + flag_name(a) + " has an unknown type";
}

std::string normalise_name(std::string_view name) {
    std::string n(name);
    std::replace(n.begin(), n.end(), '.', ' ');
    return n;
}

}  // namespace

const std::vector<command_spec>& commands() {
    static const std::vector<command_spec> registry = build_registry();
    return registry;
}

const command_spec* find_command(std::string_view name) {
    const std::string n = normalise_name(name);
    for (const auto& c : commands())
        if (c.name == n) return &c;
    return nullptr;
}

json make_error(std::string message) { return json{{"error", std::move(message)}}; }

bool is_error(const json& answer) {
    // A refusal's "error" is its message; `calc quant` answers a number there (the quantization error).
    if (!answer.is_object()) return false;
    auto it = answer.find("error");
    return it != answer.end() && it->is_string();
}

std::string validate_args(const command_spec& spec, const json& raw, json& out) {
    out = json::object();
    if (!raw.is_object()) return "the request must be a JSON object";
    for (auto& item : raw.items()) {
        const std::string key = item.key();
        const json& value = item.value();
        if (key == "cmd") continue;
        auto it = std::find_if(spec.args.begin(), spec.args.end(), [&](const arg_spec& a) { return a.name == key; });
        if (it == spec.args.end()) {
            std::string known;
            for (const auto& a : spec.args) known += (known.empty() ? "" : ", ") + flag_name(a);
            return "unknown argument --" + key + " for command '" + spec.name + "'" +
                   (known.empty() ? " (it takes no arguments)" : " (known: " + known + ")");
        }
        json converted;
        if (auto e = coerce(*it, value, converted); !e.empty()) return e;
        out[key] = std::move(converted);
    }
    for (const auto& a : spec.args) {
        if (out.contains(a.name)) continue;
        if (a.required) return "missing argument " + flag_name(a) + " (" + a.help + ")";
        if (!a.fallback.is_null()) out[a.name] = a.fallback;
    }
    return {};
}

json run(const json& request) {
    try {
        if (!request.is_object()) return make_error("a request must be a JSON object such as {\"cmd\": \"version\"}");
        auto it = request.find("cmd");
        if (it == request.end()) return make_error("missing \"cmd\": say which command to run, e.g. {\"cmd\": \"version\"}");
        if (!it->is_string()) return make_error("\"cmd\" must be a string naming a command");
        const auto name = it->get<std::string>();
        const command_spec* spec = find_command(name);
        if (!spec) {
            std::string known;
            for (const auto& c : commands()) known += (known.empty() ? "" : ", ") + c.name;
            return make_error("unknown command '" + name + "' (known: " + known + ")");
        }
        json args;
        if (auto e = validate_args(*spec, request, args); !e.empty()) return make_error(e);
        json answer = spec->run(args);
        if (!answer.is_object()) return make_error("command '" + spec->name + "' produced no answer");
        return answer;
    } catch (const std::exception& e) {
        return make_error(std::string("internal error: ") + e.what());
    } catch (...) {
        return make_error("internal error");
    }
}

std::string run_text(std::string_view request_text) {
    try {
        auto request = json::parse(request_text, nullptr, /*allow_exceptions=*/false);
        if (request.is_discarded())
            return make_error("the request is not valid JSON").dump();
        return run(request).dump(-1, ' ', false, json::error_handler_t::replace);
    } catch (...) {
        return make_error("internal error").dump();
    }
}

}  // namespace es::api
