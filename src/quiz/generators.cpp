#include "quiz/generators.h"

#include "calc/conv.h"
#include "calc/kd.h"
#include "calc/quant.h"
#include "calc/roofline.h"
#include "calc/sparsity.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>

namespace es::quiz {

namespace {

using i18n::lang;

std::string tx(lang l, std::string_view key, std::initializer_list<std::string_view> args = {}) {
    return i18n::format(i18n::tr(l, key), args);
}

std::string count(std::int64_t v) { return calc::format_count(v); }
std::string real(double v) { return calc::format_real(v); }

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 14695981039346656037ull;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

// A slip is kept only when its value is finite and differs from the answer (and from the
// slips before it) by more than the tolerance.
void add_slip(problem& p, const char* id, double value) {
    if (!std::isfinite(value)) return;
    if (p.type == item_type::single) {
        if (static_cast<int>(value) == p.answer_choice) return;
    } else if (number_matches(value, p.answer, p.tolerance)) {
        return;
    }
    for (const auto& s : p.slips)
        if (number_matches(value, s.value, p.tolerance)) return;
    p.slips.push_back({id, value});
}

std::vector<calc::step> only(const std::vector<calc::step>& steps, std::initializer_list<std::string_view> ids) {
    std::vector<calc::step> out;
    for (const auto& s : steps)
        for (auto id : ids)
            if (s.id == id) out.push_back(s);
    return out;
}

// The calculators cannot refuse the drawn numbers (every draw is valid by construction);
// should one ever do so, the problem says so instead of crashing.
template <typename R>
const R& must(const std::optional<R>& r) {
    static const R empty{};
    return r ? *r : empty;
}

calc::conv_result conv_of(std::int64_t h, std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t s,
                          std::int64_t pad, std::int64_t groups, calc::conv_type type, bool bias, lang l) {
    calc::conv_input in;
    in.h = in.w = h;
    in.cin = cin;
    in.cout = cout;
    in.k = k;
    in.stride = s;
    in.pad = pad;
    in.groups = groups;
    in.type = type;
    in.bias = bias;
    return must(calc::conv(in, l));
}

// Distance of x's fractional part from a .5 rounding tie (0.5 = as far as possible).
double tie_distance(double x) { return std::fabs(std::fabs(x - std::floor(x)) - 0.5); }

// ---- the generators ----

void gen_conv_out(rng& g, lang l, problem& p) {
    const std::int64_t k = g.pick<std::int64_t>({1, 3, 3, 5, 7});
    const std::int64_t s = g.pick<std::int64_t>({1, 2, 2, 2, 3});
    const std::int64_t pad = k == 1 ? 0 : g.uniform(0, k / 2 + 1);
    const std::int64_t h = g.uniform(std::max<std::int64_t>(k, 5), 64);
    const auto r = conv_of(h, 1, 1, k, s, pad, 1, calc::conv_type::standard, false, l);
    p.prompt = tx(l, "quiz.gen.conv_out.prompt", {count(h), count(k), count(s), count(pad)});
    p.answer = static_cast<double>(r.h_out);
    p.tolerance = 0;
    p.steps = only(r.steps, {"h_out"});
    if (auto v = calc::output_size(h, k, 1, pad)) add_slip(p, "forgot_stride", static_cast<double>(*v));
    const std::int64_t span = h + 2 * pad - k;
    add_slip(p, "ceil_instead_of_floor", static_cast<double>((span + s - 1) / s + 1));
    if (auto v = calc::output_size(h + pad, k, s, 0)) add_slip(p, "padding_one_side", static_cast<double>(*v));
}

void gen_conv_macs(rng& g, lang l, problem& p) {
    const std::int64_t h = g.pick<std::int64_t>({7, 14, 28, 56, 112});
    const std::int64_t cin = g.pick<std::int64_t>({3, 16, 24, 32, 48, 64, 96, 128});
    const std::int64_t cout = g.pick<std::int64_t>({16, 24, 32, 64, 96, 128, 256});
    const std::int64_t k = g.pick<std::int64_t>({1, 3, 3, 3, 5, 7});
    const std::int64_t s = g.pick<std::int64_t>({1, 2});
    const std::int64_t pad = k / 2;
    const auto r = conv_of(h, cin, cout, k, s, pad, 1, calc::conv_type::standard, false, l);
    p.prompt = tx(l, "quiz.gen.conv_macs.prompt", {count(h), count(cin), count(cout), count(k), count(s), count(pad)});
    p.answer = static_cast<double>(r.macs) / 1e6;
    p.tolerance = 0.005;
    p.unit = tx(l, "quiz.unit.m_macs");
    p.steps = only(r.steps, {"h_out", "w_out", "macs"});
    const auto s1 = conv_of(h, cin, cout, k, 1, pad, 1, calc::conv_type::standard, false, l);
    add_slip(p, "forgot_stride", static_cast<double>(s1.macs) / 1e6);
    add_slip(p, "flops_vs_macs", static_cast<double>(r.flops) / 1e6);
    add_slip(p, "dropped_k2", static_cast<double>(r.macs / (k * k)) / 1e6);
}

void gen_conv_params(rng& g, lang l, problem& p) {
    const std::int64_t h = g.pick<std::int64_t>({14, 28, 32, 56, 112, 224});
    const std::int64_t cin = g.pick<std::int64_t>({3, 8, 16, 24, 32, 64, 128});
    const std::int64_t cout = g.pick<std::int64_t>({8, 16, 32, 64, 96, 128});
    const std::int64_t k = g.pick<std::int64_t>({1, 3, 3, 5, 7});
    const std::int64_t s = g.pick<std::int64_t>({1, 2});
    const bool bias = g.coin();
    const auto r = conv_of(h, cin, cout, k, s, k / 2, 1, calc::conv_type::standard, bias, l);
    p.prompt = tx(l, "quiz.gen.conv_params.prompt",
                  {count(h), count(cin), count(cout), count(k), count(s),
                   tx(l, bias ? "quiz.gen.with_bias" : "quiz.gen.without_bias")});
    p.answer = static_cast<double>(r.params);
    p.tolerance = 0;
    p.steps = only(r.steps, {"params"});
    if (bias) {
        const auto nb = conv_of(h, cin, cout, k, s, k / 2, 1, calc::conv_type::standard, false, l);
        add_slip(p, "forgot_bias", static_cast<double>(nb.params));
    }
    const std::int64_t b = bias ? cout : 0;
    add_slip(p, "dropped_k2", static_cast<double>((r.params - b) / (k * k) + b));
}

void gen_dsc(rng& g, lang l, problem& p) {
    const std::int64_t h = g.pick<std::int64_t>({7, 14, 28, 56, 112});
    const std::int64_t cin = g.pick<std::int64_t>({16, 32, 64, 128});
    const std::int64_t cout = g.pick<std::int64_t>({32, 64, 128, 256});
    const std::int64_t k = g.pick<std::int64_t>({3, 3, 5});
    const std::int64_t s = g.pick<std::int64_t>({1, 2});
    const std::int64_t pad = k / 2;
    const auto r = conv_of(h, cin, cout, k, s, pad, 1, calc::conv_type::dsc, false, l);
    const std::string H = count(h), Cin = count(cin), Cout = count(cout), K = count(k), S = count(s), P = count(pad);
    if (g.coin()) {
        p.prompt = tx(l, "quiz.gen.dsc.prompt_macs", {H, Cin, Cout, K, S, P});
        p.answer = static_cast<double>(r.macs) / 1e6;
        p.tolerance = 0.005;
        p.unit = tx(l, "quiz.unit.m_macs");
        p.steps = only(r.steps, {"h_out", "macs_dw", "macs_pw", "macs"});
        const auto s1 = conv_of(h, cin, cout, k, 1, pad, 1, calc::conv_type::dsc, false, l);
        add_slip(p, "forgot_stride", static_cast<double>(s1.macs) / 1e6);
        add_slip(p, "flops_vs_macs", static_cast<double>(r.flops) / 1e6);
        add_slip(p, "dropped_k2", static_cast<double>(r.macs_dw / (k * k) + r.macs_pw) / 1e6);
        add_slip(p, "standard_conv", static_cast<double>(r.macs_standard) / 1e6);
    } else {
        p.prompt = tx(l, "quiz.gen.dsc.prompt_ratio", {H, Cin, Cout, K, S, P});
        p.answer = r.ratio_vs_standard;
        p.tolerance = 0.005;
        p.steps = only(r.steps, {"macs_dw", "macs_pw", "macs_standard", "ratio", "ratio_sheet"});
        add_slip(p, "dsc_ratio_approx", r.ratio_sheet_approx);
    }
}

void gen_group_conv(rng& g, lang l, problem& p) {
    const std::int64_t groups = g.pick<std::int64_t>({2, 3, 4, 8});
    const std::int64_t cin = groups * g.pick<std::int64_t>({4, 8, 16, 32});
    const std::int64_t cout = groups * g.pick<std::int64_t>({4, 8, 16, 32});
    const std::int64_t h = g.pick<std::int64_t>({7, 14, 28, 56});
    const std::int64_t k = g.pick<std::int64_t>({1, 1, 3});
    const std::int64_t s = g.pick<std::int64_t>({1, 2});
    const std::int64_t pad = k / 2;
    const auto r = conv_of(h, cin, cout, k, s, pad, groups, calc::conv_type::group, false, l);
    const auto g1 = conv_of(h, cin, cout, k, s, pad, 1, calc::conv_type::standard, false, l);
    const std::string G = count(groups), H = count(h), Cin = count(cin), Cout = count(cout), K = count(k),
                      S = count(s), P = count(pad);
    if (g.coin()) {
        p.prompt = tx(l, "quiz.gen.group_conv.prompt_macs", {G, H, Cin, Cout, K, S, P});
        p.answer = static_cast<double>(r.macs) / 1e6;
        p.tolerance = 0.005;
        p.unit = tx(l, "quiz.unit.m_macs");
        p.steps = only(r.steps, {"h_out", "macs"});
        add_slip(p, "forgot_groups", static_cast<double>(g1.macs) / 1e6);
        add_slip(p, "flops_vs_macs", static_cast<double>(r.flops) / 1e6);
        add_slip(p, "dropped_k2", static_cast<double>(r.macs / (k * k)) / 1e6);
    } else {
        p.prompt = tx(l, "quiz.gen.group_conv.prompt_params", {G, H, Cin, Cout, K, S, P});
        p.answer = static_cast<double>(r.params);
        p.tolerance = 0;
        p.steps = only(r.steps, {"params"});
        add_slip(p, "forgot_groups", static_cast<double>(g1.params));
        add_slip(p, "dropped_k2", static_cast<double>(r.params / (k * k)));
    }
}

// A range [r_min, r_max] around 0 in steps of 0.1, as a quantization problem states it.
std::pair<double, double> draw_range(rng& g) {
    return {-static_cast<double>(g.uniform(1, 40)) / 10, static_cast<double>(g.uniform(1, 80)) / 10};
}

std::string type_name(int bits, bool is_signed) { return (is_signed ? "int" : "uint") + std::to_string(bits); }

void gen_quant_scale(rng& g, lang l, problem& p) {
    const auto [rmin, rmax] = draw_range(g);
    calc::quant_input in;
    in.rmin = rmin;
    in.rmax = rmax;
    p.tolerance = 0.005;
    if (g.coin()) {
        in.bits = g.pick<int>({8, 8, 4});
        in.is_signed = g.coin();
        const auto r = must(calc::quant(in, l));
        p.prompt = tx(l, "quiz.gen.quant_scale.prompt_asymmetric",
                      {real(rmin), real(rmax), type_name(in.bits, in.is_signed), count(r.qmin), count(r.qmax)});
        p.answer = r.scale;
        p.steps = only(r.steps, {"scheme", "range", "scale"});
        add_slip(p, "levels_vs_steps", calc::quant_scale(rmin, rmax, r.qmin, r.qmax + 1));
    } else {
        in.bits = 8;
        in.is_signed = true;
        in.scheme = calc::quant_scheme::symmetric;
        in.restricted = true;  // the prompt states TFLite's restricted range [−127, 127]: S = max|r| / 127
        const auto r = must(calc::quant(in, l));
        p.prompt = tx(l, "quiz.gen.quant_scale.prompt_symmetric", {real(rmin), real(rmax), count(r.qmax)});
        p.answer = r.scale;
        p.steps = only(r.steps, {"scheme", "range", "scale"});
        const double m = std::max(std::fabs(rmin), std::fabs(rmax));
        add_slip(p, "levels_vs_steps", calc::quant_scale(-m, m, -(r.qmax + 1), r.qmax + 1));  // max / 2^(b−1)
    }
}

void gen_quant_zero_point(rng& g, lang l, problem& p) {
    calc::quant_input in;
    calc::quant_result r;
    for (int tries = 0; tries < 1000; ++tries) {  // skip ranges whose Z is near a .5 tie
        const auto [rmin, rmax] = draw_range(g);
        in.rmin = rmin;
        in.rmax = rmax;
        in.is_signed = g.coin();
        r = must(calc::quant(in, l));
        if (tie_distance(r.zero_point_unrounded) > 0.05) break;
    }
    p.prompt = tx(l, "quiz.gen.quant_zero_point.prompt",
                  {real(in.rmin), real(in.rmax), type_name(8, in.is_signed), count(r.qmin), count(r.qmax)});
    p.answer = static_cast<double>(r.zero_point);
    p.tolerance = 0;
    p.steps = only(r.steps, {"scheme", "range", "scale", "zero_point"});
    add_slip(p, "zero_point_sign", static_cast<double>(calc::quant_zero_point(-in.rmin, r.scale, r.qmin, r.qmax)));
    add_slip(p, "zero_point_sign", static_cast<double>(calc::quant_zero_point(-in.rmin, r.scale, r.qmin, r.qmax, false)));
}

void gen_quant_q(rng& g, lang l, problem& p) {
    calc::quant_input in;
    calc::quant_result r;
    for (int tries = 0; tries < 1000; ++tries) {  // skip draws near a .5 tie (Z or r/S + Z)
        const auto [rmin, rmax] = draw_range(g);
        in.rmin = rmin;
        in.rmax = rmax;
        const bool outside = g.uniform(0, 3) == 0;
        const double lo = outside ? rmin - 2 : rmin, hi = outside ? rmax + 2 : rmax;
        double v = static_cast<double>(g.uniform(static_cast<std::int64_t>(std::lround(lo * 20)),
                                                 static_cast<std::int64_t>(std::lround(hi * 20)))) / 20;
        in.values = {v};
        r = must(calc::quant(in, l));
        if (r.q.empty()) continue;
        if (tie_distance(r.zero_point_unrounded) > 0.05 &&
            tie_distance(v / r.scale + static_cast<double>(r.zero_point)) > 0.05)
            break;
    }
    const double v = in.values.empty() ? 0 : in.values[0];
    p.prompt = tx(l, "quiz.gen.quant_q.prompt", {real(in.rmin), real(in.rmax), real(v)});
    p.answer = r.q.empty() ? 0 : static_cast<double>(r.q[0]);
    p.tolerance = 0;
    p.steps = only(r.steps, {"scheme", "range", "scale", "zero_point", "quantize", "dequantize"});
    const std::int64_t z_wrong = calc::quant_zero_point(-in.rmin, r.scale, r.qmin, r.qmax, false);
    add_slip(p, "zero_point_sign", static_cast<double>(calc::quantize_value(v, r.scale, z_wrong, r.qmin, r.qmax)));
    add_slip(p, "forgot_clamp", static_cast<double>(calc::quantize_value(v, r.scale, r.zero_point, r.qmin, r.qmax, false)));
}

calc::roofline_result roofline_of(double macs, double bytes, double peak, calc::roofline_view unit, double bw, lang l) {
    calc::roofline_input in;
    in.macs = macs;
    in.bytes = bytes;
    in.peak = peak;
    in.peak_unit = unit;
    in.bandwidth_gbs = bw;
    return must(calc::roofline(in, l));
}

void gen_roofline_intensity(rng& g, lang l, problem& p) {
    const std::int64_t macs_m = g.uniform(1, 600);
    const std::int64_t bytes_d = g.uniform(5, 400);  // tenths of a MB
    const double macs = static_cast<double>(macs_m) * 1e6, bytes = static_cast<double>(bytes_d) * 1e5;
    const auto r = roofline_of(macs, bytes, 100, calc::roofline_view::macs, 25, l);
    p.prompt = tx(l, "quiz.gen.roofline_intensity.prompt", {count(macs_m), real(bytes / 1e6)});
    p.answer = r.intensity;
    p.tolerance = 0.01;
    p.unit = tx(l, "quiz.unit.macs_per_byte");
    p.steps = only(r.steps, {"intensity"});
    add_slip(p, "flops_vs_macs", r.intensity_flops);
}

void gen_roofline_bound(rng& g, lang l, problem& p) {
    const double peak_gmacs = static_cast<double>(g.pick<std::int64_t>({50, 100, 200, 500, 1000}));
    const double bw = static_cast<double>(g.pick<std::int64_t>({10, 25, 50, 100, 200}));
    const bool in_flops = g.coin();
    const double ridge = peak_gmacs / bw;
    double macs = 0, bytes = 0;
    for (int tries = 0; tries < 1000; ++tries) {  // keep clear of the ridge itself
        const double factor = g.pick<double>({0.25, 0.6, 0.8, 1.25, 1.5, 1.9, 4.0});
        bytes = static_cast<double>(g.uniform(1, 50)) * 1e6;
        macs = std::max(1.0, std::round(factor * ridge * bytes / 1e6)) * 1e6;
        if (std::fabs(macs / bytes - ridge) / ridge > 0.03) break;
    }
    const auto unit = in_flops ? calc::roofline_view::flops : calc::roofline_view::macs;
    const double peak = in_flops ? peak_gmacs * 2 : peak_gmacs;
    const auto r = roofline_of(macs, bytes, peak, unit, bw, l);
    p.type = item_type::single;
    p.prompt = tx(l, "quiz.gen.roofline_bound.prompt",
                  {count(static_cast<std::int64_t>(macs / 1e6)), real(bytes / 1e6),
                   tx(l, in_flops ? "quiz.unit.gflops_value" : "quiz.unit.gmacs_value", {real(peak)}), real(bw)});
    p.choices = {tx(l, "quiz.gen.roofline_bound.memory"), tx(l, "quiz.gen.roofline_bound.compute")};
    p.answer_choice = r.bound == calc::roofline_bound::memory ? 0 : 1;
    p.steps = r.steps;
    // The slip: the peak read in the other unit (FLOPs against MACs).
    const auto other = in_flops ? calc::roofline_view::macs : calc::roofline_view::flops;
    const auto m = roofline_of(macs, bytes, peak, other, bw, l);
    add_slip(p, "flops_vs_macs", m.bound == calc::roofline_bound::memory ? 0 : 1);
}

void gen_sparse24(rng& g, lang l, problem& p) {
    const int bits = g.pick<int>({32, 16, 16, 8});
    const char* dtype = bits == 32 ? "FP32" : bits == 16 ? "FP16" : "INT8";
    calc::sparse24_input in;
    in.value_bits = bits;
    p.tolerance = 0.001;
    if (g.coin()) {
        const std::int64_t k = g.pick<std::int64_t>({1, 3});
        const std::int64_t cin = g.pick<std::int64_t>({16, 32, 64, 128, 256});
        const std::int64_t cout = g.pick<std::int64_t>({16, 32, 64, 128, 256});
        in.weights = k * k * cin * cout;
        const auto r = must(calc::sparse24(in, l));
        p.prompt = tx(l, "quiz.gen.sparse24.prompt_bytes", {count(in.weights), count(k), count(cin), count(cout), dtype});
        p.answer = r.sparse_bytes;
        p.unit = tx(l, "quiz.unit.bytes");
        p.steps = r.steps;
        in.index_bits = 0;
        add_slip(p, "forgot_metadata", must(calc::sparse24(in, l)).sparse_bytes);
    } else {
        in.weights = 4;
        const auto r = must(calc::sparse24(in, l));
        p.prompt = tx(l, "quiz.gen.sparse24.prompt_percent", {dtype});
        p.answer = r.ratio * 100;
        p.unit = "%";
        p.steps = r.steps;
        add_slip(p, "saved_vs_stored", r.saved * 100);
        in.index_bits = 0;
        add_slip(p, "forgot_metadata", must(calc::sparse24(in, l)).ratio * 100);
    }
}

void gen_kd(rng& g, lang l, problem& p) {
    calc::kd_input in;
    const std::int64_t n = g.uniform(3, 4);
    for (std::int64_t i = 0; i < n; ++i) in.logits.push_back(static_cast<double>(g.uniform(-2, 6)));
    in.temperature = static_cast<double>(g.pick<std::int64_t>({2, 3, 4, 5, 8, 10}));
    const auto cls = static_cast<std::size_t>(g.uniform(0, n - 1));
    const auto r = must(calc::kd(in, l));
    p.prompt = tx(l, "quiz.gen.kd.prompt", {calc::format_list(in.logits), real(in.temperature), count(static_cast<std::int64_t>(cls) + 1)});
    p.answer = r.probs.empty() ? 0 : r.probs[cls];
    p.tolerance = 0.01;
    p.steps = only(r.steps, {"scaled", "exp", "sum", "probs", "compare"});
    if (!r.probs_t1.empty()) add_slip(p, "forgot_temperature", r.probs_t1[cls]);
}

struct generator_def {
    const char* name;
    const char* bullet;
    void (*make)(rng&, lang, problem&);
};

const std::vector<generator_def>& defs() {
    static const std::vector<generator_def> d = {
        {"conv_out", "1.1.4", gen_conv_out},
        {"conv_macs", "1.1.2", gen_conv_macs},
        {"conv_params", "1.2.2", gen_conv_params},
        {"dsc", "1.1.3", gen_dsc},
        {"group_conv", "2.1.3", gen_group_conv},
        {"quant_scale", "3.1.2", gen_quant_scale},
        {"quant_zero_point", "3.1.3", gen_quant_zero_point},
        {"quant_q", "3.1.1", gen_quant_q},
        {"roofline_intensity", "1.3.1", gen_roofline_intensity},
        {"roofline_bound", "1.3.2", gen_roofline_bound},
        {"sparse24", "3.2.2", gen_sparse24},
        {"kd", "4.1.2", gen_kd},
    };
    return d;
}

const generator_def* find_def(std::string_view name) {
    for (const auto& d : defs())
        if (name == d.name) return &d;
    return nullptr;
}

// The problem as a bank item, so grading (and its wrong-form errors) is the bank's own.
item as_item(const problem& p) {
    item it;
    it.id = p.id;
    it.type = p.type;
    for (const auto& c : p.choices) it.choices.push_back({c, c});
    it.answer_single = p.answer_choice;
    it.answer_number = p.answer;
    it.tolerance = p.tolerance;
    return it;
}

}  // namespace

std::uint64_t rng::next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::int64_t rng::uniform(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
    if (span == 0) return static_cast<std::int64_t>(next());  // the whole 64-bit range
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;  // accept [0, limit)
    std::uint64_t x = next();
    while (x >= limit) x = next();
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + x % span);
}

