// Engine commands: bench (latency of an architecture in this engine), bench --peak
// (this machine's or browser's single-thread SIMD peak and memory bandwidth) and
// bench --kernels (int8 against f32 kernels, and the sparse-weight kernels against the dense
// GEMM, at the tiny models' layer shapes); bench --sparse-kernels / --sparsify (a whole model
// on the sparse kernels, see run_sparse below).
#include "api/dispatcher.h"
#include "api/model_args.h"
#include "api/variants.h"

#include "engine/bench.h"
#include "engine/graph_json.h"
#include "engine/session.h"
#include "engine/kernels/nn.h"
#include "engine/kernels/peak.h"
#include "engine/kernels/qnn_bench.h"
#include "engine/kernels/sparse_bench.h"
#include "engine/kernels/kernels.h"
#include "engine/sparsify.h"
#include "models/model_file.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

namespace es::api {

namespace {

json cmd_bench_peak() {
    // Warm up first: V8 compiles wasm in a baseline tier and optimises hot code later.
    for (int i = 0; i < 3; ++i) {
        kernels::peak_f32_gflops(200000);
        kernels::peak_i8_gmacs(200000);
    }
    double f32 = 0, i8 = 0;
    for (int i = 0; i < 5; ++i) {
        f32 = std::max(f32, kernels::peak_f32_gflops(2000000));
        i8 = std::max(i8, kernels::peak_i8_gmacs(2000000));
    }
    const double bw = kernels::bandwidth_gbs(std::size_t{8} << 20, 6);  // 3 x 32 MiB, beyond the caches
    return {{"f32_gflops", f32}, {"i8_gmacs", i8}, {"bandwidth_gbs", bw}, {"simd", kernels::simd_enabled()},
            {"simd_backend", kernels::simd_backend()}};
}

json cmd_bench_kernels(const json& args) {
    // The int8 kernels against the f32 ones at the tiny models' shapes, each pair interleaved.
    const double warmup_ms = args.value("warmup-ms", 500.0);
    const double min_ms = 20.0 * args.value("runs", 20);  // --runs scales the timed time
    const std::string set = args.value("kernel-set", std::string("all"));
    json rows = json::array(), sparse = json::array();
    if (set != "int8")
        for (const auto& r : kernels::sparse_bench(min_ms, warmup_ms)) {
            auto speedup = [&](double ms) { return ms > 0 ? r.dense_ms / ms : 0.0; };
            sparse.push_back({{"shape", r.shape},
                              {"m", r.m},
                              {"k", r.k},
                              {"n", r.n},
                              {"dense_macs", r.dense_macs},
                              {"dense_ms", r.dense_ms},
                              {"dense_gmacs", r.dense_ms > 0 ? r.dense_macs / r.dense_ms * 1e-6 : 0.0},
                              {"sparse24_ms", r.sparse24_ms},
                              {"csr50_ms", r.csr50_ms},
                              {"csr70_ms", r.csr70_ms},
                              {"csr90_ms", r.csr90_ms},
                              {"sparse24_gather_ms", r.sparse24_gather_ms},
                              {"sparse24_gather_matches", r.gather_matches},
                              {"speedup_sparse24_gather", speedup(r.sparse24_gather_ms)},
                              {"speedup_sparse24", speedup(r.sparse24_ms)},
                              {"speedup_csr50", speedup(r.csr50_ms)},
                              {"speedup_csr70", speedup(r.csr70_ms)},
                              {"speedup_csr90", speedup(r.csr90_ms)}});
        }
    if (set != "sparse")
    for (const auto& r : kernels::qnn_bench(min_ms, warmup_ms)) {
        rows.push_back({{"kernel", r.kernel},
                        {"shape", r.shape},
                        {"macs", r.macs},
                        {"int8_ms", r.int8_ms},
                        {"f32_ms", r.f32_ms},
                        {"int8_gmacs", r.int8_ms > 0 ? r.macs / r.int8_ms * 1e-6 : 0.0},
                        {"f32_gmacs", r.f32_ms > 0 ? r.macs / r.f32_ms * 1e-6 : 0.0},
                        {"speedup", r.int8_ms > 0 ? r.f32_ms / r.int8_ms : 0.0}});
    }
    return {{"kernels", rows}, {"sparse", sparse}, {"simd", kernels::simd_enabled()},
            {"simd_backend", kernels::simd_backend()}, {"warmup_ms", warmup_ms}, {"timed_ms_per_kernel", min_ms}};
}

// bench --sparsify P and/or --sparse-kernels: the f32 engine on the model with its conv/fc
// weights pruned in memory (P = 2:4 or a layer-wise magnitude sparsity such as 0.7; one shot,
// for timing) and, with --sparse-kernels, sparse kernels where the weights allow (session
// sparse_options, threshold --sparse-threshold). With --sparse-kernels the same model on the
// dense kernels is also timed, interleaved run by run with the sparse one ("vs_dense").
json run_sparse(const json& args, const engine::model& built, int batch, int runs, int warmup, double warmup_ms,
                bool ref) {
    engine::model m = engine::optimize(built);
    const std::string pattern = args.value("sparsify", std::string());
    if (!pattern.empty())
        if (auto e = engine::sparsify(m, pattern); !e.empty()) return make_error(e);
    engine::sparse_options opt;
    opt.enabled = args.value("sparse-kernels", false);
    opt.min_sparsity = args.value("sparse-threshold", 0.5);
    engine::session s, dense;
    if (auto e = s.prepare(m, batch, 0, opt); !e.empty()) return make_error(e);
    if (auto e = dense.prepare(m, batch); !e.empty()) return make_error(e);
    kernels::set_mode(ref ? kernels::kernel_mode::kernel_mode_ref : kernels::kernel_mode::kernel_mode_simd);
    const engine::bench_result r = engine::bench_prepared(s, batch, runs, warmup, warmup_ms);
    json vs = nullptr;
    if (opt.enabled) {  // both sessions warm already (the sparse one just ran); alternate run by run
        engine::fill_bench_input(dense.input(), dense.input_count());
        for (int i = 0; i < std::max(3, warmup); ++i) dense.run();
        std::vector<double> ms_s, ms_d;
        using clock = std::chrono::steady_clock;
        for (int i = 0; i < runs; ++i) {
            auto t0 = clock::now();
            s.run();
            ms_s.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
            t0 = clock::now();
            dense.run();
            ms_d.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
        }
        const double a = engine::median_of(ms_s), b = engine::median_of(ms_d);
        const double amin = *std::min_element(ms_s.begin(), ms_s.end()), bmin = *std::min_element(ms_d.begin(), ms_d.end());
        vs = {{"sparse_ms_median", a}, {"dense_ms_median", b}, {"speedup", a > 0 ? b / a : 0.0},
              {"sparse_ms_min", amin}, {"dense_ms_min", bmin}, {"speedup_min", amin > 0 ? bmin / amin : 0.0},
              {"weight_bytes_dense", dense.weight_bytes()}};
    }
    kernels::set_mode(kernels::kernel_mode::kernel_mode_simd);

    json layers = json::array(), counts = {{"dense", 0}, {"sparse24", 0}, {"csr", 0}};
    double zeros = 0, total = 0;
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
        const auto& l = r.layers[i];
        json row = {{"name", l.name}, {"type", l.type}, {"ms", l.ms}, {"macs", l.macs},
                    {"gmacs_per_s", l.ms > 0 ? l.macs / l.ms * 1e-6 : 0.0}};
        const std::string& k = s.layer_kernels()[i];
        if (!k.empty()) {
            row["kernel"] = k;
            row["weight_sparsity"] = s.layer_weight_sparsity()[i];
            counts[k] = counts[k].get<int>() + 1;
        }
        layers.push_back(row);
    }
    for (const auto& n : m.nodes)  // share of zeros over all conv/fc weights
        if (n.type == engine::op::op_conv2d || n.type == engine::op::op_fc)
            for (std::size_t i = 0; i < n.w_count; ++i, ++total) zeros += m.weights[n.w_off + i] == 0.0f;
    json out = {{"arch", built.arch},
                {"variant", "fp32"},
                {"batch", batch},
                {"runs", runs},
                {"warmup", warmup},
                {"warmup_ms", warmup_ms},
                {"simd", !ref},
                {"kernels", ref ? "reference" : kernels::simd_backend()},
                {"sparse_kernels", opt.enabled},
                {"sparse_threshold", opt.min_sparsity},
                {"sparsify", pattern.empty() ? json(nullptr) : json(pattern)},
                {"weight_sparsity", total > 0 ? zeros / total : 0.0},
                {"layer_kernels", counts},
                {"latency_ms_median", r.median_ms},
                {"latency_ms_min", r.min_ms},
                {"images_per_s", r.median_ms > 0 ? 1000.0 * batch / r.median_ms : 0.0},
                {"macs", r.macs},
                {"arena_bytes", r.arena_bytes},
                {"weight_bytes", r.weight_bytes},
                {"layers", layers}};
    if (!vs.is_null()) out["vs_dense"] = vs;
    return out;
}

json cmd_bench(const json& args) {
    if (args.value("peak", false)) return cmd_bench_peak();
    if (args.value("kernels", false)) return cmd_bench_kernels(args);
    std::string err;
    if (args.contains("model") && args.contains("arch"))
        return make_error("give either --arch (a fresh network) or --model (a shipped model or weights file), not both");
    auto built = args.contains("model") ? load_model_arg(args, &err) : build_model_from_args(args, &err);
    if (!built) return make_error(err);
    const bool ref = args.value("ref", false);
    const int batch = args.value("batch", 1);
    const int runs = args.value("runs", 20);
    const int warmup = args.contains("warmup") ? args["warmup"].get<int>() : std::max(3, runs / 2);
    const double warmup_ms = args.value("warmup-ms", 500.0);

    if (args.value("sparse-kernels", false) || args.contains("sparsify")) {
        if (args.contains("variants") || args.value("variant", std::string("fp32")) != "fp32")
            return make_error("--sparse-kernels and --sparsify run the f32 engine: give no --variant/--variants");
        return run_sparse(args, *built, batch, runs, warmup, warmup_ms, ref);
    }
    if (args.contains("sparse-threshold"))
        return make_error("--sparse-threshold applies with --sparse-kernels");

    if (args.contains("variants")) {
        if (!args.contains("model")) return make_error("--variants needs a trained model (--model)");
        std::vector<variant_model> vs;
        std::string list = args["variants"].get<std::string>();
        for (std::size_t a = 0; a <= list.size();) {
            const std::size_t b = std::min(list.find(',', a), list.size());
            json one = {{"variant", list.substr(a, b - a)}, {"model", args["model"]}};
            if (std::find(variant_names.begin(), variant_names.end(), one["variant"].get<std::string>()) ==
                variant_names.end())
                return make_error("--variants: unknown variant '" + one["variant"].get<std::string>() + "' (known: fp32, int8, int8-per-tensor, qat4)");
            auto v = load_variant(one, *built, &err);
            if (!v) return make_error(err);
            vs.push_back(std::move(*v));
            a = b + 1;
        }
        kernels::set_mode(ref ? kernels::kernel_mode::kernel_mode_ref : kernels::kernel_mode::kernel_mode_simd);
        auto rows = bench_interleaved(*built, vs, batch, runs, warmup_ms, &err);
        kernels::set_mode(kernels::kernel_mode::kernel_mode_simd);
        if (!rows) return make_error(err);
        json out = json::array();
        for (const auto& r : *rows)
            out.push_back({{"variant", r.variant},
                           {"latency_ms_median", r.median_ms},
                           {"latency_ms_min", r.min_ms},
                           {"weight_bytes", r.weight_bytes},
                           {"ratio_vs_first", rows->front().median_ms > 0 ? r.median_ms / rows->front().median_ms : 0.0}});
        return {{"arch", built->arch}, {"batch", batch}, {"runs", runs}, {"warmup_ms", warmup_ms},
                {"kernels", ref ? "reference" : kernels::simd_backend()}, {"interleaved", true}, {"variants", out}};
    }
    if (args.contains("arch") && args.value("variant", std::string("fp32")) != "fp32")
        return make_error("--variant needs a trained model (--model): an integer variant is calibrated on its activations");
    auto v = load_variant(args, *built, &err);
    if (!v) return make_error(err);
    kernels::set_mode(ref ? kernels::kernel_mode::kernel_mode_ref : kernels::kernel_mode::kernel_mode_simd);
    auto measured = bench_variant(*built, *v, batch, runs, warmup, warmup_ms, &err);
    kernels::set_mode(kernels::kernel_mode::kernel_mode_simd);
    if (!measured) return make_error(err);
    const engine::bench_result& r = *measured;

    json layers = json::array();
    for (const auto& l : r.layers)
        layers.push_back({{"name", l.name},
                          {"type", l.type},
                          {"ms", l.ms},
                          {"macs", l.macs},
                          {"bytes", l.bytes},
                          {"gmacs_per_s", l.ms > 0 ? l.macs / l.ms * 1e-6 : 0.0},
                          {"gb_per_s", l.ms > 0 ? l.bytes / l.ms * 1e-6 : 0.0}});
    // Totals per kind of layer: where the time goes, and each kind's throughput.
    json by_type = json::object();
    for (const auto& l : r.layers) {
        json& t = by_type[l.type];
        if (t.is_null()) t = json::object();
        t["ms"] = t.value("ms", 0.0) + l.ms;
        t["macs"] = t.value("macs", 0.0) + l.macs;
        t["bytes"] = t.value("bytes", 0.0) + l.bytes;
        t["layers"] = t.value("layers", 0) + 1;
    }
    for (auto& [k, t] : by_type.items()) {
        const double ms = t["ms"].get<double>();
        t["gmacs_per_s"] = ms > 0 ? t["macs"].get<double>() / ms * 1e-6 : 0.0;
        t["gb_per_s"] = ms > 0 ? t["bytes"].get<double>() / ms * 1e-6 : 0.0;
    }
    return {{"arch", built->arch},
            {"variant", v->name},
            {"batch", batch},
            {"runs", runs},
            {"by_type", by_type},
            {"warmup", warmup},
            {"warmup_ms", warmup_ms},
            {"simd", !ref},
            {"kernels", ref ? "reference" : kernels::simd_backend()},
            {"latency_ms_median", r.median_ms},
            {"latency_ms_min", r.min_ms},
            {"images_per_s", r.median_ms > 0 ? 1000.0 * batch / r.median_ms : 0.0},
            {"macs", r.macs},
            {"gmacs_per_s", r.median_ms > 0 ? r.macs / r.median_ms * 1e-6 : 0.0},
            {"arena_bytes", r.arena_bytes},
            {"weight_bytes", r.weight_bytes},
            {"layers", layers}};
}

bool write_floats(const std::string& path, const float* data, std::size_t count, std::string* err) {
    std::ofstream f(path, std::ios::binary);
    // The engine targets are little-endian (x86-64, wasm32): the bytes are written as they are.
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(float)));
    if (!f) {
        *err = "cannot write " + path;
        return false;
    }
    return true;
}

