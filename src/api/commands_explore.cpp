// Architecture-explorer commands (es::explore): the blocks of the sheet's architecture table
// as the engine builds them, channel permutations traced through the engine, ShuffleNet V2's
// guidelines with numbers.
//
//   edgestudy-cli explore block --preset mnv2_res --json
//   edgestudy-cli explore block --family shufflenet_v1 --h 28 --w 28 --cin 240 --cout 240 --groups 3 --json
//   {"family", "params": {...}, "rows", "lanes", "macs", "params_total", "out_shape",
//    "standard_macs", "standard_params",
//    "nodes": [{"name", "op", "act", "fused", "k", "stride", "groups", "cin", "cout", "squeeze",
//               "in_shape", "out_shape", "macs", "params", "bn_params", "bytes", "row", "lane",
//               "inputs", "skips"}, ...]}
//   A --preset gives the starting values; any other flag overrides them. --unfold draws every
//   batch norm and activation as its own node.
//
//   edgestudy-cli explore shuffle --channels 12 --groups 3 --json   {"order": [0, 4, 8, 1, ...]}
//   edgestudy-cli explore guidelines --h 56 --w 56 --c 128 --json
//   {"g1": [{"ratio", "c1", "c2", "flops", "mac", "bound"}], "g2": [{"groups", "c", "flops", "mac"}],
//    "g3": [{"preset", "ops", "branches", "macs"}]}
#include "api/dispatcher.h"

#include "explore/blocks.h"
#include "explore/channels.h"
#include "explore/guidelines.h"

#include <limits>

namespace es::api {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

std::vector<std::string> family_choices() {
    std::vector<std::string> out;
    for (auto f : explore::all_families) out.emplace_back(explore::family_name(f));
    return out;
}

std::vector<std::string> preset_choices() {
    std::vector<std::string> out;
    for (const auto& p : explore::presets()) out.emplace_back(p.id);
    return out;
}

json params_json(const explore::block_params& p) {
    return {{"family", explore::family_name(p.fam)},
            {"h", p.h},
            {"w", p.w},
            {"cin", p.cin},
            {"cout", p.cout},
            {"stride", p.stride},
            {"expanded", p.expanded},
            {"kernel", p.kernel},
            {"se", p.se},
            {"hswish", p.hswish},
            {"groups", p.groups},
            {"group_first_pw", p.group_first_pw}};
}

json cmd_block(const json& args) {
    explore::block_params p;
    if (args.contains("preset")) {
        p = explore::find_preset(args["preset"].get<std::string>())->p;
    } else if (!args.contains("family")) {
        return make_error("give --preset or --family (" + [] {
            std::string s;
            for (const auto& c : family_choices()) s += (s.empty() ? "" : ", ") + c;
            return s;
        }() + ")");
    }
    if (args.contains("family")) {
        const auto f = *explore::parse_family(args["family"].get<std::string>());
        if (f != p.fam && args.contains("preset"))
            return make_error("--family " + args["family"].get<std::string>() + " does not match --preset " +
                              args["preset"].get<std::string>() + " (" + explore::family_name(p.fam) + ")");
        p.fam = f;
    }
    auto set_int = [&](const char* key, int& field) {
        if (args.contains(key)) field = static_cast<int>(args[key].get<long long>());
    };
    set_int("h", p.h);
    set_int("w", p.w);
    set_int("cin", p.cin);
    set_int("cout", p.cout);
    set_int("stride", p.stride);
    set_int("expanded", p.expanded);
    set_int("kernel", p.kernel);
    set_int("groups", p.groups);
    if (args.value("se", false)) p.se = true;
    if (args.value("hswish", false)) p.hswish = true;
    if (args.value("ungrouped-first", false)) p.group_first_pw = false;
    // Without a preset, MobileNet V2/V3 default to no expansion unless --expanded is given.
    if (!args.contains("preset") && !args.contains("expanded")) p.expanded = p.cin;

    std::string err;
    auto d = explore::build_block(p, !args.value("unfold", false), &err);
    if (!d) return make_error(err);
    json nodes = json::array();
    for (const auto& n : d->nodes) {
        json skips = json::array();
        for (bool s : n.skips) skips.push_back(s);
        nodes.push_back({{"name", n.name},
                         {"op", n.op},
                         {"act", n.act},
                         {"fused", n.fused},
                         {"k", n.k},
                         {"stride", n.stride},
                         {"groups", n.groups},
                         {"cin", n.cin},
                         {"cout", n.cout},
                         {"squeeze", n.squeeze},
                         {"in_shape", n.in_shape},
                         {"out_shape", n.out_shape},
                         {"macs", n.macs},
                         {"params", n.params},
                         {"bn_params", n.bn_params},
                         {"bytes", n.bytes},
                         {"row", n.row},
                         {"lane", n.lane},
                         {"inputs", n.inputs},
                         {"skips", skips}});
    }
    return {{"family", explore::family_name(p.fam)},
            {"params", params_json(p)},
            {"rows", d->rows},
            {"lanes", d->lanes},
            {"macs", d->macs},
            {"params_total", d->params_total},
            {"out_shape", d->out_shape},
            {"standard_macs", d->standard_macs},
            {"standard_params", d->standard_params},
            {"nodes", nodes}};
}

json cmd_shuffle(const json& args) {
    std::string err;
    auto order = explore::shuffle_order(static_cast<int>(args["channels"].get<long long>()),
                                        static_cast<int>(args["groups"].get<long long>()), &err);
    if (!order) return make_error(err);
    return {{"order", *order}};
}

json cmd_guidelines(const json& args) {
    const int h = static_cast<int>(args["h"].get<long long>());
    const int w = static_cast<int>(args["w"].get<long long>());
    const int c = static_cast<int>(args["c"].get<long long>());
    std::string err;
    auto g1 = explore::g1_table(h, w, c, &err);
    auto g2 = explore::g2_table(h, w, c, &err);
    if (!g1 || !g2) return make_error(err);
    json j1 = json::array(), j2 = json::array(), j3 = json::array();
    for (const auto& r : *g1)
        j1.push_back({{"ratio", r.ratio}, {"c1", r.c1}, {"c2", r.c2}, {"flops", r.flops}, {"mac", r.mac}, {"bound", r.bound}});
    for (const auto& r : *g2) j2.push_back({{"groups", r.groups}, {"c", r.c}, {"flops", r.flops}, {"mac", r.mac}});
    for (const auto& r : explore::g3_blocks())
        j3.push_back({{"preset", r.preset}, {"ops", r.ops}, {"branches", r.branches}, {"macs", r.macs}});
    return {{"g1", j1}, {"g2", j2}, {"g3", j3}};
}

}  // namespace