const std::vector<std::string>& generator_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& d : defs()) n.emplace_back(d.name);
        return n;
    }();
    return names;
}

std::string generator_bullet(std::string_view generator) {
    const auto* d = find_def(generator);
    return d ? d->bullet : "";
}

const std::vector<std::string>& slip_ids() {
    static const std::vector<std::string> ids = {
        "forgot_stride",   "ceil_instead_of_floor", "padding_one_side", "forgot_bias",      "flops_vs_macs",
        "zero_point_sign", "dropped_k2",            "forgot_groups",    "levels_vs_steps",  "forgot_clamp",
        "forgot_metadata", "saved_vs_stored",       "dsc_ratio_approx", "standard_conv",    "forgot_temperature"};
    return ids;
}

std::string slip_name(std::string_view slip_id, lang l) { return i18n::tr(l, "quiz.slip." + std::string(slip_id)); }

std::string generated_id(std::string_view generator, std::uint64_t seed) {
    return "gen:" + std::string(generator) + ":" + std::to_string(seed);
}

bool is_generated_id(std::string_view id) { return id.starts_with("gen:"); }

std::optional<std::pair<std::string, std::uint64_t>> parse_generated_id(std::string_view id) {
    if (!is_generated_id(id)) return std::nullopt;
    id.remove_prefix(4);
    const auto colon = id.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view name = id.substr(0, colon), digits = id.substr(colon + 1);
    if (!find_def(name) || digits.empty() || digits.size() > 20) return std::nullopt;
    std::uint64_t seed = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seed);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return std::make_pair(std::string(name), seed);
}