json cmd_export(const json& args) {
    std::string err;
    auto built = build_model_from_args(args, &err);
    if (!built) return make_error(err);
    const engine::model m = engine::optimize(*built);
    const std::string prefix = args["out"].get<std::string>();
    if (prefix.empty()) return make_error("argument --out must name a file prefix");
    const int batch = args.value("batch", 1);

    // Deterministic input in [0, 1), and this engine's logits for it.
    engine::session s;
    if (auto e = s.prepare(m, batch); !e.empty()) return make_error(e);
    std::uint64_t state = 2024;
    for (std::size_t i = 0; i < s.input_count(); ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        s.input()[i] = static_cast<float>((state >> 40) & 0xFFFF) / 65536.0f;
    }
    std::vector<float> io(s.input(), s.input() + s.input_count());
    s.run();
    io.insert(io.end(), s.output(), s.output() + s.output_shape().numel());

    const std::string graph_path = prefix + ".graph.json", weights_path = prefix + ".weights.bin",
                      io_path = prefix + ".io.bin";
    {
        std::ofstream g(graph_path);
        g << engine::graph_to_json(m).dump() << "\n";
        if (!g) return make_error("cannot write " + graph_path);
    }
    if (!write_floats(weights_path, m.weights.data(), m.weights.size(), &err)) return make_error(err);
    if (!write_floats(io_path, io.data(), io.size(), &err)) return make_error(err);
    const auto in = s.input_shape(), out = s.output_shape();
    return {{"arch", m.arch},
            {"graph", graph_path},
            {"weights", weights_path},
            {"io", io_path},
            {"batch", batch},
            {"input_shape", {in.n, in.h, in.w, in.c}},
            {"output_shape", {out.n, out.c}},
            {"nodes", m.nodes.size() - 1},
            {"weight_floats", m.weights.size()}};
}