void register_explore_commands(std::vector<command_spec>& out) {
    using t = arg_type;
    const double maxe = explore::max_extent, maxc = explore::max_channels;
    out.push_back(
        {"explore block",
         "one block of an architecture of the sheet, as the engine builds it: ops, shapes, MACs, layout",
         {
             {"preset", t::arg_type_choice, "a block from the papers' tables (its values; other flags override)",
              false, -inf, inf, preset_choices()},
             {"family", t::arg_type_choice, "architecture family", false, -inf, inf, family_choices()},
             {"h", t::arg_type_integer, "input height", false, 1, maxe},
             {"w", t::arg_type_integer, "input width", false, 1, maxe},
             {"cin", t::arg_type_integer, "input channels", false, 1, maxc},
             {"cout", t::arg_type_integer, "output channels", false, 1, maxc},
             {"stride", t::arg_type_integer, "stride, 1 or 2", false, 1, 2},
             {"expanded", t::arg_type_integer, "MobileNet V2/V3: channels after the 1x1 expansion", false, 1, maxc},
             {"kernel", t::arg_type_integer, "MobileNet V3: depthwise kernel, 3 or 5", false, 3, 5},
             {"se", t::arg_type_flag, "MobileNet V3: squeeze-and-excite"},
             {"hswish", t::arg_type_flag, "MobileNet V3: hard-swish instead of ReLU"},
             {"groups", t::arg_type_integer, "ShuffleNet V1: groups 1, 2, 3, 4 or 8", false, 1, 8},
             {"ungrouped-first", t::arg_type_flag, "ShuffleNet V1: the first 1x1 conv is not grouped"},
             {"unfold", t::arg_type_flag, "draw batch norms and activations as nodes of their own"},
         },
         cmd_block});
    out.push_back({"explore shuffle",
                   "the channel order after a channel shuffle, traced through the engine's shuffle layer",
                   {
                       {"channels", t::arg_type_integer, "channels", true, 1, explore::max_trace_channels},
                       {"groups", t::arg_type_integer, "groups (must divide channels)", true, 1,
                        explore::max_trace_channels},
                   },
                   cmd_shuffle});
    out.push_back({"explore guidelines",
                   "ShuffleNet V2's guidelines G1-G3 with numbers: MAC of 1x1 convs by channel ratio and groups",
                   {
                       {"h", t::arg_type_integer, "feature map height", false, 1, maxe, {}, 56},
                       {"w", t::arg_type_integer, "feature map width", false, 1, maxe, {}, 56},
                       {"c", t::arg_type_integer, "channels of the balanced 1:1 layer", false, 1, maxc, {}, 128},
                   },
                   cmd_guidelines});
}

}  // namespace es::api
