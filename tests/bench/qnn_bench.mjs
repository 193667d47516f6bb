// INT8 kernel benchmark: gemm_s8 against gemm_f32 and dwconv_s8 against dwconv_f32 at the
// tiny models' layer shapes, single thread, after warm-up, in the WebAssembly CLI under
// node (the build the page runs). Prints a markdown table.
//
//   node tests/bench/qnn_bench.mjs [--cli build/web/edgestudy-cli.js] [--runs N] [--repeat R]
//
// Each shape's two kernels are timed in alternating batches inside one process (medians);
// with --repeat R the whole measurement runs R times in fresh processes and the table
// reports the median of each figure, because this machine is shared and noisy.
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const cli = arg('--cli', 'build/web/edgestudy-cli.js');
const runs = arg('--runs', '20');
const repeat = Number(arg('--repeat', '1'));

const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const fmt = (x, d = 2) => Number(x).toFixed(d);

const results = [];
for (let i = 0; i < repeat; ++i) {
  const out = execFileSync(process.execPath, [cli, 'bench', '--kernels', '--runs', runs, '--json'],
                           { encoding: 'utf8', maxBuffer: 1 << 26 });
  results.push(JSON.parse(out));
}
console.log(`Kernels: ${results[0].simd_backend}, ${repeat} run(s), ${results[0].timed_ms_per_kernel} ms timed ` +
            `per shape after ${results[0].warmup_ms} ms warm-up\n`);
console.log('| kernel | shape | int8 GMAC/s | f32 GMAC/s | int8 speedup |');
console.log('|---|---|---:|---:|---:|');
for (let r = 0; r < results[0].kernels.length; ++r) {
  const rows = results.map((x) => x.kernels[r]);
  const k = rows[0];
  const unit = k.kernel === 'add' || k.kernel === 'lut' ? 'G elem/s' : '';
  const i8 = median(rows.map((x) => x.int8_gmacs)), f = median(rows.map((x) => x.f32_gmacs));
  const sp = median(rows.map((x) => x.speedup));
  console.log(`| ${k.kernel} | ${k.shape} | ${fmt(i8)}${unit ? ' ' + unit : ''} | ${fmt(f)}${unit ? ' ' + unit : ''} | ` +
              `${fmt(sp)}x |`);
}
