// Peer comparison: the same networks in TensorFlow.js 4.22 (WASM backend, its SIMD build, one
// thread, fused ops) against this engine, with the same weights and the same input.
//
//   node tests/bench/peer_tfjs.mjs [--cli build/web/edgestudy-cli.js] [--archs a,b,...]
//        [--runs N] [--warmup N] [--warmup-ms MS] [--batches 1,32] [--full] [--tol X]
//        [--out results.json] [--keep]
//   node tests/bench/peer_tfjs.mjs --selftest     # TF.js side only, against a JS reference
//
// For each architecture and batch:
//   1. `edgestudy-cli export` writes the optimized inference graph (JSON), its weights (raw
//      little-endian f32), a reference input and this engine's logits for it (see
//      src/engine/graph_json.h for the format);
//   2. the graph is rebuilt node by node from TF.js ops, weights created once as tensors;
//   3. the reference input runs through it, every tensor's shape is checked, and the logits
//      must match ours to 1e-4 (max abs difference; --tol), else the script stops with a
//      non-zero exit and keeps the exported files;
//   4. TF.js is timed: warm-up (at least --warmup runs and --warmup-ms), then the median of N
//      runs of tf.tidy(run + dataSync);
//   5. this engine is timed by `edgestudy-cli bench`, with the same warm-up rule and N.
// A markdown table goes to stdout; --out also writes the results as JSON.
//
// Defaults: the five tiny presets and mobilenet_v2 (224x224x3); batches 1 and 32, but
// full-size networks only at batch 1 unless --full; 30 runs for tiny presets, 10 for the
// full-size ones; warm-up of at least 20 runs and 2 s on each side.
//
// How the graph maps onto TF.js:
//   conv2d   groups 1: tf.fused.conv2d; groups == cin: tf.fused.depthwiseConv2d (channel
//            multiplier cout/cin); other groups: TF.js has no grouped convolution, so the input
//            is sliced per group, each group convolved (fused) and the results concatenated.
//            Explicit padding [[0,0],[top,bottom],[left,right],[0,0]].
//   fc       reshape to [N, H*W*C] and tf.fused.matMul.
//   act      relu, relu6, sigmoid fused into the conv / matMul; hswish and hsigmoid (not fusable
//            in TF.js) as separate ops after a linear fused op.
//   avgpool  tf.pad with zeros, then 'valid' pooling: the padding counts, as PyTorch's default
//            count_include_pad=True (TF's own SAME pooling would not count it).
//   maxpool  tf.pad with -Infinity, then 'valid' pooling.
//   channel_shuffle  reshape [N,H,W,G,C/G] -> transpose -> reshape.
//   squeeze_excite   mean over H,W -> fused matMul -> act -> fused matMul -> gate -> multiply.
import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const TINY = ['tiny_mobilenet_v1', 'tiny_mobilenet_v2', 'tiny_mobilenet_v3', 'tiny_shufflenet_v1', 'tiny_shufflenet_v2'];
const DEFAULT_ARCHS = [...TINY, 'mobilenet_v2'];
const TOLERANCE = 1e-4;

function usage() {
  console.log(`usage: node tests/bench/peer_tfjs.mjs [--cli FILE] [--archs a,b,...] [--runs N] [--warmup N]
                                     [--warmup-ms MS] [--batches 1,32] [--full] [--tol X]
                                     [--out FILE.json] [--keep] [--selftest]
  --cli       the engine's CLI (default build/web/edgestudy-cli.js, run with node)
  --archs     architectures (default ${DEFAULT_ARCHS.join(',')})
  --runs      timed runs (default 30 for tiny presets, 10 for full-size networks)
  --warmup    untimed runs first, at least this many (default 20) ...
  --warmup-ms ... and at least this long (default 2000), each side
  --batches   batch sizes (default 1,32; full-size networks only at 1 unless --full)
  --full      also run full-size networks at batches > 1 (slow)
  --out       also write the results as JSON
  --tol       largest allowed max |logit difference| (default ${TOLERANCE}; absolute)
  --keep      keep the exported files (printed) instead of deleting them
  --selftest  check the TF.js graph builder against a plain-JS reference on a hand-written
              graph that uses every op (needs no CLI)`);
}

