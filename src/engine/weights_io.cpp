#include "engine/weights_io.h"

#include "image/png_write.h"  // crc32

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

namespace es::engine {

namespace {

constexpr std::uint32_t max_description = 64 * 1024;
constexpr std::uint32_t max_tensors = 100000;
constexpr std::uint32_t max_rank = 4;
constexpr std::uint16_t max_name = 256;

void put_u16(std::vector<unsigned char>& o, std::uint16_t v) {
    o.push_back(static_cast<unsigned char>(v));
    o.push_back(static_cast<unsigned char>(v >> 8));
}
void put_u32(std::vector<unsigned char>& o, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) o.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
void put_u64(std::vector<unsigned char>& o, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) o.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

// Bounds-checked little-endian reader.
struct reader {
    std::span<const unsigned char> b;
    std::size_t pos = 0;
    bool ok = true;
    bool need(std::size_t n) {
        if (!ok || n > b.size() - pos) ok = false;
        return ok;
    }
    std::uint64_t get(int bytes) {
        if (!need(static_cast<std::size_t>(bytes))) return 0;
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(b[pos + static_cast<std::size_t>(i)]) << (8 * i);
        pos += static_cast<std::size_t>(bytes);
        return v;
    }
};

void add(std::vector<named_tensor>& out, std::string name, std::vector<std::uint32_t> dims, const float* data) {
    std::size_t n = 1;
    for (auto d : dims) n *= d;
    out.push_back({std::move(name), std::move(dims), std::vector<float>(data, data + n)});
}

bool is_weight_name(const std::string& n) {
    return n.size() > 7 && n.compare(n.size() - 7, 7, ".weight") == 0;
}

}  // namespace

std::uint16_t float_to_half(float f) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    const std::uint16_t sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
    const int exp = static_cast<int>((bits >> 23) & 0xffu);
    std::uint32_t mant = bits & 0x7fffffu;
    if (exp == 255) return static_cast<std::uint16_t>(sign | (mant ? 0x7e00u : 0x7bffu));  // NaN; inf saturates
    const int e = exp - 127 + 15;
    if (e >= 31) return static_cast<std::uint16_t>(sign | 0x7bffu);
    if (e <= 0) {  // subnormal half (or zero)
        if (e < -10) return sign;
        mant |= 0x800000u;
        const int shift = 14 - e;
        std::uint32_t h = mant >> shift;
        const std::uint32_t rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1u))) ++h;
        return static_cast<std::uint16_t>(sign | h);
    }
    std::uint32_t h = (static_cast<std::uint32_t>(e) << 10) | (mant >> 13);
    const std::uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    if (h >= 0x7c00u) h = 0x7bffu;
    return static_cast<std::uint16_t>(sign | h);
}

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0) {
        const float v = std::ldexp(static_cast<float>(mant), -24);
        return sign ? -v : v;
    }
    if (exp == 31) bits = sign | 0x7f800000u | (mant << 13);
    else bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

std::vector<named_tensor> model_tensors(const model& m) {
    std::vector<named_tensor> out;
    const float* w = m.weights.data();
    for (const auto& n : m.nodes) {
        const auto u = [](std::size_t v) { return static_cast<std::uint32_t>(v); };
        switch (n.type) {
        case op::op_conv2d: {
            const shape& in = m.tensors[static_cast<std::size_t>(n.in[0])];
            add(out, n.name + ".weight", {u(n.cout), u(n.win.kh), u(n.win.kw), u(in.c / n.groups)}, w + n.w_off);
            if (n.bias) add(out, n.name + ".bias", {u(n.cout)}, w + n.b_off);
            break;
        }
        case op::op_fc:
            add(out, n.name + ".weight", {u(n.cout), u(n.w_count / static_cast<std::size_t>(n.cout))}, w + n.w_off);
            if (n.bias) add(out, n.name + ".bias", {u(n.cout)}, w + n.b_off);
            break;
        case op::op_batchnorm: {
            const std::uint32_t c = u(n.w_count / 4);
            add(out, n.name + ".gamma", {c}, w + n.w_off);
            add(out, n.name + ".beta", {c}, w + n.w_off + c);
            add(out, n.name + ".running_mean", {c}, w + n.w_off + 2 * c);
            add(out, n.name + ".running_var", {c}, w + n.w_off + 3 * c);
            break;
        }
        case op::op_se: {
            const std::uint32_t c = u(m.tensors[static_cast<std::size_t>(n.in[0])].c), s = u(n.se_squeeze);
            add(out, n.name + ".fc1.weight", {s, c}, w + n.w_off);
            add(out, n.name + ".fc2.weight", {c, s}, w + n.w_off + static_cast<std::size_t>(s) * c);
            add(out, n.name + ".fc1.bias", {s}, w + n.b_off);
            add(out, n.name + ".fc2.bias", {c}, w + n.b_off + s);
            break;
        }
        default: break;
        }
    }
    return out;
}

