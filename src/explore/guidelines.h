// explore/guidelines: ShuffleNet V2's four practical guidelines (Ma et al. 2018, section 2)
// with numbers. MAC here is the paper's "memory access cost": elements read and written
// (feature maps in and out plus the weights), not multiply-accumulates; B is its FLOPs
// count, which for these layers is the multiply-add count.
//
// G1 equal channel widths minimise MAC. A 1x1 conv, c1 in, c2 out, h x w:
//      B = h·w·c1·c2,  MAC = h·w·(c1 + c2) + c1·c2 ≥ 2·sqrt(h·w·B) + B/(h·w), equal at c1 = c2.
// G2 excessive group convolution increases MAC. A 1x1 group conv, g groups:
//      B = h·w·c1·c2/g,  MAC = h·w·(c1 + c2) + c1·c2/g; at fixed B, wider layers cost more MAC.
// G3 network fragmentation (many small ops, parallel branches) reduces parallelism.
// G4 element-wise operations (ReLU, add, batch norm, concat, shuffle) are not negligible: no
//      multiply-adds, but they move memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace es::explore {

// MAC (elements) of a 1x1 convolution with `groups` (G1, G2).
std::uint64_t pointwise_mac(std::uint64_t hw, std::uint64_t c1, std::uint64_t c2, std::uint64_t groups = 1);
// G1's lower bound for B multiply-adds on h·w pixels.
double pointwise_mac_bound(double hw, double b);

struct g1_row {
    int ratio = 1;             // c1 : c2 = 1 : ratio
    std::uint64_t c1 = 0, c2 = 0;
    std::uint64_t flops = 0;   // B = h·w·c1·c2
    std::uint64_t mac = 0;
    double bound = 0.0;        // 2·sqrt(h·w·B) + B/(h·w) for this row's B
};
// Rows for ratios 1:1, 1:2, 1:6, 1:12 at about the same B as c1 = c2 = c (c1 = round(c/√r),
// c2 = round(c·√r), the paper's Table 1 design). nullopt + error when h, w, c are out of range.
std::optional<std::vector<g1_row>> g1_table(int h, int w, int c, std::string* error);

struct g2_row {
    int groups = 1;
    std::uint64_t c = 0;       // c1 = c2 = c, widened as round(c·√g) to keep B
    std::uint64_t flops = 0;   // h·w·c²/g
    std::uint64_t mac = 0;
};
// Rows for g = 1, 2, 4, 8 (the paper's Table 2 design; c is rounded to a multiple of g).
std::optional<std::vector<g2_row>> g2_table(int h, int w, int c, std::string* error);

// G4 on a full network of the sheet: how much of its memory traffic the element-wise layers
// move (the analysis' FP32 bytes, layers run one by one) against their share of the operations
// as ptflops counts them (the papers' multiply-add count gives them none at all).
struct g4_row {
    std::string arch;
    int layers = 0, eltwise_layers = 0;
    double eltwise_byte_share = 0.0;  // of all layers' bytes
    double eltwise_mac_share = 0.0;   // of all operations, ptflops convention
    std::uint64_t macs = 0, bytes = 0;  // ptflops operations, FP32 bytes
};
std::optional<g4_row> g4_network(const std::string& arch, std::string* error);

// G3 on the explorer's blocks: separate operations (kernel launches, after folding batch norm
// and activations into their convolution) and branches of each preset block.
struct g3_row {
    std::string preset;
    int ops = 0, branches = 0;
    std::uint64_t macs = 0;
};
std::vector<g3_row> g3_blocks();

}  // namespace es::explore
