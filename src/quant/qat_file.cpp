// qat_file: QAT models as folded weights files with their quantization (format in qat_file.h).
#include "quant/qat_file.h"

#include "models/model_file.h"

#include <cmath>

namespace es::quant {

namespace {
constexpr const char* graph_form = "int8_graph";
}

nlohmann::json describe_qat(const std::string& arch, const models::arch_options& o, const qat_model& m,
                            const nlohmann::json& info) {
    nlohmann::json d = models::describe(arch, o);
    d["folded"] = true;
    nlohmann::json ranges = nlohmann::json::array();
    for (int t : quantized_tensors(m.graph)) {
        const range r = m.ranges[static_cast<std::size_t>(t)];
        ranges.push_back({t, r.lo, r.hi});
    }
    d["quant"] = {{"graph", graph_form},
                  {"weight_bits", m.q.weight_bits},
                  {"act_bits", m.q.act_bits},
                  {"per_channel", m.q.per_channel},
                  {"restricted", m.q.restricted},
                  {"ranges", std::move(ranges)}};
    if (!info.is_null()) d["qat"] = info;
    return d;
}

std::string save_qat_file(const std::string& path, const qat_model& m, const std::string& arch,
                          const models::arch_options& o, const nlohmann::json& info) {
    if (m.ranges.size() != m.graph.tensors.size()) return "the model has no activation ranges to save";
    return engine::weights_save_file(path, m.graph, describe_qat(arch, o, m, info));
}

std::optional<std::pair<ptq_options, std::vector<range>>> parse_quant(const nlohmann::json& q, const engine::model& g,
                                                                      std::string* error) {
    using result = std::optional<std::pair<ptq_options, std::vector<range>>>;
    auto fail = [&](const std::string& why) -> result {
        if (error) *error = "quantization metadata: " + why;
        return std::nullopt;
    };
    if (!q.is_object()) return fail("\"quant\" is not an object");
    if (!q.contains("graph") || !q["graph"].is_string() || q["graph"].get<std::string>() != graph_form)
        return fail("\"graph\" must be \"" + std::string(graph_form) + "\"");
    ptq_options o;
    auto bits = [&](const char* key, int& out) {
        if (!q.contains(key) || !q[key].is_number_integer()) return false;
        const auto v = q[key].get<long long>();
        if (v < 2 || v > 8) return false;
        out = static_cast<int>(v);
        return true;
    };
    if (!bits("weight_bits", o.weight_bits)) return fail("\"weight_bits\" must be an integer from 2 to 8");
    if (!bits("act_bits", o.act_bits)) return fail("\"act_bits\" must be an integer from 2 to 8");
    for (const char* key : {"per_channel", "restricted"})
        if (!q.contains(key) || !q[key].is_boolean()) {
            std::string why = "\"";  // (appended: GCC 12 warns falsely about "x" + std::string)
            why.append(key).append("\" must be true or false");
            return fail(why);
        }
    o.per_channel = q["per_channel"].get<bool>();
    o.restricted = q["restricted"].get<bool>();
    if (!q.contains("ranges") || !q["ranges"].is_array()) return fail("\"ranges\" must be an array of [tensor, lo, hi]");
    const auto src = param_source(g);
    std::vector<range> ranges(g.tensors.size());
    std::vector<unsigned char> seen(g.tensors.size(), 0);
    for (const auto& e : q["ranges"]) {
        if (!e.is_array() || e.size() != 3 || !e[0].is_number_integer() || !e[1].is_number() || !e[2].is_number())
            return fail("each range must be [tensor, lo, hi] with an integer tensor id");
        const auto t = e[0].get<long long>();
        if (t < 0 || t >= static_cast<long long>(g.tensors.size()))
            return fail("tensor " + std::to_string(t) + " does not exist in this architecture's graph");
        const std::size_t ti = static_cast<std::size_t>(t);
        if (src[ti] != static_cast<int>(t))
            return fail("tensor " + std::to_string(t) + " has no quantization parameters of its own");
        if (seen[ti]) return fail("tensor " + std::to_string(t) + " has two ranges");
        const double lo = e[1].get<double>(), hi = e[2].get<double>();
        const double lim = 3.0e38;
        if (!std::isfinite(lo) || !std::isfinite(hi) || std::fabs(lo) > lim || std::fabs(hi) > lim || lo > hi)
            return fail("the range of tensor " + std::to_string(t) + " is not finite with lo <= hi");
        ranges[ti] = {static_cast<float>(lo), static_cast<float>(hi)};
        seen[ti] = 1;
    }
    for (std::size_t t = 0; t < src.size(); ++t)
        if (src[t] == static_cast<int>(t) && !seen[t]) return fail("tensor " + std::to_string(t) + " has no range");
    return std::make_pair(o, std::move(ranges));
}

std::optional<qat_model> qat_from_file(const engine::weights_file& f, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<qat_model> {
        if (error) *error = why;
        return std::nullopt;
    };
    const auto& d = f.description;
    if (!d.is_object() || !d.contains("folded") || d["folded"] != true)
        return fail("not a quantization-aware-trained model: the file holds an un-folded model (no \"folded\": true)");
    if (!d.contains("quant")) return fail("not a quantization-aware-trained model: the description has no \"quant\"");
    std::string why;
    auto folded = models::model_from_file(f, &why);
    if (!folded) return fail(why);
    qat_model m;
    m.graph = int8_graph(*folded);
    auto q = parse_quant(d["quant"], m.graph, &why);
    if (!q) return fail(why);
    m.q = q->first;
    m.ranges = std::move(q->second);
    return m;
}

std::optional<qat_model> load_qat_file(const std::string& path, std::string* error) {
    auto file = engine::weights_load_file(path, error);
    if (!file) return std::nullopt;
    std::string why;
    auto m = qat_from_file(*file, &why);
    if (!m && error) *error = path + ": " + why;
    return m;
}

}  // namespace es::quant
