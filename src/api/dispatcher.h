// dispatcher: the one command interface behind every front door. The CLI
// (edgestudy-cli <command> --flag value --json), the page (window.edgestudy.run(request))
// and the UI all call run(); a command is written once and reached three ways.
//
//   auto answer = es::api::run({{"cmd", "selftest"}});          // {"simd": true, ...}
//   auto bad    = es::api::run({{"cmd", "nope"}});              // {"error": "unknown command ..."}
//   std::string s = es::api::run_text(R"({"cmd":"version"})");  // JSON text in, JSON text out
//
// A request is a JSON object {"cmd": "<command>", "<arg>": value, ...}. Arguments are
// validated here, once, against the command's spec (type, range, choices, required), so
// every front door reports the same clear error naming the argument. Numeric arguments may
// arrive as numbers (JS) or as strings (CLI). run() never throws.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace es::api {

using json = nlohmann::json;

enum class arg_type { arg_type_integer, arg_type_number, arg_type_string, arg_type_flag, arg_type_choice };

struct arg_spec {
    std::string name;  // "h" -> CLI flag "--h", JSON key "h"
    arg_type type = arg_type::arg_type_string;
    std::string help;
    bool required = false;
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    // arg_type_choice: the allowed values. arg_type_integer / arg_type_number: names accepted
    // besides numbers and passed on as strings (--pad 1 or --pad same).
    std::vector<std::string> choices = {};
    json fallback = nullptr;                // value when absent and not required (null: absent)
};

struct command_spec {
    std::string name;  // may hold a space for a group: "calc conv"
    std::string summary;
    std::vector<arg_spec> args;
    // Receives validated arguments (only known keys, converted types, fallbacks applied).
    // Returns the answer object; may return {"error": ...} for semantic errors.
    std::function<json(const json& args)> run;
};

// Every command, in a stable order.
const std::vector<command_spec>& commands();
// Finds "calc conv" also when written "calc.conv"; nullptr when unknown.
const command_spec* find_command(std::string_view name);

json run(const json& request);
std::string run_text(std::string_view request_text);

json make_error(std::string message);
// An answer is a refusal when its "error" holds a message (a string). A good answer may carry
// a numeric "error" of its own: `calc quant --value` reports the quantization error there.
bool is_error(const json& answer);

// Validates raw arguments (request minus "cmd") against a spec. On success fills `out`
// and returns an empty string; otherwise returns the error message.
std::string validate_args(const command_spec& spec, const json& raw, json& out);

// Registration: each concern adds its commands here (called once, in order).
void register_core_commands(std::vector<command_spec>& out);
void register_model_commands(std::vector<command_spec>& out);
void register_engine_commands(std::vector<command_spec>& out);
void register_train_commands(std::vector<command_spec>& out);
void register_qat_commands(std::vector<command_spec>& out);
void register_compare_commands(std::vector<command_spec>& out);
void register_channel_commands(std::vector<command_spec>& out);  // commands_channels.cpp
void register_prune_commands(std::vector<command_spec>& out);
void register_lab_commands(std::vector<command_spec>& out);    // commands_lab.cpp: lab distill, ...
void register_calc_commands(std::vector<command_spec>& out);
void register_explore_commands(std::vector<command_spec>& out);
void register_quiz_commands(std::vector<command_spec>& out);

}  // namespace es::api
