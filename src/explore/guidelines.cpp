// ShuffleNet V2's guidelines with numbers (see guidelines.h).
#include "explore/guidelines.h"

#include "explore/blocks.h"
#include "models/analysis.h"
#include "models/models.h"

#include <cmath>

namespace es::explore {

namespace {

bool sizes_ok(int h, int w, int c, std::string* error) {
    if (h >= 1 && h <= max_extent && w >= 1 && w <= max_extent && c >= 1 && c <= max_channels) return true;
    if (error)
        *error = "h and w must be between 1 and " + std::to_string(max_extent) + ", c between 1 and " +
                 std::to_string(max_channels) + "; got h " + std::to_string(h) + ", w " + std::to_string(w) +
                 ", c " + std::to_string(c);
    return false;
}

bool is_eltwise(const std::string& type) {
    return type == "act" || type == "batchnorm" || type == "add" || type == "concat" || type == "split" ||
           type == "shuffle";
}

}  // namespace

std::uint64_t pointwise_mac(std::uint64_t hw, std::uint64_t c1, std::uint64_t c2, std::uint64_t groups) {
    return hw * (c1 + c2) + c1 * c2 / groups;
}

double pointwise_mac_bound(double hw, double b) { return 2.0 * std::sqrt(hw * b) + b / hw; }

std::optional<std::vector<g1_row>> g1_table(int h, int w, int c, std::string* error) {
    if (!sizes_ok(h, w, c, error)) return std::nullopt;
    const std::uint64_t hw = static_cast<std::uint64_t>(h) * static_cast<std::uint64_t>(w);
    std::vector<g1_row> rows;
    for (int r : {1, 2, 6, 12}) {
        g1_row row;
        row.ratio = r;
        row.c1 = static_cast<std::uint64_t>(std::max(1.0, std::round(c / std::sqrt(r))));
        row.c2 = static_cast<std::uint64_t>(std::max(1.0, std::round(c * std::sqrt(r))));
        row.flops = hw * row.c1 * row.c2;
        row.mac = pointwise_mac(hw, row.c1, row.c2);
        row.bound = pointwise_mac_bound(static_cast<double>(hw), static_cast<double>(row.flops));
        rows.push_back(row);
    }
    return rows;
}

std::optional<std::vector<g2_row>> g2_table(int h, int w, int c, std::string* error) {
    if (!sizes_ok(h, w, c, error)) return std::nullopt;
    const std::uint64_t hw = static_cast<std::uint64_t>(h) * static_cast<std::uint64_t>(w);
    std::vector<g2_row> rows;
    for (int g : {1, 2, 4, 8}) {
        g2_row row;
        row.groups = g;
        const double wide = c * std::sqrt(g);
        row.c = static_cast<std::uint64_t>(std::max(1.0, std::round(wide / g))) * static_cast<std::uint64_t>(g);
        row.flops = hw * row.c * row.c / static_cast<std::uint64_t>(g);
        row.mac = pointwise_mac(hw, row.c, row.c, static_cast<std::uint64_t>(g));
        rows.push_back(row);
    }
    return rows;
}

std::optional<g4_row> g4_network(const std::string& arch, std::string* error) {
    models::arch_options o;
    auto m = models::build_arch(arch, models::is_tiny(arch) ? models::tiny_defaults() : o, error);
    if (!m) return std::nullopt;
    // ptflops counts element-wise layers (one per element, BN two); the paper count gives them 0.
    const auto a = models::analyze(*m, models::convention::convention_ptflops);
    g4_row r;
    r.arch = arch;
    std::uint64_t elt_bytes = 0, elt_macs = 0;
    for (const auto& l : a.layers) {
        ++r.layers;
        r.bytes += l.bytes;
        r.macs += l.macs;
        if (is_eltwise(l.type)) {
            ++r.eltwise_layers;
            elt_bytes += l.bytes;
            elt_macs += l.macs;
        }
    }
    r.eltwise_byte_share = r.bytes ? static_cast<double>(elt_bytes) / static_cast<double>(r.bytes) : 0.0;
    r.eltwise_mac_share = r.macs ? static_cast<double>(elt_macs) / static_cast<double>(r.macs) : 0.0;
    return r;
}

std::vector<g3_row> g3_blocks() {
    std::vector<g3_row> rows;
    for (const auto& p : presets()) {
        auto d = build_block(p.p, true, nullptr);
        if (!d) continue;
        g3_row r;
        r.preset = p.id;
        r.ops = static_cast<int>(d->nodes.size()) - 1;
        r.branches = d->lanes;
        r.macs = d->macs;
        rows.push_back(r);
    }
    return rows;
}

}  // namespace es::explore