let opts;
try {
  opts = parseArgs({
    options: {
      cli: { type: 'string', default: path.join(root, 'build/web/edgestudy-cli.js') },
      archs: { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string', default: '20' },
      'warmup-ms': { type: 'string', default: '2000' },
      batches: { type: 'string', default: '1,32' },
      full: { type: 'boolean', default: false },
      out: { type: 'string' },
      tol: { type: 'string', default: String(TOLERANCE) },
      keep: { type: 'boolean', default: false },
      selftest: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (e) {
  console.error(`peer_tfjs: ${e.message}`);
  usage();
  process.exit(2);
}
if (opts.help) {
  usage();
  process.exit(0);
}

function fail(message) {
  console.error(`peer_tfjs: FAIL: ${message}`);
  process.exit(1);
}

function positiveInt(text, name) {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) {
    console.error(`peer_tfjs: --${name} must be a positive integer, got '${text}'`);
    process.exit(2);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// TF.js setup: WASM backend, one thread, SIMD build when the runtime validates SIMD.
// ---------------------------------------------------------------------------------------------
async function initTf() {
  tfwasm.setThreadsCount(1);  // before setBackend; in node the backend never starts workers anyway
  if (!(await tf.setBackend('wasm'))) fail('could not initialise the TF.js wasm backend');
  await tf.ready();
  const info = {
    tfjs_core: tf.version_core,
    tfjs_backend_wasm: tfwasm.version_wasm,
    backend: tf.getBackend(),
    wasm_simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    wasm_multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: tfwasm.getThreadsCount(),
  };
  // Which .wasm file the backend loads follows from the two flags (backend_wasm.js).
  info.wasm_binary = info.wasm_simd
    ? (info.wasm_multithread ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm-simd.wasm')
    : 'tfjs-backend-wasm.wasm';
  return info;
}

// ---------------------------------------------------------------------------------------------
// Graph -> TF.js
// ---------------------------------------------------------------------------------------------
const FUSABLE = { none: 'linear', relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid' };
const ACTS = new Set(['none', 'relu', 'relu6', 'hswish', 'hsigmoid', 'sigmoid']);

// Builds a runnable network from the exported graph. Every weight becomes a tensor here, once;
// run(x) only creates intermediates (call it inside tf.tidy). dispose() frees the weights.
function buildNet(graph, weights) {
  if (graph.format !== 'edgestudy-graph' || graph.version !== 1) throw new Error('not an edgestudy-graph v1 file');
  if (graph.layout !== 'NHWC') throw new Error(`layout ${graph.layout} is not NHWC`);
  const owned = [];
  const keep = (t) => { owned.push(t); return t; };
  const three = keep(tf.scalar(3)), sixth = keep(tf.scalar(1 / 6));
  const stats = { ops: {}, grouped_convs: 0, group_slices: 0, unfused_acts: 0 };

  const slice = (ref, name) => {
    if (!Array.isArray(ref) || ref.length !== 2) throw new Error(`node ${name}: bad weight reference`);
    const [off, count] = ref;
    if (off < 0 || off + count > weights.length) throw new Error(`node ${name}: weights [${off}, ${off + count}) out of range`);
    return weights.subarray(off, off + count);
  };
  const expect = (cond, name, what) => { if (!cond) throw new Error(`node ${name}: ${what}`); };

  // act(x) for the activations TF.js cannot fuse (and for standalone activation nodes).
  const act = (x, a) => {
    switch (a) {
      case 'none': return x;
      case 'relu': return tf.relu(x);
      case 'relu6': return tf.relu6(x);
      case 'sigmoid': return tf.sigmoid(x);
      case 'hswish': return tf.mul(tf.mul(x, tf.relu6(tf.add(x, three))), sixth);  // x * relu6(x+3) / 6
      case 'hsigmoid': return tf.mul(tf.relu6(tf.add(x, three)), sixth);          // relu6(x+3) / 6
      default: throw new Error(`unknown activation ${a}`);
    }
  };
  // {fused, post}: the fused-op activation and what must still run after it.
  const splitAct = (a, name) => {
    expect(ACTS.has(a), name, `unknown activation '${a}'`);
    if (a in FUSABLE) return { fused: FUSABLE[a], post: (x) => x };
    stats.unfused_acts++;
    return { fused: 'linear', post: (x) => act(x, a) };
  };

  const shapes = graph.tensors;
  const steps = [];
  for (const n of graph.nodes) {
    const name = n.name || n.op;
    stats.ops[n.op] = (stats.ops[n.op] || 0) + 1;
    const ins = n.in, outs = n.out;
    const a = n.act ?? 'none';
    expect(ACTS.has(a), name, `unknown activation '${a}'`);
    const inShape = shapes[ins[0]];
    expect(Array.isArray(inShape), name, `unknown input tensor ${ins[0]}`);
    const [H, W, C] = inShape;
    switch (n.op) {
      case 'conv2d': {
        const [kh, kw] = n.kernel, [sh, sw] = n.stride, [pt, pl, pb, pr] = n.pad;
        const G = n.groups, cout = n.cout, cin = C;
        expect(cin % G === 0 && cout % G === 0, name, `groups ${G} do not divide cin ${cin} / cout ${cout}`);
        const cing = cin / G, coutg = cout / G;
        const w = slice(n.w, name);
        expect(w.length === cout * kh * kw * cing, name, `weight count ${w.length} != ${cout}*${kh}*${kw}*${cing}`);
        const b = n.b ? slice(n.b, name) : null;
        if (b) expect(b.length === cout, name, `bias count ${b.length} != ${cout}`);
        const pad = pt || pl || pb || pr ? [[0, 0], [pt, pb], [pl, pr], [0, 0]] : 'valid';
        const strides = [sh, sw];
        const { fused, post } = splitAct(a, name);
        if (cing === 1 && G === cin) {
          // Depthwise, channel multiplier M: TF's filter [kh][kw][C][M], output channel c*M + m.
          const M = cout / cin;
          const f = new Float32Array(kh * kw * cin * M);
          for (let o = 0; o < cout; ++o)
            for (let t = 0; t < kh * kw; ++t) f[t * cout + o] = w[o * kh * kw + t];
          const filter = keep(tf.tensor4d(f, [kh, kw, cin, M]));
          const bias = b ? keep(tf.tensor1d(b)) : undefined;
          steps.push((T) => {
            T[outs[0]] = post(tf.fused.depthwiseConv2d({ x: T[ins[0]], filter, strides, pad, bias, activation: fused }));
          });
        } else {
          // [cout][kh][kw][cin_g] -> per group [kh][kw][cin_g][cout_g]
          const filters = [], biases = [];
          for (let g = 0; g < G; ++g) {
            const f = new Float32Array(kh * kw * cing * coutg);
            for (let o = 0; o < coutg; ++o) {
              const src = (g * coutg + o) * kh * kw * cing;
              for (let t = 0; t < kh * kw; ++t)
                for (let i = 0; i < cing; ++i) f[(t * cing + i) * coutg + o] = w[src + t * cing + i];
            }
            filters.push(keep(tf.tensor4d(f, [kh, kw, cing, coutg])));
            biases.push(b ? keep(tf.tensor1d(b.subarray(g * coutg, (g + 1) * coutg))) : undefined);
          }
          if (G === 1) {
            steps.push((T) => {
              T[outs[0]] = post(tf.fused.conv2d({ x: T[ins[0]], filter: filters[0], strides, pad, bias: biases[0], activation: fused }));
            });
          } else {
            stats.grouped_convs++;
            stats.group_slices += G;
            steps.push((T) => {
              const x = T[ins[0]];
              const parts = [];
              for (let g = 0; g < G; ++g) {
                const xg = tf.slice(x, [0, 0, 0, g * cing], [-1, -1, -1, cing]);
                parts.push(tf.fused.conv2d({ x: xg, filter: filters[g], strides, pad, bias: biases[g], activation: fused }));
              }
              T[outs[0]] = post(tf.concat(parts, 3));
            });
          }
        }
        break;
      }
      case 'fc': {
        const k = H * W * C, cout = n.cout;
        const w = slice(n.w, name);
        expect(w.length === cout * k, name, `weight count ${w.length} != ${cout}*${k}`);
        const wt = new Float32Array(k * cout);  // [cout][k] -> [k][cout]
        for (let o = 0; o < cout; ++o)
          for (let i = 0; i < k; ++i) wt[i * cout + o] = w[o * k + i];
        const B = keep(tf.tensor2d(wt, [k, cout]));
        const bias = n.b ? keep(tf.tensor1d(slice(n.b, name))) : undefined;
        const { fused, post } = splitAct(a, name);
        steps.push((T) => {
          const x2 = tf.reshape(T[ins[0]], [-1, k]);
          T[outs[0]] = tf.reshape(post(tf.fused.matMul({ a: x2, b: B, bias, activation: fused })), [-1, 1, 1, cout]);
        });
        break;
      }
      case 'batchnorm': {
        const p = slice(n.w, name);
        expect(p.length === 4 * C, name, `batchnorm needs 4*${C} floats, got ${p.length}`);
        const eps = Math.fround(n.eps ?? 1e-5);
        const scale = new Float32Array(C), shift = new Float32Array(C);
        for (let j = 0; j < C; ++j) {  // as the engine computes it, in f32
          scale[j] = Math.fround(p[j] / Math.fround(Math.sqrt(Math.fround(p[3 * C + j] + eps))));
          shift[j] = Math.fround(p[C + j] - Math.fround(p[2 * C + j] * scale[j]));
        }
        const s = keep(tf.tensor1d(scale)), h = keep(tf.tensor1d(shift));
        steps.push((T) => { T[outs[0]] = act(tf.add(tf.mul(T[ins[0]], s), h), a); });
        break;
      }
      case 'activation':
        steps.push((T) => { T[outs[0]] = act(T[ins[0]], a); });
        break;
      case 'add':
        expect(ins.length === 2, name, 'add needs two inputs');
        steps.push((T) => { T[outs[0]] = act(tf.add(T[ins[0]], T[ins[1]]), a); });
        break;
      case 'concat':
        steps.push((T) => { T[outs[0]] = act(tf.concat(ins.map((i) => T[i]), 3), a); });
        break;
      case 'split': {
        const s = n.split_at;
        expect(s > 0 && s < C && outs.length === 2, name, `bad split_at ${s} of ${C}`);
        steps.push((T) => {
          const [p, q] = tf.split(T[ins[0]], [s, C - s], 3);
          T[outs[0]] = p;
          T[outs[1]] = q;
        });
        break;
      }
      case 'channel_shuffle': {
        const G = n.groups;
        expect(C % G === 0, name, `groups ${G} do not divide ${C}`);
        steps.push((T) => {
          const x5 = tf.reshape(T[ins[0]], [-1, H, W, G, C / G]);
          T[outs[0]] = act(tf.reshape(tf.transpose(x5, [0, 1, 2, 4, 3]), [-1, H, W, C]), a);
        });
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        const [kh, kw] = n.kernel, [sh, sw] = n.stride, [pt, pl, pb, pr] = n.pad;
        const padded = pt || pl || pb || pr;
        const isMax = n.op === 'maxpool';
        const padValue = isMax ? -Infinity : 0;
        const paddings = [[0, 0], [pt, pb], [pl, pr], [0, 0]];
        steps.push((T) => {
          let x = T[ins[0]];
          if (padded) x = tf.pad(x, paddings, padValue);
          T[outs[0]] = act(isMax ? tf.maxPool(x, [kh, kw], [sh, sw], 'valid') : tf.avgPool(x, [kh, kw], [sh, sw], 'valid'), a);
        });
        break;
      }
      case 'global_avgpool':
        steps.push((T) => { T[outs[0]] = act(tf.mean(T[ins[0]], [1, 2], true), a); });
        break;
      case 'squeeze_excite': {
        const S = n.squeeze;
        const w = slice(n.w, name), b = slice(n.b, name);
        expect(w.length === 2 * S * C && b.length === S + C, name, `SE weights ${w.length}/${b.length} for C=${C}, S=${S}`);
        const w1t = new Float32Array(C * S), w2t = new Float32Array(S * C);
        for (let o = 0; o < S; ++o) for (let j = 0; j < C; ++j) w1t[j * S + o] = w[o * C + j];          // w1 [S][C]
        for (let o = 0; o < C; ++o) for (let j = 0; j < S; ++j) w2t[j * C + o] = w[S * C + o * S + j];  // w2 [C][S]
        const W1 = keep(tf.tensor2d(w1t, [C, S])), W2 = keep(tf.tensor2d(w2t, [S, C]));
        const b1 = keep(tf.tensor1d(b.subarray(0, S))), b2 = keep(tf.tensor1d(b.subarray(S, S + C)));
        const inner = splitAct(n.inner ?? 'relu', name), gate = splitAct(n.gate ?? 'hsigmoid', name);
        steps.push((T) => {
          const x = T[ins[0]];
          const pooled = tf.mean(x, [1, 2]);  // [N, C]
          const h = inner.post(tf.fused.matMul({ a: pooled, b: W1, bias: b1, activation: inner.fused }));
          const s = gate.post(tf.fused.matMul({ a: h, b: W2, bias: b2, activation: gate.fused }));
          T[outs[0]] = act(tf.mul(x, tf.reshape(s, [-1, 1, 1, C])), a);
        });
        break;
      }
      case 'softmax':
        steps.push((T) => { T[outs[0]] = tf.softmax(T[ins[0]], -1); });
        break;
      default:
        throw new Error(`node ${name}: op '${n.op}' is not supported by this script`);
    }
  }
  const [IH, IW, IC] = graph.input;
  return {
    stats,
    weightTensors: owned.length,
    // x [N,H,W,C] -> logits [N, classes]; `check` compares every tensor's shape with the graph's.
    run(x, check = false) {
      if (x.shape[1] !== IH || x.shape[2] !== IW || x.shape[3] !== IC) throw new Error(`input ${x.shape} != [N,${graph.input}]`);
      const T = new Array(shapes.length);
      T[0] = x;
      for (let i = 0; i < steps.length; ++i) {
        steps[i](T);
        if (!check) continue;
        for (const t of graph.nodes[i].out) {
          const want = [x.shape[0], ...shapes[t]];
          if (T[t].shape.join() !== want.join())
            throw new Error(`node ${graph.nodes[i].name}: TF.js tensor ${t} is [${T[t].shape}], the graph says [${want}]`);
        }
      }
      const y = T[graph.output];
      return tf.reshape(y, [x.shape[0], -1]);
    },
    dispose() { for (const t of owned) t.dispose(); },
  };
}

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; ++i) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d;  // NaN propagates as NaN
  }
  return m;
}
const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

function median(v) {
  const s = [...v].sort((p, q) => p - q);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
}

// Warm-up: at least `warmup` runs and at least `warmupMs` of running, so V8 has tiered up both
// TF.js's JavaScript and the wasm kernels (20 runs of a 1 ms network are not enough).
function timeTf(net, x, runs, warmup, warmupMs) {
  const once = () => tf.tidy(() => { net.run(x).dataSync(); });
  let warm = 0;
  const w0 = performance.now();
  while (warm < warmup || performance.now() - w0 < warmupMs) { once(); ++warm; }
  const ms = [];
  for (let i = 0; i < runs; ++i) {
    const t0 = performance.now();
    once();
    ms.push(performance.now() - t0);
  }
  return { median: median(ms), min: Math.min(...ms), warmup_runs: warm };
}

// ---------------------------------------------------------------------------------------------
// The engine's CLI
// ---------------------------------------------------------------------------------------------
function cli(args) {
  try {
    const out = execFileSync(process.execPath, [opts.cli, ...args, '--json'], {
      encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out);
  } catch (e) {
    // The CLI answers {"error": ...} on stdout; a crash prints a stack (and maybe the minified
    // glue's source line) on stderr: keep the first lines, each cut short.
    const text = (e.stdout || '').trim() || (e.stderr || '').trim() || e.message;
    const detail = text.split('\n').slice(0, 4).map((l) => (l.length > 300 ? `${l.slice(0, 300)}...` : l)).join('\n');
    fail(`edgestudy-cli ${args.join(' ')} (exit ${e.status ?? '?'}): ${detail}`);
  }
}

function readF32(file) {
  const buf = fs.readFileSync(file);
  if (buf.length % 4) fail(`${file}: ${buf.length} bytes is not a whole number of floats`);
  // Copy into an aligned buffer; the files are little-endian, as is every host node runs on here.
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}

// ---------------------------------------------------------------------------------------------
// --selftest: a hand-written graph using every op, against a plain-JS reference (f64 sums,
// rounded to f32 after each node). Checks the TF.js side without the engine.
// ---------------------------------------------------------------------------------------------
function selftestGraph() {
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
  const weights = [];
  const alloc = (count, scale = 0.5) => {
    const off = weights.length;
    for (let i = 0; i < count; ++i) weights.push(Math.fround(rnd() * scale));
    return [off, count];
  };
  const tensors = [[10, 10, 4]];
  const nodes = [];
  const T = (h, w, c) => { tensors.push([h, w, c]); return tensors.length - 1; };
  const out = (h, w, c) => [T(h, w, c)];
  // conv 3x3/2, asymmetric padding (top 0, left 1, bottom 1, right 0), relu6: 10 -> 5
  let t = out(5, 5, 8);
  nodes.push({ op: 'conv2d', name: 'conv', in: [0], out: t, act: 'relu6', kernel: [3, 3], stride: [2, 2], pad: [0, 1, 1, 0], groups: 1, cout: 8, w: alloc(8 * 9 * 4), b: alloc(8) });
  // depthwise 3x3/1 pad 1, hswish
  let u = out(5, 5, 8);
  nodes.push({ op: 'conv2d', name: 'dw', in: t, out: u, act: 'hswish', kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], groups: 8, cout: 8, w: alloc(8 * 9), b: alloc(8) });
  // depthwise with channel multiplier 2, no bias, sigmoid
  let v = out(5, 5, 16);
  nodes.push({ op: 'conv2d', name: 'dw_mult', in: u, out: v, act: 'sigmoid', kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], groups: 8, cout: 16, w: alloc(16 * 9) });
  // grouped 1x1, g = 4, hsigmoid (not fusable: applied after the concat)
  let g = out(5, 5, 12);
  nodes.push({ op: 'conv2d', name: 'gconv', in: v, out: g, act: 'hsigmoid', kernel: [1, 1], stride: [1, 1], pad: [0, 0, 0, 0], groups: 4, cout: 12, w: alloc(12 * 4), b: alloc(12) });
  // grouped 3x3, g = 2, linear (signed values reach the max pool, whose padding must be -inf)
  let g2 = out(5, 5, 12);
  nodes.push({ op: 'conv2d', name: 'gconv3', in: g, out: g2, act: 'none', kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], groups: 2, cout: 12, w: alloc(12 * 9 * 6), b: alloc(12) });
  let sh = out(5, 5, 12);
  nodes.push({ op: 'channel_shuffle', name: 'shuffle', in: g2, out: sh, act: 'none', groups: 3 });
  const sp = [T(5, 5, 4), T(5, 5, 8)];
  nodes.push({ op: 'split', name: 'split', in: sh, out: sp, act: 'none', split_at: 4 });
  let mp = out(3, 3, 4);
  nodes.push({ op: 'maxpool', name: 'maxpool', in: [sp[0]], out: mp, act: 'none', kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1] });
  let ap = out(3, 3, 8);
  nodes.push({ op: 'avgpool', name: 'avgpool', in: [sp[1]], out: ap, act: 'none', kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1] });
  let cc = out(3, 3, 12);
  nodes.push({ op: 'concat', name: 'concat', in: [mp[0], ap[0]], out: cc, act: 'none' });
  let bn = out(3, 3, 12);
  const bnw = alloc(48);
  for (let j = 0; j < 12; ++j) weights[bnw[0] + 36 + j] = Math.fround(Math.abs(weights[bnw[0] + 36 + j]) + 0.1);  // var > 0
  nodes.push({ op: 'batchnorm', name: 'bn', in: cc, out: bn, act: 'hswish', w: bnw, eps: 1e-5 });
  let se = out(3, 3, 12);
  nodes.push({ op: 'squeeze_excite', name: 'se', in: bn, out: se, act: 'none', squeeze: 8, inner: 'relu', gate: 'hsigmoid', w: alloc(2 * 8 * 12), b: alloc(8 + 12) });
  let ad = out(3, 3, 12);
  nodes.push({ op: 'add', name: 'add', in: [bn[0], se[0]], out: ad, act: 'relu' });
  let ac = out(3, 3, 12);
  nodes.push({ op: 'activation', name: 'act', in: ad, out: ac, act: 'hswish' });
  let fc1 = out(1, 1, 10);  // fc over the whole 3x3x12 map (NHWC flattening)
  nodes.push({ op: 'fc', name: 'fc_flat', in: ac, out: fc1, act: 'hswish', cout: 10, w: alloc(10 * 108), b: alloc(10) });
  let gp = out(1, 1, 12);
  nodes.push({ op: 'global_avgpool', name: 'gap', in: ac, out: gp, act: 'none' });
  let fc2 = out(1, 1, 10);
  nodes.push({ op: 'fc', name: 'fc', in: gp, out: fc2, act: 'none', cout: 10, w: alloc(120), b: alloc(10) });
  let sum = out(1, 1, 10);
  nodes.push({ op: 'add', name: 'sum', in: [fc1[0], fc2[0]], out: sum, act: 'none' });
  let sm = out(1, 1, 10);
  nodes.push({ op: 'softmax', name: 'softmax', in: sum, out: sm, act: 'none' });
  const graph = { format: 'edgestudy-graph', version: 1, arch: 'selftest', layout: 'NHWC', input: [10, 10, 4], output: sm[0], tensors, nodes };
  return { graph, weights: Float32Array.from(weights) };
}

// Plain-JS reference of the graph semantics in src/engine/graph_json.h, NHWC.
function referenceRun(graph, weights, input, N) {
  const f = Math.fround;
  const actf = (x, a) => {
    switch (a) {
      case 'none': return x;
      case 'relu': return x > 0 ? x : 0;
      case 'relu6': return Math.min(Math.max(x, 0), 6);
      case 'hswish': return x * Math.min(Math.max(x + 3, 0), 6) / 6;
      case 'hsigmoid': return Math.min(Math.max(x + 3, 0), 6) / 6;
      case 'sigmoid': return 1 / (1 + Math.exp(-x));
      default: throw new Error(a);
    }
  };
  const W = (r) => weights.subarray(r[0], r[0] + r[1]);
  const T = [];
  T[0] = Float64Array.from(input);
  const idx = (s, b, y, x, c) => ((b * s[0] + y) * s[1] + x) * s[2] + c;
  for (const n of graph.nodes) {
    const si = graph.tensors[n.in[0]], so = graph.tensors[n.out[0]];
    const [H, Wd, C] = si, [OH, OW, OC] = so;
    const x = T[n.in[0]];
    const y = new Float64Array(N * OH * OW * OC);
    switch (n.op) {
      case 'conv2d': {
        const [kh, kw] = n.kernel, [sh, sw] = n.stride, [pt, pl] = n.pad;
        const G = n.groups, cing = C / G, coutg = n.cout / G, w = W(n.w), b = n.b ? W(n.b) : null;
        for (let bb = 0; bb < N; ++bb) for (let oy = 0; oy < OH; ++oy) for (let ox = 0; ox < OW; ++ox)
          for (let o = 0; o < OC; ++o) {
            const gi = Math.floor(o / coutg);
            let acc = b ? b[o] : 0;
            for (let ky = 0; ky < kh; ++ky) for (let kx = 0; kx < kw; ++kx) {
              const iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
              for (let i = 0; i < cing; ++i)
                acc += x[idx(si, bb, iy, ix, gi * cing + i)] * w[((o * kh + ky) * kw + kx) * cing + i];
            }
            y[idx(so, bb, oy, ox, o)] = actf(acc, n.act);
          }
        break;
      }
      case 'fc': {
        const k = H * Wd * C, w = W(n.w), b = n.b ? W(n.b) : null;
        for (let bb = 0; bb < N; ++bb) for (let o = 0; o < n.cout; ++o) {
          let acc = b ? b[o] : 0;
          for (let i = 0; i < k; ++i) acc += x[bb * k + i] * w[o * k + i];
          y[bb * n.cout + o] = actf(acc, n.act);
        }
        break;
      }
      case 'batchnorm': {
        const p = W(n.w);
        for (let i = 0; i < y.length; ++i) {
          const c = i % C;
          y[i] = actf((x[i] - p[2 * C + c]) / Math.sqrt(p[3 * C + c] + n.eps) * p[c] + p[C + c], n.act);
        }
        break;
      }
      case 'activation': for (let i = 0; i < y.length; ++i) y[i] = actf(x[i], n.act); break;
      case 'add': { const z = T[n.in[1]]; for (let i = 0; i < y.length; ++i) y[i] = actf(x[i] + z[i], n.act); break; }
      case 'concat': {
        let o0 = 0;
        for (const t of n.in) {
          const c = graph.tensors[t][2], s = T[t];
          for (let p = 0; p < N * H * Wd; ++p) for (let j = 0; j < c; ++j) y[p * OC + o0 + j] = s[p * c + j];
          o0 += c;
        }
        break;
      }
      case 'split': {
        const s = n.split_at, y2 = new Float64Array(N * H * Wd * (C - s));
        for (let p = 0; p < N * H * Wd; ++p) for (let j = 0; j < C; ++j)
          if (j < s) y[p * s + j] = x[p * C + j]; else y2[p * (C - s) + j - s] = x[p * C + j];
        T[n.out[1]] = y2;
        break;
      }
      case 'channel_shuffle': {
        const G = n.groups, per = C / G;
        for (let p = 0; p < N * H * Wd; ++p) for (let gg = 0; gg < G; ++gg) for (let i = 0; i < per; ++i)
          y[p * C + i * G + gg] = x[p * C + gg * per + i];
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        const [kh, kw] = n.kernel, [sh, sw] = n.stride, [pt, pl] = n.pad, isMax = n.op === 'maxpool';
        for (let bb = 0; bb < N; ++bb) for (let oy = 0; oy < OH; ++oy) for (let ox = 0; ox < OW; ++ox)
          for (let c = 0; c < C; ++c) {
            let acc = isMax ? -Infinity : 0;
            for (let ky = 0; ky < kh; ++ky) for (let kx = 0; kx < kw; ++kx) {
              const iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;  // padding: -inf for max, 0 (counted) for avg
              const v = x[idx(si, bb, iy, ix, c)];
              acc = isMax ? Math.max(acc, v) : acc + v;
            }
            y[idx(so, bb, oy, ox, c)] = actf(isMax ? acc : acc / (kh * kw), n.act);
          }
        break;
      }
      case 'global_avgpool':
        for (let bb = 0; bb < N; ++bb) for (let c = 0; c < C; ++c) {
          let acc = 0;
          for (let p = 0; p < H * Wd; ++p) acc += x[(bb * H * Wd + p) * C + c];
          y[bb * C + c] = actf(acc / (H * Wd), n.act);
        }
        break;
      case 'squeeze_excite': {
        const S = n.squeeze, w = W(n.w), b = W(n.b);
        for (let bb = 0; bb < N; ++bb) {
          const m = new Float64Array(C);
          for (let p = 0; p < H * Wd; ++p) for (let c = 0; c < C; ++c) m[c] += x[(bb * H * Wd + p) * C + c] / (H * Wd);
          const h = new Float64Array(S);
          for (let o = 0; o < S; ++o) { let acc = b[o]; for (let j = 0; j < C; ++j) acc += w[o * C + j] * m[j]; h[o] = actf(acc, n.inner); }
          for (let c = 0; c < C; ++c) {
            let acc = b[S + c];
            for (let j = 0; j < S; ++j) acc += w[S * C + c * S + j] * h[j];
            const s = actf(acc, n.gate);
            for (let p = 0; p < H * Wd; ++p) { const i = (bb * H * Wd + p) * C + c; y[i] = actf(x[i] * s, n.act); }
          }
        }
        break;
      }
      case 'softmax':
        for (let p = 0; p < N * H * Wd; ++p) {
          let mx = -Infinity, sum = 0;
          for (let j = 0; j < C; ++j) mx = Math.max(mx, x[p * C + j]);
          for (let j = 0; j < C; ++j) sum += Math.exp(x[p * C + j] - mx);
          for (let j = 0; j < C; ++j) y[p * C + j] = Math.exp(x[p * C + j] - mx) / sum;
        }
        break;
      default: throw new Error(n.op);
    }
    T[n.out[0]] = y;  // (split set its second output above)
    for (const t of n.out) T[t] = T[t].map(f);
  }
  return Float32Array.from(T[graph.output]);
}

async function selftest() {
  const info = await initTf();
  console.log(`TF.js ${info.tfjs_core} ${info.backend} (${info.wasm_binary}), SIMD ${info.wasm_simd}, threads ${info.threads}`);
  const { graph, weights } = selftestGraph();
  for (const N of [1, 3]) {
    const [H, W, C] = graph.input;
    const input = new Float32Array(N * H * W * C);
    for (let i = 0; i < input.length; ++i) input[i] = Math.fround(((i * 2654435761) % 1000) / 1000);
    const ref = referenceRun(graph, weights, input, N);
    const net = buildNet(graph, weights);
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(input, [N, H, W, C]);
    const got = tf.tidy(() => net.run(x, true).dataSync());
    x.dispose();
    const leaked = tf.memory().numTensors - before;
    net.dispose();
    const d = maxAbsDiff(got, ref);
    console.log(`selftest batch ${N}: ${graph.nodes.length} nodes (${Object.keys(net.stats.ops).join(', ')}), ` +
      `max |diff| ${d.toExponential(2)}, leaked tensors ${leaked}`);
    if (!(d <= TOLERANCE)) fail(`selftest batch ${N}: max |diff| ${d} > ${TOLERANCE}`);
    if (leaked !== 0) fail(`selftest batch ${N}: ${leaked} tensors leaked`);
  }
  // The same graph without its softmax (raw logits of the two FC heads), whose values are larger.
  const g2 = structuredClone(graph);
  g2.nodes.pop();
  g2.output = g2.nodes[g2.nodes.length - 1].out[0];
  const input = new Float32Array(2 * 10 * 10 * 4).map((_, i) => Math.fround(Math.sin(i)));
  const ref = referenceRun(g2, weights, input, 2);
  const net = buildNet(g2, weights);
  const got = tf.tidy(() => { const x = tf.tensor4d(input, [2, 10, 10, 4]); return net.run(x, true).dataSync(); });
  net.dispose();
  const d = maxAbsDiff(got, ref);
  console.log(`selftest logits (no softmax), batch 2: max |diff| ${d.toExponential(2)} (max |logit| ${maxAbs(ref).toFixed(3)})`);
  if (!(d <= TOLERANCE)) fail(`selftest logits: max |diff| ${d} > ${TOLERANCE}`);
  console.log('selftest: 3 passed, 0 failed');
}

// ---------------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------------
async function main() {
  if (opts.selftest) return selftest();
  if (os.endianness() !== 'LE') fail('the exported files are little-endian f32; this host is big-endian');
  const archs = opts.archs ? opts.archs.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT_ARCHS;
  const batches = opts.batches.split(',').map((s) => positiveInt(s.trim(), 'batches'));
  const warmup = Number(opts.warmup);
  if (!Number.isInteger(warmup) || warmup < 0) { console.error('peer_tfjs: --warmup must be >= 0'); process.exit(2); }
  const warmupMs = Number(opts['warmup-ms']);
  if (!(warmupMs >= 0)) { console.error('peer_tfjs: --warmup-ms must be >= 0'); process.exit(2); }
  const tol = Number(opts.tol);
  if (!(tol > 0)) { console.error('peer_tfjs: --tol must be a positive number'); process.exit(2); }
  const runsFor = (arch) => (opts.runs ? positiveInt(opts.runs, 'runs') : arch.startsWith('tiny_') ? 30 : 10);

  if (!fs.existsSync(opts.cli)) fail(`no CLI at ${opts.cli}: build it with ./build.sh web (or pass --cli)`);
  const commands = cli(['commands']).commands.map((c) => c.name);
  for (const c of ['export', 'bench'])
    if (!commands.includes(c)) fail(`${opts.cli} has no '${c}' command (it has: ${commands.join(', ')}); rebuild with ./build.sh web`);

  const info = await initTf();
  if (info.backend !== 'wasm') fail(`TF.js backend is ${info.backend}, not wasm`);
  const ourInfo = cli(['selftest']);
  const env = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    tfjs: info,
    ours: { build: ourInfo.build, simd: ourInfo.simd, simd_backend: ourInfo.simd_backend },
    warmup,
    warmup_ms: warmupMs,
    tolerance: tol,
    loadavg_start: os.loadavg().map((v) => +v.toFixed(2)),
  };
  // Other processes on the cores skew both sides; say so rather than print quiet-looking numbers.
  if (env.loadavg_start[0] > env.cores)
    console.error(`peer_tfjs: warning: load average ${env.loadavg_start[0]} on ${env.cores} cores; timings may be noisy`);
  console.log(`node ${env.node}, ${env.cpu} (${env.cores} cores)`);
  console.log(`TF.js ${info.tfjs_core} backend ${info.backend}, ${info.wasm_binary}, WASM_HAS_SIMD_SUPPORT=${info.wasm_simd}, ` +
    `threads ${info.threads}`);
  console.log(`ours: ${env.ours.build}, SIMD ${env.ours.simd} (${env.ours.simd_backend}), single thread`);
  console.log(`warm-up: at least ${warmup} runs and ${warmupMs} ms per side, then medians; logits must agree to ${tol}\n`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgestudy-peer-'));
  const results = [], skipped = [];
  try {
    for (const arch of archs) {
      for (const batch of batches) {
        if (!arch.startsWith('tiny_') && batch > 1 && !opts.full) {
          skipped.push({ arch, batch, reason: 'full-size network at batch > 1 (pass --full)' });
          continue;
        }
        const runs = runsFor(arch);
        const prefix = path.join(tmp, `${arch}-b${batch}`);
        const ex = cli(['export', '--arch', arch, '--out', prefix, '--batch', String(batch)]);
        const graph = JSON.parse(fs.readFileSync(ex.graph, 'utf8'));
        const weights = readF32(ex.weights);
        const io = readF32(ex.io);
        const [B, H, W, C] = ex.input_shape;
        const inCount = B * H * W * C, outCount = ex.output_shape.reduce((p, q) => p * q, 1);
        if (B !== batch) fail(`${arch}: export wrote batch ${B}, asked for ${batch}`);
        if (io.length !== inCount + outCount) fail(`${arch}: io.bin has ${io.length} floats, expected ${inCount} + ${outCount}`);
        const input = io.subarray(0, inCount), ourLogits = io.subarray(inCount);

        const net = buildNet(graph, weights);
        const x = tf.tensor4d(input, [B, H, W, C]);
        const before = tf.memory().numTensors;
        const tfLogits = tf.tidy(() => net.run(x, true).dataSync());
        const leaked = tf.memory().numTensors - before;
        const diff = maxAbsDiff(tfLogits, ourLogits);
        const scale = maxAbs(ourLogits);
        const tag = `${arch} batch ${batch}`;
        if (tfLogits.length !== ourLogits.length) fail(`${tag}: TF.js gave ${tfLogits.length} logits, ours ${ourLogits.length}`);
        if (leaked) fail(`${tag}: ${leaked} tensors leaked by one run`);
        if (!(diff <= tol)) {
          // fail() exits at once, so the files stay for a look. A relative difference near 1e-7
          // is f32 rounding of large logits rather than a wrong op.
          fail(`${tag}: logits differ, max |diff| ${diff} > ${tol} (max |logit| ${scale}, ` +
            `relative ${(diff / Math.max(scale, 1e-30)).toExponential(2)}); files kept in ${tmp}`);
        }
        // Kernels TF.js dispatches per inference (each is a JS -> wasm call with its own overhead).
        const prof = await tf.profile(() => tf.tidy(() => { net.run(x).dataSync(); }));
        const tfT = timeTf(net, x, runs, warmup, warmupMs);
        x.dispose();
        net.dispose();
        // The same warm-up rule for ours: a short probe gives the time per run.
        const benchArgs = ['bench', '--arch', arch, '--batch', String(batch)];
        const probe = cli([...benchArgs, '--runs', '3', '--warmup', '2']);
        const oursWarmup = Math.min(100000, Math.max(warmup, Math.ceil(warmupMs / Math.max(probe.latency_ms_median, 1e-3))));
        const ours = cli([...benchArgs, '--runs', String(runs), '--warmup', String(oursWarmup)]);
        const r = {
          arch, batch, runs,
          ours_ms: ours.latency_ms_median, ours_min_ms: ours.latency_ms_min,
          tfjs_ms: tfT.median, tfjs_min_ms: tfT.min,
          ours_warmup_runs: oursWarmup, tfjs_warmup_runs: tfT.warmup_runs,
          ratio: ours.latency_ms_median / tfT.median,
          ours_img_s: (1000 * batch) / ours.latency_ms_median,
          tfjs_img_s: (1000 * batch) / tfT.median,
          max_abs_dlogit: diff, max_abs_logit: scale,
          macs: ours.macs, nodes: graph.nodes.length, tfjs_kernels: prof.kernels.length,
          tfjs_ops: net.stats,
        };
        results.push(r);
        console.error(`  ${tag}: ours ${r.ours_ms.toFixed(3)} ms, TF.js ${r.tfjs_ms.toFixed(3)} ms, max |dlogit| ${diff.toExponential(2)}` +
          (net.stats.grouped_convs ? ` (${net.stats.grouped_convs} grouped convs as ${net.stats.group_slices} sliced convs)` : ''));
      }
    }
  } finally {
    if (opts.keep) console.error(`exported files kept in ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }

  const fmt = (v, d) => v.toFixed(d);
  const lines = [
    '| arch | batch | ours ms | TF.js ms | ratio ours/TF.js | ours img/s | TF.js img/s | max \\|Δlogit\\| |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.arch} | ${r.batch} | ${fmt(r.ours_ms, 3)} | ${fmt(r.tfjs_ms, 3)} | ${fmt(r.ratio, 2)} | ` +
      `${fmt(r.ours_img_s, 0)} | ${fmt(r.tfjs_img_s, 0)} | ${r.max_abs_dlogit.toExponential(1)} |`),
  ];
  console.log(lines.join('\n'));
  for (const s of skipped) console.log(`skipped ${s.arch} batch ${s.batch}: ${s.reason}`);
  env.loadavg_end = os.loadavg().map((v) => +v.toFixed(2));
  console.log(`load average (1 min) ${env.loadavg_start[0]} at the start, ${env.loadavg_end[0]} at the end`);
  if (opts.out) {
    fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    fs.writeFileSync(opts.out, JSON.stringify({ env, results, skipped }, null, 2) + '\n');
    console.error(`wrote ${opts.out}`);
  }
  console.log(`\npeer_tfjs: ${results.length} passed, 0 failed`);
}

main().catch((e) => fail(e.stack || String(e)));