json cmd_init(const json& args) {
    models::arch_options o = options_from_args(args);
    o.seed = static_cast<std::uint64_t>(args.value("seed", 1));
    const std::string arch = args["arch"].get<std::string>();
    std::string err;
    auto m = models::build_arch(arch, o, &err);
    if (!m) return make_error(err);
    const std::string path = args["out"].get<std::string>();
    if (auto e = models::save_model_file(path, *m, arch, o); !e.empty()) return make_error(e);
    return {{"arch", arch}, {"out", path}, {"params", engine::param_count(*m)}, {"seed", o.seed},
            {"description", models::describe(arch, o)}};
}

}  // namespace

void register_engine_commands(std::vector<command_spec>& out) {
    std::vector<arg_spec> args = model_arg_specs(/*arch_required=*/false);
    args.push_back({"model", arg_type::arg_type_string, model_arg_help});
    args.push_back({"variant", arg_type::arg_type_choice, std::string("with --model: ") + variant_help, false, -INFINITY,
                    INFINITY, variant_names, "fp32"});
    args.push_back({"variants", arg_type::arg_type_string,
                    "with --model: a comma list (e.g. fp32,int8) timed interleaved in one process, with ratios to the first"});
    args.push_back({"batch", arg_type::arg_type_integer, "images per run", false, 1, 1024, {}, 1});
    args.push_back({"runs", arg_type::arg_type_integer, "timed runs (after warm-up)", false, 1, 100000, {}, 20});
    args.push_back({"warmup", arg_type::arg_type_integer, "untimed runs first (default: max(3, runs/2))", false, 0,
                    100000});
    args.push_back({"warmup-ms", arg_type::arg_type_number,
                    "and keep warming up for at least this long (V8 optimises hot wasm over time)", false, 0,
                    600000, {}, 500.0});
    args.push_back({"ref", arg_type::arg_type_flag, "use the scalar reference kernels instead of SIMD"});
    args.push_back({"peak", arg_type::arg_type_flag,
                    "measure the single-thread SIMD peak (f32, int8) and memory bandwidth instead of a model"});
    args.push_back({"kernels", arg_type::arg_type_flag,
                    "time the int8 kernels against the f32 ones (GEMM, depthwise, add), and the sparse-weight kernels "
                    "(2:4, CSR at 50/70/90%) against the dense GEMM, at the tiny models' layer shapes instead of a "
                    "model (--runs scales the timed time: 20 ms per run)"});
    args.push_back({"kernel-set", arg_type::arg_type_choice, "with --kernels: all, int8 or sparse", false, -INFINITY,
                    INFINITY, {"all", "int8", "sparse"}, "all"});
    args.push_back({"sparse-kernels", arg_type::arg_type_flag,
                    "run conv/fc layers whose weights are sparse on the sparse kernels (2:4 when the weights are 2:4 "
                    "along the reduction, else CSR at or above --sparse-threshold), and time the dense path "
                    "interleaved (vs_dense)"});
    args.push_back({"sparse-threshold", arg_type::arg_type_number,
                    "with --sparse-kernels: the share of zero weights from which a layer runs on the CSR kernel "
                    "(default 0.5)",
                    false, 0, 1});
    args.push_back({"sparsify", arg_type::arg_type_string,
                    "prune the conv/fc weights in memory before timing: 2:4, or a layer-wise magnitude sparsity in "
                    "[0, 1) such as 0.5, 0.7, 0.9 (one shot, no fine-tuning: for latency only)"});
    out.push_back({"bench",
                   "Latency of an architecture in this engine (median and min after warm-up, per-layer profile), "
                   "or with --peak this machine's SIMD peak and memory bandwidth.",
                   std::move(args),
                   [](const json& a) {
                       if (!a.value("peak", false) && !a.value("kernels", false) && !a.contains("arch") &&
                           !a.contains("model"))
                           return make_error(
                               "missing argument --arch (or give --model NAME|FILE, --peak or --kernels)");
                       return cmd_bench(a);
                   }});

    std::vector<arg_spec> eargs = model_arg_specs(/*arch_required=*/true);
    eargs.push_back({"out", arg_type::arg_type_string, "file prefix: writes PREFIX.graph.json, PREFIX.weights.bin "
                                                       "and PREFIX.io.bin", true});
    eargs.push_back({"batch", arg_type::arg_type_integer, "batch of the reference input/output", false, 1, 1024, {}, 1});
    std::vector<arg_spec> iargs = model_arg_specs(/*arch_required=*/true);
    iargs.push_back({"seed", arg_type::arg_type_integer, "initialisation seed", false, 0, 9007199254740991.0, {}, 1});
    iargs.push_back({"out", arg_type::arg_type_string, "weights file to write (.esw)", true});
    out.push_back({"init",
                   "Writes a freshly initialised network (He-normal convolutions, identity batch norm) as a "
                   "weights file: the starting point for training, and the original initialisation that the "
                   "lottery-ticket experiment rewinds to.",
                   std::move(iargs), cmd_init});

    out.push_back({"export",
                   "Writes the inference graph (JSON), its weights (f32) and a reference input with this engine's "
                   "logits, for rebuilding the same network elsewhere (the TensorFlow.js peer benchmark).",
                   std::move(eargs), cmd_export});
}

}  // namespace es::api