std::vector<unsigned char> weights_serialize(const model& m, const nlohmann::json& description,
                                             weight_storage storage) {
    const auto tensors = model_tensors(m);
    // Each tensor's stored bytes (f32 ones are written straight from values below).
    std::vector<unsigned char> dtypes;
    std::vector<std::vector<unsigned char>> packed(tensors.size());
    for (std::size_t t = 0; t < tensors.size(); ++t) {
        const auto& v = tensors[t].values;
        const bool sparse = storage != weight_storage::f32 && is_weight_name(tensors[t].name);
        dtypes.push_back(sparse ? static_cast<unsigned char>(storage) : 0);
        if (!sparse) continue;
        auto& o = packed[t];
        o.assign((v.size() + 7) / 8, 0);
        std::vector<unsigned char> vals;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (storage == weight_storage::sparse_f16) {
                const std::uint16_t h = float_to_half(v[i]);
                if ((h & 0x7fffu) == 0) continue;  // zero, or a magnitude below half's smallest
                o[i / 8] = static_cast<unsigned char>(o[i / 8] | (1u << (i % 8)));
                put_u16(vals, h);
            } else {
                if (v[i] == 0.0f) continue;
                o[i / 8] = static_cast<unsigned char>(o[i / 8] | (1u << (i % 8)));
                std::uint32_t bits;
                std::memcpy(&bits, &v[i], sizeof bits);
                put_u32(vals, bits);
            }
        }
        o.insert(o.end(), vals.begin(), vals.end());
        while (o.size() % 4) o.push_back(0);  // the next tensor's offset stays a multiple of 4
    }
    const std::string desc = description.dump();
    std::vector<unsigned char> o = {'E', 'S', 'W', 'T'};
    put_u32(o, weights_version);
    put_u32(o, 0);
    put_u32(o, static_cast<std::uint32_t>(desc.size()));
    o.insert(o.end(), desc.begin(), desc.end());
    put_u32(o, static_cast<std::uint32_t>(tensors.size()));
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& t = tensors[i];
        put_u16(o, static_cast<std::uint16_t>(t.name.size()));
        o.insert(o.end(), t.name.begin(), t.name.end());
        o.push_back(dtypes[i]);
        o.push_back(static_cast<unsigned char>(t.dims.size()));
        for (auto d : t.dims) put_u32(o, d);
        put_u64(o, offset);
        put_u64(o, t.values.size());
        offset += dtypes[i] ? packed[i].size() : t.values.size() * sizeof(float);
    }
    while (o.size() % 16) o.push_back(0);
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        if (dtypes[i]) {
            o.insert(o.end(), packed[i].begin(), packed[i].end());
            continue;
        }
        for (float v : tensors[i].values) {
            std::uint32_t bits;
            std::memcpy(&bits, &v, sizeof bits);
            put_u32(o, bits);
        }
    }
    put_u32(o, image::crc32(o.data(), o.size()));
    return o;
}

