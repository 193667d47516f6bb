// qparams: parameter choice and fake quantization shared by PTQ, QAT and the INT8 engine.
#include "quant/qparams.h"

#include "engine/kernels/simd.h"

#include <algorithm>
#include <cmath>

namespace es::quant {

tensor_q act_params(float rmin, float rmax, int bits) {
    tensor_q p;
    p.qmin = -(1 << (bits - 1));
    p.qmax = (1 << (bits - 1)) - 1;
    if (!std::isfinite(rmin)) rmin = 0.0f;
    if (!std::isfinite(rmax)) rmax = 0.0f;
    rmin = std::min(rmin, 0.0f);
    rmax = std::max(rmax, 0.0f);
    if (rmax - rmin < 1e-8f) rmax = rmin + 1e-8f;
    p.scale = (rmax - rmin) / static_cast<float>(p.qmax - p.qmin);
    const double z = std::round(static_cast<double>(p.qmin) - static_cast<double>(rmin) / p.scale);
    p.zero_point = static_cast<std::int32_t>(std::clamp<double>(z, p.qmin, p.qmax));
    return p;
}

weight_q weight_params(const float* w, int cout, int per, int bits, bool per_channel, bool restricted) {
    weight_q q;
    q.qmax = (1 << (bits - 1)) - 1;
    q.qmin = restricted ? -q.qmax : -(1 << (bits - 1));
    // Full range: S = a / ((q_max - q_min) / 2); restricted: S = a / q_max.
    const float denom = restricted ? static_cast<float>(q.qmax) : static_cast<float>(q.qmax - q.qmin) / 2.0f;
    q.scale.assign(static_cast<std::size_t>(cout), 0.0f);
    float all = 0.0f;
    for (int c = 0; c < cout; ++c) {
        float a = 0.0f;
        for (int i = 0; i < per; ++i) a = std::max(a, std::fabs(w[static_cast<std::size_t>(c) * per + i]));
        q.scale[static_cast<std::size_t>(c)] = a;
        all = std::max(all, a);
    }
    for (auto& s : q.scale) {
        const float a = per_channel ? s : all;
        s = a > 0.0f ? a / denom : 1.0f;  // an all-zero filter: any scale, every q is 0
    }
    return q;
}

std::int32_t quantize(float r, float scale, std::int32_t zp, std::int32_t qmin, std::int32_t qmax) {
    const float v = std::round(r / scale);
    if (v != v) return zp;
    const float z = v + static_cast<float>(zp);
    return static_cast<std::int32_t>(std::clamp(z, static_cast<float>(qmin), static_cast<float>(qmax)));
}

float fake_quant(float r, const tensor_q& p) {
    return p.scale * static_cast<float>(quantize(r, p.scale, p.zero_point, p.qmin, p.qmax) - p.zero_point);
}

void fake_quant_array(float* x, std::size_t n, const tensor_q& p, std::uint8_t* clamped) {
    // Four values at a time with the engine's SIMD (wasm SIMD in the page, SIMDe natively),
    // bit for bit fake_quant(): the same IEEE division, and std::round (half away from zero)
    // rebuilt exactly. For a = |r| < 2^23, e = (a + 2^23) - 2^23 is a rounded half to even
    // and d = a - e is exact, so a tie rounded down (d = 0.5) is moved up; larger floats are
    // integers already; the sign is r's. NaN maps to Z (not clamped), infinities clamp.
    const float lo = static_cast<float>(p.qmin), hi = static_cast<float>(p.qmax), zp = static_cast<float>(p.zero_point);
    const v128_t vs = wasm_f32x4_splat(p.scale), vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi),
                 vzp = wasm_f32x4_splat(zp), big = wasm_f32x4_splat(8388608.0f), half = wasm_f32x4_splat(0.5f),
                 one = wasm_f32x4_splat(1.0f), sign = wasm_i32x4_splat(static_cast<std::int32_t>(0x80000000u));
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v128_t r = wasm_f32x4_div(wasm_v128_load(x + i), vs);
        const v128_t a = wasm_f32x4_abs(r);
        const v128_t e = wasm_f32x4_sub(wasm_f32x4_add(a, big), big);
        const v128_t up = wasm_v128_and(wasm_f32x4_ge(wasm_f32x4_sub(a, e), half), one);
        const v128_t m = wasm_v128_bitselect(wasm_f32x4_add(e, up), a, wasm_f32x4_lt(a, big));
        const v128_t z = wasm_f32x4_add(wasm_v128_or(m, wasm_v128_and(r, sign)), vzp);
        const v128_t below = wasm_f32x4_lt(z, vlo), above = wasm_f32x4_gt(z, vhi);
        v128_t q = wasm_v128_bitselect(vlo, z, below);
        q = wasm_v128_bitselect(vhi, q, above);
        q = wasm_v128_bitselect(vzp, q, wasm_f32x4_ne(z, z));
        wasm_v128_store(x + i, wasm_f32x4_mul(vs, wasm_f32x4_sub(q, vzp)));
        if (clamped) {
            const std::uint32_t bits = wasm_i32x4_bitmask(wasm_v128_or(below, above));
            for (int k = 0; k < 4; ++k) clamped[i + static_cast<std::size_t>(k)] = static_cast<std::uint8_t>((bits >> k) & 1u);
        }
    }
    for (; i < n; ++i) {
        const float v = std::round(x[i] / p.scale);
        const float z = v + zp;
        if (clamped) clamped[i] = z < lo || z > hi ? 1 : 0;  // false for NaN
        x[i] = fake_quant(x[i], p);
    }
}

std::vector<std::int8_t> quantize_weights(const float* w, int cout, int per, const weight_q& q) {
    std::vector<std::int8_t> out(static_cast<std::size_t>(cout) * static_cast<std::size_t>(per));
    for (int c = 0; c < cout; ++c)
        for (int i = 0; i < per; ++i) {
            const std::size_t k = static_cast<std::size_t>(c) * per + i;
            out[k] = static_cast<std::int8_t>(quantize(w[k], q.scale[static_cast<std::size_t>(c)], 0, q.qmin, q.qmax));
        }
    return out;
}

void fake_quant_weights(float* w, int cout, int per, const weight_q& q) {
    for (int c = 0; c < cout; ++c) {
        const float s = q.scale[static_cast<std::size_t>(c)];
        for (int i = 0; i < per; ++i) {
            float& x = w[static_cast<std::size_t>(c) * per + i];
            x = s * static_cast<float>(quantize(x, s, 0, q.qmin, q.qmax));
        }
    }
}

std::vector<int> param_source(const engine::model& m) {
    std::vector<int> src(m.tensors.size(), -1);
    for (const auto& n : m.nodes) {
        switch (n.type) {
        case engine::op::op_input:
            for (int t : n.out) src[static_cast<std::size_t>(t)] = t;
            break;
        case engine::op::op_split:
        case engine::op::op_shuffle:
        case engine::op::op_maxpool:
            for (int t : n.out) src[static_cast<std::size_t>(t)] = src[static_cast<std::size_t>(n.in[0])];
            break;
        case engine::op::op_softmax:
            break;
        default:
            for (int t : n.out) src[static_cast<std::size_t>(t)] = t;
        }
    }
    return src;
}

}  // namespace es::quant
