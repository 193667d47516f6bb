// Engine benchmark report: this engine's latency for every architecture at batch 1 and 32,
// SIMD against the scalar reference kernels, and each kind of layer against the measured
// single-thread peak (pointwise vs f32 peak, depthwise vs the memory-bandwidth roofline).
//
//   node tests/bench/engine_bench.mjs [--cli build/web/edgestudy-cli.js] [--runs N] [--full]
//
// Runs the WebAssembly CLI under node (the build the page runs), one process per
// measurement, after each command's own warm-up. Prints markdown for docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const cli = arg('--cli', 'build/web/edgestudy-cli.js');
const runs = Number(arg('--runs', '30'));
const full = args.includes('--full');

function run(cmdArgs) {
  const out = execFileSync(process.execPath, [cli, ...cmdArgs, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out);
}
const fmt = (x, d = 2) => Number(x).toFixed(d);

const peak = run(['bench', '--peak']);
console.log(`Peak (single thread, ${peak.simd_backend}): f32 ${fmt(peak.f32_gflops, 1)} GFLOP/s, ` +
  `int8 ${fmt(peak.i8_gmacs, 1)} GMAC/s, bandwidth ${fmt(peak.bandwidth_gbs, 1)} GB/s\n`);
const peakGmacs = peak.f32_gflops / 2;  // a MAC is a mul and an add: no FMA in wasm SIMD

const tiny = ['tiny_mobilenet_v1', 'tiny_mobilenet_v2', 'tiny_mobilenet_v3', 'tiny_shufflenet_v1', 'tiny_shufflenet_v2'];
const large = full ? ['mobilenet_v1', 'mobilenet_v2', 'mobilenet_v3_large', 'mobilenet_v3_small', 'shufflenet_v1', 'shufflenet_v2']
                   : ['mobilenet_v2'];

console.log('| arch | MACs | batch 1 ms | batch 32 ms | batch 32 img/s | GMAC/s (b1) | scalar ref ms (b1) | SIMD speedup |');
console.log('|---|---|---|---|---|---|---|---|');
const kinds = {};
for (const arch of [...tiny, ...large]) {
  const isLarge = !arch.startsWith('tiny_');
  const r = isLarge ? Math.max(5, Math.round(runs / 3)) : runs;
  const b1 = run(['bench', '--arch', arch, '--batch', '1', '--runs', String(r)]);
  const b32 = isLarge ? null : run(['bench', '--arch', arch, '--batch', '32', '--runs', String(Math.max(5, Math.round(r / 3)))]);
  const ref = run(['bench', '--arch', arch, '--batch', '1', '--runs', String(isLarge ? 3 : 10), '--warmup', '2', '--ref']);
  console.log(`| ${arch} | ${fmt(b1.macs / 1e6, 1)}M | ${fmt(b1.latency_ms_median, 3)} | ${b32 ? fmt(b32.latency_ms_median, 2) : '—'} | ` +
    `${b32 ? fmt(b32.images_per_s, 0) : '—'} | ${fmt(b1.gmacs_per_s, 1)} | ${fmt(ref.latency_ms_median, 2)} | ` +
    `${fmt(ref.latency_ms_median / b1.latency_ms_median, 1)}x |`);
  for (const l of b1.layers) {
    const k = (kinds[l.type] ??= { ms: 0, macs: 0, bytes: 0, boundMs: 0 });
    k.ms += l.ms; k.macs += l.macs; k.bytes += l.bytes;
    // Roofline bound of this layer: the slower of compute at peak and traffic at bandwidth.
    k.boundMs += Math.max(l.macs / (peakGmacs * 1e6), l.bytes / (peak.bandwidth_gbs * 1e6));
  }
}
console.log('\nLayer kinds over all the models above (batch 1):\n');
console.log('| kind | time ms | GMAC/s | % of f32 peak | GB/s | % of bandwidth | % of roofline bound |');
console.log('|---|---|---|---|---|---|---|');
for (const [k, v] of Object.entries(kinds)) {
  const gmacs = v.macs / v.ms * 1e-6, gbs = v.bytes / v.ms * 1e-6;
  console.log(`| ${k} | ${fmt(v.ms, 3)} | ${fmt(gmacs, 1)} | ${fmt(100 * gmacs / peakGmacs, 0)}% | ${fmt(gbs, 1)} | ` +
    `${fmt(100 * gbs / peak.bandwidth_gbs, 0)}% | ${fmt(100 * v.boundMs / v.ms, 0)}% |`);
}
