// calc/roofline: is a layer limited by compute or by memory? (study sheet §1.3)
//
//   es::calc::roofline_input in;
//   in.macs = 21676032; in.bytes = 4000000; in.peak = 100; in.bandwidth_gbs = 25;
//   auto r = es::calc::roofline(in, es::i18n::lang::zh_tw, &err);
//   r->intensity;  // 5.419 MACs per byte
//   r->bound;      // roofline_bound::compute
//
// The sheet's definitions, in MACs:
//   intensity        = MACs / bytes                               (MACs per byte)
//   ridge            = peak_gmacs / bandwidth_gbs                 (MACs per byte)
//   attainable_gmacs = min(peak_gmacs, intensity × bandwidth_gbs)
//   bound            = memory if intensity < ridge, else compute  (at the ridge: compute)
// The FLOPs view (one MAC = two FLOPs) is the same roofline with both axes doubled:
//   intensity_flops = 2 × intensity (FLOPs per byte), peak_gflops = 2 × peak_gmacs,
//   ridge_flops = peak_gflops / bandwidth_gbs = 2 × ridge, attainable_gflops = 2 × attainable_gmacs;
// the bound is the same in both views. Every result holds both views' numbers; `view` only
// chooses which one the worked solution is written in. The peak may be given in either unit
// (`peak_unit`); a conversion step is added when it differs from the view.
//
// Bad input (MACs negative; bytes, peak or bandwidth not positive; anything not finite) gives
// nullopt and a calc_error naming the field ("macs", "bytes", "peak-gmacs" or "peak-gflops",
// "bandwidth-gbs"), in the requested language.
#pragma once

#include "calc/step.h"
#include "i18n/i18n.h"

#include <optional>
#include <string_view>

namespace es::calc {

enum class roofline_view { macs, flops };
enum class roofline_bound { memory, compute };

std::string_view roofline_view_name(roofline_view v);  // "macs", "flops"
std::string_view roofline_bound_name(roofline_bound b);  // "memory", "compute"

struct roofline_input {
    double macs = 0;           // multiply-accumulates of the layer (or kernel)
    double bytes = 0;          // bytes it moves to and from memory
    double peak = 0;           // peak compute, in GMAC/s or GFLOP/s (peak_unit)
    roofline_view peak_unit = roofline_view::macs;
    double bandwidth_gbs = 0;  // memory bandwidth, GB/s
    roofline_view view = roofline_view::macs;
};

struct roofline_result {
    double intensity = 0;         // MACs/byte
    double ridge = 0;             // MACs/byte
    double peak_gmacs = 0;
    double attainable_gmacs = 0;
    roofline_bound bound = roofline_bound::memory;
    double intensity_flops = 0;   // FLOPs/byte
    double ridge_flops = 0;       // FLOPs/byte
    double peak_gflops = 0;
    double attainable_gflops = 0;
    std::vector<step> steps;
};

std::optional<roofline_result> roofline(const roofline_input& in, i18n::lang l, calc_error* error = nullptr);

}  // namespace es::calc