std::optional<weights_file> weights_parse(std::span<const unsigned char> bytes, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<weights_file> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (bytes.size() < 24) return fail("too short to be a weights file (" + std::to_string(bytes.size()) + " bytes)");
    if (std::memcmp(bytes.data(), "ESWT", 4) != 0) return fail("not a weights file (bad magic)");
    const std::size_t body = bytes.size() - 4;
    const std::uint32_t stored = static_cast<std::uint32_t>(bytes[body]) | static_cast<std::uint32_t>(bytes[body + 1]) << 8 |
                                 static_cast<std::uint32_t>(bytes[body + 2]) << 16 |
                                 static_cast<std::uint32_t>(bytes[body + 3]) << 24;
    reader r{bytes.first(body)};
    r.pos = 4;
    const auto version = static_cast<std::uint32_t>(r.get(4));
    if (version != weights_version)
        return fail("unsupported weights format version " + std::to_string(version) + " (this build reads version " +
                    std::to_string(weights_version) + ")");
    if (image::crc32(bytes.data(), body) != stored) return fail("checksum mismatch: the file is corrupt or truncated");
    r.get(4);  // flags
    const auto desc_len = static_cast<std::uint32_t>(r.get(4));
    if (desc_len > max_description || !r.need(desc_len)) return fail("description length out of range");
    weights_file f;
    f.description = nlohmann::json::parse(bytes.begin() + static_cast<std::ptrdiff_t>(r.pos),
                                          bytes.begin() + static_cast<std::ptrdiff_t>(r.pos + desc_len), nullptr, false);
    if (f.description.is_discarded() || !f.description.is_object()) return fail("the description is not a JSON object");
    r.pos += desc_len;
    const auto count = static_cast<std::uint32_t>(r.get(4));
    if (!r.ok || count > max_tensors) return fail("tensor count out of range");
    struct entry {
        std::string name;
        std::vector<std::uint32_t> dims;
        std::uint64_t offset, elems;
        unsigned dtype;
    };
    std::vector<entry> entries;
    entries.reserve(count);
    std::map<std::string, bool> seen;
    for (std::uint32_t i = 0; i < count; ++i) {
        entry e;
        const auto name_len = static_cast<std::uint16_t>(r.get(2));
        if (!r.ok || name_len == 0 || name_len > max_name || !r.need(name_len))
            return fail("tensor " + std::to_string(i) + ": bad name length");
        e.name.assign(reinterpret_cast<const char*>(bytes.data() + r.pos), name_len);
        r.pos += name_len;
        const auto dtype = r.get(1), rank = r.get(1);
        if (!r.ok) return fail("tensor table truncated");
        if (dtype > 2) return fail("tensor " + e.name + ": unsupported dtype " + std::to_string(dtype));
        e.dtype = static_cast<unsigned>(dtype);
        if (rank == 0 || rank > max_rank) return fail("tensor " + e.name + ": rank out of range");
        std::uint64_t prod = 1;
        for (std::uint64_t d = 0; d < rank; ++d) {
            const auto dim = static_cast<std::uint32_t>(r.get(4));
            if (dim == 0 || dim > (1u << 24)) return fail("tensor " + e.name + ": dimension out of range");
            prod *= dim;
            if (prod > (std::uint64_t{1} << 32)) return fail("tensor " + e.name + ": too large");
            e.dims.push_back(dim);
        }
        e.offset = r.get(8);
        e.elems = r.get(8);
        if (!r.ok) return fail("tensor table truncated");
        if (e.elems != prod) return fail("tensor " + e.name + ": element count does not match its dimensions");
        if (seen[e.name]) return fail("tensor " + e.name + " appears twice");
        seen[e.name] = true;
        entries.push_back(std::move(e));
    }
    const std::size_t data_start = (r.pos + 15) / 16 * 16;
    if (data_start > body) return fail("data section missing");
    const std::size_t data_len = body - data_start;
    for (const auto& e : entries) {
        if (e.dtype != 0) {  // sparse: bitmask, then the nonzero values
            const std::uint64_t mask_len = (e.elems + 7) / 8, vsize = e.dtype == 1 ? 2 : 4;
            if (e.offset % 4 || e.offset > data_len || mask_len > data_len - e.offset)
                return fail("tensor " + e.name + ": data out of bounds (file truncated?)");
            const unsigned char* mask = bytes.data() + data_start + e.offset;
            std::uint64_t nnz = 0;
            for (std::uint64_t k = 0; k < mask_len; ++k) nnz += static_cast<unsigned>(__builtin_popcount(mask[k]));
            if (e.elems % 8 && (mask[mask_len - 1] >> (e.elems % 8)) != 0)
                return fail("tensor " + e.name + ": its sparsity mask has bits past its " + std::to_string(e.elems) +
                            " values");
            if (nnz * vsize > data_len - e.offset - mask_len)
                return fail("tensor " + e.name + ": data out of bounds (file truncated?)");
            named_tensor t{e.name, e.dims, std::vector<float>(static_cast<std::size_t>(e.elems), 0.0f)};
            const unsigned char* src = mask + mask_len;
            for (std::size_t k = 0; k < t.values.size(); ++k) {
                if (!(mask[k / 8] >> (k % 8) & 1u)) continue;
                float v;
                if (vsize == 2) {
                    v = half_to_float(static_cast<std::uint16_t>(src[0] | src[1] << 8));
                } else {
                    const std::uint32_t bits = static_cast<std::uint32_t>(src[0]) | static_cast<std::uint32_t>(src[1]) << 8 |
                                               static_cast<std::uint32_t>(src[2]) << 16 |
                                               static_cast<std::uint32_t>(src[3]) << 24;
                    std::memcpy(&v, &bits, sizeof bits);
                }
                src += vsize;
                if (!std::isfinite(v)) return fail("tensor " + e.name + " holds a value that is not finite");
                if (v == 0.0f) return fail("tensor " + e.name + ": a value its sparsity mask marks nonzero is 0");
                t.values[k] = v;
            }
            f.tensors.push_back(std::move(t));
            continue;
        }
        if (e.offset % 4 || e.offset > data_len || e.elems * 4 > data_len - e.offset)
            return fail("tensor " + e.name + ": data out of bounds (file truncated?)");
        named_tensor t{e.name, e.dims, std::vector<float>(static_cast<std::size_t>(e.elems))};
        const unsigned char* src = bytes.data() + data_start + e.offset;
        for (std::size_t k = 0; k < t.values.size(); ++k) {
            const std::uint32_t bits = static_cast<std::uint32_t>(src[4 * k]) | static_cast<std::uint32_t>(src[4 * k + 1]) << 8 |
                                       static_cast<std::uint32_t>(src[4 * k + 2]) << 16 |
                                       static_cast<std::uint32_t>(src[4 * k + 3]) << 24;
            std::memcpy(&t.values[k], &bits, sizeof bits);
            if (!std::isfinite(t.values[k])) return fail("tensor " + e.name + " holds a value that is not finite");
        }
        f.tensors.push_back(std::move(t));
    }
    return f;
}