std::optional<problem> generate(std::string_view generator, std::uint64_t seed, lang l) {
    const auto* d = find_def(generator);
    if (!d) return std::nullopt;
    problem p;
    p.generator = d->name;
    p.seed = seed;
    p.id = generated_id(d->name, seed);
    p.bullet = d->bullet;
    p.section = p.bullet.substr(0, 1);
    rng g(seed ^ fnv1a(d->name));
    d->make(g, l, p);
    p.explanation = tx(l, "quiz.gen." + std::string(d->name) + ".explanation");
    if (p.type == item_type::numeric) {
        const std::string note = p.tolerance == 0
                                     ? tx(l, "quiz.gen.tolerance_exact")
                                     : tx(l, "quiz.gen.tolerance", {calc::format_real(p.tolerance * 100)});
        p.prompt += note;  // the English note starts with a space, the Chinese one needs none
    }
    return p;
}

problem_grade grade(const problem& p, std::string_view answer, lang l) {
    const auto g = grade(as_item(p), answer, l);
    problem_grade out;
    out.error = g.error;
    out.correct = g.correct;
    out.expected = g.expected;
    if (!g.error.empty() || g.correct) return out;
    if (p.type == item_type::single) {
        const auto k = parse_choice(answer, static_cast<int>(p.choices.size()));
        for (const auto& s : p.slips)
            if (k && static_cast<int>(s.value) == *k) {
                out.slip = s.id;
                break;
            }
        return out;
    }
    const auto x = parse_number_answer(answer);
    for (const auto& s : p.slips)
        if (x && number_matches(*x, s.value, p.tolerance)) {
            out.slip = s.id;
            break;
        }
    return out;
}

}  // namespace es::quiz