std::string weights_apply(model& m, const weights_file& file) {
    std::map<std::string, const named_tensor*> by_name;
    for (const auto& t : file.tensors) by_name[t.name] = &t;
    const auto wanted = model_tensors(m);
    // Locations of each wanted tensor in m.weights, in model_tensors() order.
    std::vector<std::size_t> offsets;
    for (const auto& n : m.nodes) {
        switch (n.type) {
        case op::op_conv2d:
        case op::op_fc:
            offsets.push_back(n.w_off);
            if (n.bias) offsets.push_back(n.b_off);
            break;
        case op::op_batchnorm:
            for (std::size_t k = 0; k < 4; ++k) offsets.push_back(n.w_off + k * (n.w_count / 4));
            break;
        case op::op_se: {
            const std::size_t c = static_cast<std::size_t>(m.tensors[static_cast<std::size_t>(n.in[0])].c);
            const std::size_t s = static_cast<std::size_t>(n.se_squeeze);
            offsets.insert(offsets.end(), {n.w_off, n.w_off + s * c, n.b_off, n.b_off + s});
            break;
        }
        default: break;
        }
    }
    if (offsets.size() != wanted.size()) return "internal error: tensor layout";
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        auto it = by_name.find(wanted[i].name);
        if (it == by_name.end()) return "the file has no tensor " + wanted[i].name + " (another architecture?)";
        if (it->second->dims != wanted[i].dims) {
            auto text = [](const std::vector<std::uint32_t>& d) {
                std::string s;
                for (auto v : d) {
                    if (!s.empty()) s += 'x';
                    s += std::to_string(v);
                }
                return s;
            };
            return "tensor " + wanted[i].name + " is " + text(it->second->dims) + " in the file, the model needs " +
                   text(wanted[i].dims);
        }
    }
    if (file.tensors.size() != wanted.size())
        return "the file holds " + std::to_string(file.tensors.size()) + " tensors, the model " +
               std::to_string(wanted.size()) + " (another architecture?)";
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        const auto& src = by_name[wanted[i].name]->values;
        std::copy(src.begin(), src.end(), m.weights.begin() + static_cast<std::ptrdiff_t>(offsets[i]));
    }
    return {};
}

std::string weights_save_file(const std::string& path, const model& m, const nlohmann::json& description,
                              weight_storage storage) {
    const auto bytes = weights_serialize(m, description, storage);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary);
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!f) return "cannot write " + tmp;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return "cannot write " + path;
    }
    return {};
}

std::optional<weights_file> weights_load_file(const std::string& path, std::string* error) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        if (error) *error = "cannot open weights file " + path;
        return std::nullopt;
    }
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::string why;
    auto out = weights_parse(bytes, &why);
    if (!out && error) *error = path + ": " + why;
    return out;
}

}  // namespace es::engine
