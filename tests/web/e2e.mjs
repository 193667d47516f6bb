// Browser end-to-end tests: the served page and the single file opened from file://, in
// Debian's headless Chromium driven by playwright-core.
//
//   node tests/web/e2e.mjs --site build/web/site --single build/web/single/edgestudy.html --out DIR
//
// For each page: wait for the ready signal, call edgestudy.run (good and bad requests),
// open every panel in both languages by clicking its tab, save a screenshot of each, and
// check keyboard switching, resizing, HiDPI, the language default and its persistence.
// Any console error, uncaught exception or request to another origin fails the run.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { startServer } from '../../web/serve.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const here = path.dirname(fileURLToPath(import.meta.url));
const site = path.resolve(arg('--site', path.join(here, '../../build/web/site')));
const single = path.resolve(arg('--single', path.join(here, '../../build/web/single/edgestudy.html')));
const outDir = path.resolve(arg('--out', path.join(here, 'screenshots')));
const wasmCli = path.resolve(arg('--cli', path.join(here, '../../build/web/edgestudy-cli.js')));
const nativeCli = path.resolve(arg('--native-cli', path.join(here, '../../build/native/edgestudy-cli')));
fs.mkdirSync(outDir, { recursive: true });

const PANELS = ['calculators', 'architectures', 'models', 'quantization', 'pruning', 'roofline', 'results', 'training', 'quiz', 'settings'];
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-gl=angle', '--use-angle=swiftshader'];

// E2E_ONLY=pruning,results (names of the single-file page's lab tests) skips the other labs
// while working on one; the full run (ctest, ./build.sh test) sets nothing and runs them all.
const only = process.env.E2E_ONLY ? process.env.E2E_ONLY.split(',') : null;
const want = (name) => !only || only.includes(name);

let passed = 0, failed = 0;
const failures = [];
function check(cond, what) {
  if (cond) { passed++; if (process.env.E2E_VERBOSE) console.log(`  ok: ${what}`); } else { failed++; failures.push(what); console.log(`  FAIL: ${what}`); }
}

// Watches a page for console errors, uncaught exceptions and foreign requests.
function watch(page, allowedOrigin, label) {
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    let origin;
    try { origin = new URL(url).origin; } catch { origin = url; }
    const ok = allowedOrigin === 'file' ? url.startsWith('file://') : origin === allowedOrigin;
    if (!ok) problems.push(`request to another origin: ${url}`);
  });
  return () => {
    for (const p of problems) check(false, `${label}: ${p}`);
    if (problems.length === 0) check(true, `${label}: no console errors, exceptions or foreign requests`);
    problems.length = 0;
  };
}

async function waitReady(page) {
  await page.waitForFunction(() => window.edgestudy && window.edgestudy.isReady === true, null, { timeout: 90_000 });
}

// Waits until the UI has drawn n more frames (state changes apply on the next frames).
async function frames(page, n = 3) {
  const start = await page.evaluate(() => edgestudy.ui.get().frame);
  await page.waitForFunction((s) => edgestudy.ui.get().frame >= s, start + n, { timeout: 30_000 });
}

async function clickTab(page, panel) {
  const st = await page.evaluate(() => edgestudy.ui.get());
  const dpr = st.device_pixel_ratio || 1;
  const tab = st.tabs.find((t) => t.panel === panel);
  if (!tab || tab.w <= 0) return false;
  // As a person does: move onto the tab, let the UI see the hover, then click.
  await page.mouse.move((tab.x + tab.w / 2) / dpr, (tab.y + tab.h / 2) / dpr, { steps: 3 });
  await frames(page, 2);
  await page.mouse.down();
  await frames(page, 1);
  await page.mouse.up();
  await frames(page, 3);
  return (await page.evaluate(() => edgestudy.ui.get().panel)) === panel;
}

async function testApi(page, label) {
  const version = await page.evaluate(() => edgestudy.run({ cmd: 'version' }));
  check(version.name === 'edgestudy' && /^\d+\.\d+\.\d+$/.test(version.version) && version.target === 'wasm32',
    `${label}: run({cmd:'version'}) answers name/version/target (${JSON.stringify(version)})`);
  const self = await page.evaluate(() => edgestudy.run('{"cmd":"selftest"}'));
  check(self.simd === true && self.simd_backend === 'wasm-simd128', `${label}: selftest reports wasm SIMD`);
  check(self.simd_kernels_match_reference === true, `${label}: SIMD kernels match the reference in the browser`);
  check(self.font_coverage_ok === true, `${label}: selftest font coverage ok`);
  check(JSON.stringify(self.languages) === '["zh-TW","en"]', `${label}: selftest languages`);
  check(typeof self.build === 'string' && self.build.includes('wasm32-simd128'), `${label}: selftest build string`);

  const bad = await page.evaluate(async () => [
    await edgestudy.run({ cmd: 'nosuch' }),
    await edgestudy.run('{not json'),
    await edgestudy.run({ cmd: 'version', bogus: 1 }),
    await edgestudy.run(42),
    await edgestudy.run(null),
    await edgestudy.run({}),
    edgestudy.ui.set({ panel: 'nowhere' }),
    edgestudy.ui.set({ lang: 'fr' }),
  ]);
  check(/unknown command 'nosuch'/.test(bad[0].error || ''), `${label}: unknown command answers an error`);
  check(/not valid JSON/.test(bad[1].error || ''), `${label}: malformed JSON answers an error`);
  check(/--bogus/.test(bad[2].error || ''), `${label}: unknown argument is named`);
  check(typeof bad[3].error === 'string' && typeof bad[4].error === 'string', `${label}: non-object requests answer errors`);
  check(/missing "cmd"/.test(bad[5].error || ''), `${label}: missing cmd answers an error`);
  check(/panel/.test(bad[6].error || '') && /lang/.test(bad[7].error || ''), `${label}: bad ui requests answer errors`);
  // The engine in the page: a tiny model's latency with wasm SIMD, and a bad architecture.
  const bench = await page.evaluate(() => edgestudy.run({ cmd: 'bench', arch: 'tiny_mobilenet_v2', runs: 3, warmup: 2, 'warmup-ms': 0 }));
  check(bench.simd === true && bench.kernels === 'wasm-simd128' && bench.latency_ms_median > 0 &&
        Array.isArray(bench.layers) && bench.layers.length > 10,
    `${label}: bench runs a tiny model with wasm SIMD in the page (${bench.latency_ms_median} ms)`);
  const badArch = await page.evaluate(() => edgestudy.run({ cmd: 'bench', arch: 'resnet50' }));
  check(/--arch must be one of/.test(badArch.error || ''), `${label}: bench names a bad --arch`);
  const analysis = await page.evaluate(() => edgestudy.run({ cmd: 'analyze', arch: 'mobilenet_v2' }));
  check(Math.abs(analysis.total?.macs - 300e6) / 300e6 < 0.02, `${label}: analyze mobilenet_v2 gives ~300M MACs in the page`);
  // The page still works after bad input.
  const again = await page.evaluate(() => edgestudy.runSync({ cmd: 'version' }));
  check(again.name === 'edgestudy', `${label}: still answering after bad requests`);
}

// The reference answer of `eval --model NAME --subset web` from a CLI (wasm under node,
// or native), which reads Debian's full test split and picks the same 2,000 images.
function cliEval(cli, name, extra = []) {
  const cmd = cli.endsWith('.js') ? ['/usr/bin/node', [cli]] : [cli, []];
  const r = spawnSync(cmd[0], [...cmd[1], 'eval', '--model', name, '--subset', 'web', ...extra, '--json'], { encoding: 'utf8' });
  try { return JSON.parse(r.stdout); } catch { return { error: `${cli}: ${r.stderr}` }; }
}

async function waitLabIdle(page, timeout = 300_000) {
  await page.waitForFunction(() => edgestudy.ui.get().lab.job === 'none', null, { timeout, polling: 200 });
  return page.evaluate(() => edgestudy.ui.get().lab);
}

// The Model lab: the shipped models evaluated in the page give exactly the native
// predictions; the panel's own evaluation runs in slices while frames keep coming; look
// inside and fine-tuning work.
async function testModelLab(page, label, prefix) {
  const lab0 = await page.evaluate(() => edgestudy.ui.get().lab);
  check(Array.isArray(lab0.shipped) && lab0.shipped.length === 5, `${label}: five shipped models in the page (${lab0.shipped})`);
  for (const name of lab0.shipped || []) {
    const inPage = await page.evaluate((n) => edgestudy.run({ cmd: 'eval', model: n, subset: 'web' }), name);
    const ref = cliEval(wasmCli, name);
    check(inPage.n === 2000 && ref.n === 2000 && inPage.predictions_hash === ref.predictions_hash &&
          inPage.accuracy === ref.accuracy,
      `${label}: ${name} on the web subset: page ${inPage.accuracy} (${inPage.predictions_hash}) = CLI ${ref.accuracy} (${ref.predictions_hash})`);
    if (fs.existsSync(nativeCli)) {
      const nat = cliEval(nativeCli, name);
      check(nat.predictions_hash === inPage.predictions_hash && nat.accuracy === inPage.accuracy,
        `${label}: ${name}: page predictions equal the native build's (${nat.accuracy})`);
    }
  }
  const full = await page.evaluate((n) => edgestudy.run({ cmd: 'eval', model: n, subset: 'full' }), lab0.shipped[0]);
  check(/only the web subset/.test(full.error || ''), `${label}: eval --subset full explains the page holds the web subset`);

  // The panel's evaluation, in slices: the page keeps drawing frames during it.
  await page.evaluate(() => edgestudy.ui.set({ panel: 'models', lang: 'en' }));
  const name = lab0.shipped[lab0.shipped.length - 1];
  const f0 = await page.evaluate(() => edgestudy.ui.get().frame);
  const r = await page.evaluate((n) => edgestudy.ui.set({ lab: { model: n, action: 'eval' } }), name);
  check(r.ok === true, `${label}: lab eval starts (${JSON.stringify(r)})`);
  const lab = await waitLabIdle(page);
  const f1 = await page.evaluate(() => edgestudy.ui.get().frame);
  const ref = cliEval(wasmCli, name);
  check(lab.eval?.n === 2000 && lab.eval?.predictions_hash === ref.predictions_hash,
    `${label}: the panel's sliced evaluation makes the CLI's predictions (${lab.eval?.accuracy})`);
  check(lab.eval?.ticks >= 10 && f1 - f0 >= lab.eval?.ticks,
    `${label}: frames kept coming during the evaluation (${lab.eval?.ticks} slices, ${f1 - f0} frames)`);
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-models-eval.png`) });

  const bad = await page.evaluate(() => [edgestudy.ui.set({ lab: { action: 'fly' } }), edgestudy.ui.set({ lab: { model: 'resnet' } }),
                                         edgestudy.ui.set({ lab: { action: 'inspect', image: 5000 } })]);
  check(bad.every((b) => typeof b.error === 'string'), `${label}: bad lab requests answer errors (${bad.map((b) => b.error).join(' | ')})`);

  // Look inside a test image: every layer, probabilities that sum to 1.
  await page.evaluate(() => edgestudy.ui.set({ lab: { action: 'inspect', image: 3 } }));
  await frames(page, 3);
  const ins = (await page.evaluate(() => edgestudy.ui.get().lab)).inspect;
  const sum = (ins?.probabilities || []).reduce((a, b) => a + b, 0);
  check(ins?.layers > 10 && Math.abs(sum - 1) < 1e-4 && ins.label >= 0,
    `${label}: look inside: ${ins?.layers} layers, predicted ${ins?.predicted}, label ${ins?.label}`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-models-inside.png`) });

  // Fine-tune a few steps, live; then the lab evaluates the new weights.
  const ft = await page.evaluate(() => edgestudy.ui.set({ lab: { action: 'finetune', steps: 12, batch: 16, lr: 0.01 } }));
  check(ft.ok === true, `${label}: fine-tuning starts`);
  const after = await waitLabIdle(page);
  check(after.fine_tuned === true && after.ft_steps_done === 12 && after.eval?.n === 2000,
    `${label}: fine-tuned 12 steps in the page, then evaluated (${after.eval?.accuracy})`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-models-finetune.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lab: { action: 'reset' } }));
}

// The quantization lab: INT8 in the page predicts exactly what the wasm CLI and the native
// build predict (integer arithmetic is bit-exact); the panel's sliced measurement runs while
// frames keep coming and agrees with `eval --variant int8`; a worked integer output equals
// the engine's.
async function testQuantLab(page, label, prefix) {
  const name = 'tiny_mobilenet_v3';
  const inPage = await page.evaluate((n) => edgestudy.run({ cmd: 'eval', model: n, subset: 'web', variant: 'int8' }), name);
  const ref = cliEval(wasmCli, name, ['--variant', 'int8']);
  check(inPage.n === 2000 && inPage.predictions_hash === ref.predictions_hash && inPage.weight_bytes === ref.weight_bytes,
    `${label}: INT8 ${name}: page ${inPage.accuracy} (${inPage.predictions_hash}, ${inPage.weight_bytes} B) = wasm CLI ${ref.accuracy} (${ref.predictions_hash})`);
  if (fs.existsSync(nativeCli)) {
    const nat = cliEval(nativeCli, name, ['--variant', 'int8']);
    check(nat.predictions_hash === inPage.predictions_hash, `${label}: INT8 predictions equal the native build's (${nat.accuracy})`);
  }
  await page.evaluate(() => edgestudy.ui.set({ panel: 'quantization', lang: 'en' }));
  const f0 = await page.evaluate(() => edgestudy.ui.get().frame);
  const r = await page.evaluate((n) => edgestudy.ui.set({ qlab: { model: n, weight_bits: 8, per_channel: true, calibration: 'minmax', calib_images: 256, action: 'run' } }), name);
  check(r.ok === true, `${label}: quantization lab run starts (${JSON.stringify(r)})`);
  await page.waitForFunction(() => edgestudy.ui.get().qlab.phase === 'idle', null, { timeout: 300_000, polling: 200 });
  const q = await page.evaluate(() => edgestudy.ui.get().qlab);
  const f1 = await page.evaluate(() => edgestudy.ui.get().frame);
  check(q.int8_accuracy === inPage.accuracy && q.fp32_accuracy > 0.85 && q.fp32_ms > 0 && q.int8_ms > 0,
    `${label}: the panel measured FP32 ${q.fp32_accuracy} / INT8 ${q.int8_accuracy} (= eval --variant int8), ${q.fp32_ms?.toFixed(3)} vs ${q.int8_ms?.toFixed(3)} ms`);
  check(q.frames_while_busy >= 10 && f1 - f0 >= q.frames_while_busy, `${label}: frames kept coming (${q.frames_while_busy} busy frames)`);
  check(q.int8_bytes > 0 && q.int8_bytes * 3 < q.fp32_bytes, `${label}: INT8 weights ${q.int8_bytes} B vs FP32 ${q.fp32_bytes} B`);
  const t = await page.evaluate(() => edgestudy.ui.set({ qlab: { action: 'trace', image: 5, y: 1, x: 2, channel: 3 } }));
  await frames(page, 3);
  const tr = (await page.evaluate(() => edgestudy.ui.get().qlab)).trace;
  check(t.ok === true && tr && tr.out_q === tr.engine_q && tr.terms > 0, `${label}: worked integer output ${tr?.out_q} = engine ${tr?.engine_q} (${tr?.terms} products)`);
  // The shipped 4-bit QAT file on the integer engine: the same predictions in the page, the wasm
  // CLI and the native build.
  const qat4 = await page.evaluate((n) => edgestudy.run({ cmd: 'eval', model: n, subset: 'web', variant: 'qat4' }), name);
  const qat4Cli = cliEval(wasmCli, name, ['--variant', 'qat4']);
  check(qat4.n === 2000 && qat4.weight_bits === 4 && qat4.predictions_hash === qat4Cli.predictions_hash && qat4.weight_bytes < inPage.weight_bytes,
    `${label}: qat4 ${name}: page ${qat4.accuracy} (${qat4.weight_bytes} B) = wasm CLI ${qat4Cli.accuracy} (${qat4Cli.predictions_hash})`);
  if (fs.existsSync(nativeCli)) {
    const nat = cliEval(nativeCli, name, ['--variant', 'qat4']);
    check(nat.predictions_hash === qat4.predictions_hash, `${label}: qat4 predictions equal the native build's (${nat.accuracy})`);
  }
  // A short QAT fine-tune at 4 bits in the page, in slices, then PTQ and QAT side by side.
  const fq0 = await page.evaluate(() => edgestudy.ui.get().frame);
  const busy0 = (await page.evaluate(() => edgestudy.ui.get().qlab)).frames_while_busy;
  const rq = await page.evaluate(() => edgestudy.ui.set({ qlab: { weight_bits: 4, action: 'qat', qat_steps: 20, qat_batch: 16, ste: 'clipped' } }));
  check(rq.ok === true, `${label}: QAT fine-tune starts (${JSON.stringify(rq)})`);
  await page.waitForFunction(() => edgestudy.ui.get().qlab.phase === 'idle', null, { timeout: 300_000, polling: 200 });
  const qq = await page.evaluate(() => edgestudy.ui.get().qlab);
  const fq1 = await page.evaluate(() => edgestudy.ui.get().frame);
  check(qq.qat.step === 20 && qq.qat.weight_bits === 4 && qq.qat.accuracy_int8 > 0.8 && qq.int8_accuracy > 0.5 && qq.fp32_accuracy > 0.85 && qq.message === 'done',
    `${label}: QAT in the page: ${qq.qat.step} steps in ${qq.qat.seconds?.toFixed(1)} s, W4 PTQ ${qq.int8_accuracy} → QAT ${qq.qat.accuracy_int8} (FP32 ${qq.fp32_accuracy})`);
  check(qq.frames_while_busy - busy0 >= 20 && fq1 - fq0 >= qq.frames_while_busy - busy0,
    `${label}: frames kept coming during QAT (${qq.frames_while_busy - busy0} busy frames)`);
  const badQat = await page.evaluate(() => [edgestudy.ui.set({ qlab: { action: 'qat', qat_steps: 0 } }),
                                            edgestudy.ui.set({ qlab: { action: 'qat', ste: 'magic' } })]);
  check(badQat.every((b) => typeof b.error === 'string') && (await page.evaluate(() => edgestudy.ui.get().qlab)).phase === 'idle',
    `${label}: bad QAT requests answer errors (${badQat.map((b) => b.error).join(' | ')})`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-quant-lab.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'zh-TW' }));
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-quant-lab-zh-TW.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'en' }));
  const before = (await page.evaluate(() => edgestudy.ui.get().qlab)).settings;
  const bad = await page.evaluate(() => [edgestudy.ui.set({ qlab: { weight_bits: 9 } }), edgestudy.ui.set({ qlab: { calibration: 'magic' } }),
                                         edgestudy.ui.set({ qlab: { calib_images: 0 } }), edgestudy.ui.set({ qlab: { action: 'trace', y: 999 } })]);
  const after = (await page.evaluate(() => edgestudy.ui.get().qlab)).settings;
  check(bad.every((b) => typeof b.error === 'string') && JSON.stringify(before) === JSON.stringify(after),
    `${label}: bad quantization requests answer errors, settings untouched (${bad.map((b) => b.error).join(' | ')})`);
}

// The architecture explorer: each family's block drawn in the page counts what the engine's
// `explore block` command counts (in the page and in the native CLI); step-throughs move.
async function testArchitectures(page, label, prefix) {
  await page.evaluate(() => edgestudy.ui.set({ panel: 'architectures', lang: 'en' }));
  const presets = { mnv1_dw1: 'mobilenet_v1', mnv2_res: 'mobilenet_v2', mnv3_hs_se: 'mobilenet_v3',
                    snv1_stage2_first: 'shufflenet_v1', snv2_stage2_first: 'shufflenet_v2' };
  for (const [preset, family] of Object.entries(presets)) {
    const r = await page.evaluate((p) => edgestudy.ui.set({ arch: { preset: p } }), preset);
    check(r.ok === true, `${label}: arch preset ${preset} accepted`);
    await frames(page, 3);
    const st = (await page.evaluate(() => edgestudy.ui.get())).arch;
    const api = await page.evaluate((p) => edgestudy.run({ cmd: 'explore block', preset: p }), preset);
    check(st?.family === family && st.macs === api.macs && st.nodes === api.nodes.length && st.error === '',
      `${label}: ${preset}: the panel draws ${st?.nodes} boxes, ${st?.macs} MACs = explore block's ${api.macs}`);
    if (fs.existsSync(nativeCli)) {
      const nat = JSON.parse(execFileSync(nativeCli, ['explore', 'block', '--preset', preset, '--json']).toString());
      check(nat.macs === api.macs && JSON.stringify(nat.nodes) === JSON.stringify(api.nodes),
        `${label}: ${preset}: page and native build agree on every box`);
    }
    await page.screenshot({ path: path.join(outDir, `${prefix}-arch-${family}.png`) });
  }
  await page.evaluate(() => edgestudy.ui.set({ arch: { preset: 'snv1_stage2', shuffle_step: 3 } }));
  await frames(page, 3);
  check((await page.evaluate(() => edgestudy.ui.get().arch)).shuffle_step === 3, `${label}: shuffle step-through at step 4/4`);
  const bad = await page.evaluate(() => [edgestudy.ui.set({ arch: { preset: 'resnet' } }),
                                         edgestudy.ui.set({ arch: { shuffle_step: 9 } }),
                                         edgestudy.ui.set({ arch: { family: 'mobilenet_v1', preset: 'snv2_stage2' } })]);
  check(bad.every((b) => typeof b.error === 'string'), `${label}: bad arch requests answer errors (${bad.map((b) => b.error).join(' | ')})`);
}

// The Quantization panel's calculator: the "quant" hook drives its fields as typing would,
// ui.get reports what the panel computed, and that equals `calc quant` in the page (and in the
// native CLI); a refused field is reported with its message in both languages; bad hook
// requests change nothing; screenshots of the calculator and the STE tab in both languages.
// The Pruning panel's 2:4 visualizer: a real layer's mask keeps 2 of every 4, the values and
// index arrays read back to the kept weights; bad requests change nothing; screenshots.
async function testPruning(page, label, prefix) {
  await page.evaluate(() => edgestudy.ui.set({ panel: 'pruning', lang: 'en' }));
  const r = await page.evaluate(() => edgestudy.ui.set({ prune: { tab: 'sparse24', model: 'tiny_mobilenet_v2', layer: 'block3.project', row: 3, group: 2, dtype: 'fp16' } }));
  await frames(page, 3);
  const s = (await page.evaluate(() => edgestudy.ui.get())).prune;
  let ok = r.ok === true && s.layer === 'block3.project' && s.row === 3 && s.col === 8 && s.dtype === 'fp16' && s.cols % 4 === 0;
  const w = s.window;
  for (let g = 0; ok && g < w.weights.length / 4; ++g) {
    const keep = w.keep.slice(4 * g, 4 * g + 4);
    const mags = w.weights.slice(4 * g, 4 * g + 4).map(Math.abs);
    const kept = keep.map((k, i) => (k ? i : -1)).filter((i) => i >= 0);
    // Exactly two kept, and no dropped weight is larger than a kept one.
    ok = kept.length === 2 && mags.every((m, i) => keep[i] || m <= Math.min(...kept.map((k) => mags[k])));
    ok = ok && w.indices[2 * g] === kept[0] && w.indices[2 * g + 1] === kept[1] &&
         w.values[2 * g] === w.weights[4 * g + kept[0]] && w.values[2 * g + 1] === w.weights[4 * g + kept[1]];
  }
  check(ok && s.kept_l1_24 <= s.kept_l1_unstructured, `${label}: 2:4 of ${s.layer}: two of every four kept, values/indices read back (keeps ${(100 * s.kept_l1_24).toFixed(1)}% of |w| vs ${(100 * s.kept_l1_unstructured).toFixed(1)}% unstructured)`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-prune-sparse24.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'zh-TW' }));
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-prune-sparse24-zh-TW.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'en' }));
  const bad = await page.evaluate(() => [edgestudy.ui.set({ prune: { layer: 'conv1' } }), edgestudy.ui.set({ prune: { dtype: 'bf16' } }),
                                         edgestudy.ui.set({ prune: { row: -1 } }), edgestudy.ui.set({ prune: { model: 'nosuch' } }),
                                         edgestudy.ui.set({ prune: { sparsity: 0.5 } })]);
  const after = (await page.evaluate(() => edgestudy.ui.get())).prune;
  check(bad.every((b) => typeof b.error === 'string') && after.layer === s.layer && after.row === 3 && after.dtype === 'fp16',
    `${label}: bad prune requests answer errors, the view untouched (${bad.map((b) => b.error).join(' | ')})`);

  await testPruneJobs(page, label, prefix);
}

function cliJson(cli, args) {
  const cmd = cli.endsWith('.js') ? ['/usr/bin/node', [cli]] : [cli, []];
  const r = spawnSync(cmd[0], [...cmd[1], ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  try { return JSON.parse(r.stdout); } catch { return { error: `${cli}: ${r.stderr}` }; }
}

// The Pruning panel's Sensitivity and Lottery tabs: each job runs in the page in slices (frames
// keep coming), its numbers equal the CLI's for the same experiment, and bad requests change
// nothing.
async function testPruneJobs(page, label, prefix) {
  const idle = () => page.waitForFunction(() => edgestudy.ui.get().prune.job === 'idle', null, { timeout: 600_000, polling: 250 });
  const sens = { model: 'tiny_mobilenet_v1', levels: [0, 0.5, 0.9], eval_limit: 100 };
  const r = await page.evaluate((q) => edgestudy.ui.set({ prune: { sensitivity: q } }), sens);
  const t0 = Date.now();
  await idle();
  let s = (await page.evaluate(() => edgestudy.ui.get())).prune;
  const ss = s.sensitivity;
  const cliArgs = ['prune', '--model', sens.model, '--sensitivity', '--levels', sens.levels.join(','), '--eval-limit', String(sens.eval_limit)];
  const ref = cliJson(fs.existsSync(nativeCli) ? nativeCli : wasmCli, cliArgs);
  const same = ref.layers && ss && ref.layers.length === ss.layers.length && ref.accuracy_dense === ss.accuracy_dense &&
    ref.layers.every((l, i) => l.layer === ss.layers[i].layer && l.accuracy.every((a, j) => a === ss.layers[i].accuracy[j]));
  check(r.ok === true && s.tab === 'sensitivity' && s.message === 'done' && same && s.frames_while_busy > 10,
    `${label}: sensitivity scan in the page: ${ss ? ss.layers.length : 0} layers x ${sens.levels.length} levels equal the CLI's ` +
    `(${fs.existsSync(nativeCli) ? 'native' : 'wasm'}), ${s.frames_while_busy} frames drawn in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-prune-sensitivity.png`) });

  const lot = { model: 'tiny_mobilenet_v3', rounds: 2, rate: 0.5, steps: 30, batch: 16, lr: 0.05, seed: 3, train_limit: 640, eval_limit: 100 };
  const r2 = await page.evaluate((q) => edgestudy.ui.set({ prune: { lottery: q } }), lot);
  // Mid-run: the panel shows the running job (the screenshot has the live loss curve).
  await page.waitForFunction(() => { const p = edgestudy.ui.get().prune; return p.job !== 'lottery' || p.progress > 0.3; }, null, { timeout: 300_000, polling: 100 });
  await page.screenshot({ path: path.join(outDir, `${prefix}-prune-lottery-running.png`) });
  const t1 = Date.now();
  await idle();
  s = (await page.evaluate(() => edgestudy.ui.get())).prune;
  const L = s.lottery;
  const lref = cliJson(wasmCli, ['prune', '--model', lot.model, '--lottery', '--rounds', '2', '--rate', '0.5', '--steps', '30', '--batch', '16',
                                 '--lr', '0.05', '--seed', '3', '--limit', '640', '--eval-limit', '100']);
  const lsame = lref.rounds && L && lref.rounds.length === 3 && L.rounds.length === 3 &&
    lref.rounds.every((x, i) => x.accuracy_rewind === L.rounds[i].accuracy_rewind && x.sparsity === L.rounds[i].sparsity &&
                                (i === 0 || x.accuracy_reinit === L.rounds[i].accuracy_reinit));
  check(r2.ok === true && s.tab === 'lottery' && s.message === 'done' && lsame && s.frames_while_busy > 10,
    `${label}: lottery ticket in the page (2 rounds, 30 steps): rounds equal the wasm CLI's ` +
    `(${L ? L.rounds.map((x) => `${(100 * x.sparsity).toFixed(0)}%: ${(100 * x.accuracy_rewind).toFixed(0)}/${x.accuracy_reinit === undefined ? '-' : (100 * x.accuracy_reinit).toFixed(0)}`).join(', ') : '?'}), ` +
    `${s.frames_while_busy} frames in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-prune-lottery.png`) });

  // Cancel, and refusals that change nothing.
  await page.evaluate(() => edgestudy.ui.set({ prune: { lottery: { steps: 400 } } }));
  await frames(page, 2);
  const c = await page.evaluate(() => edgestudy.ui.set({ prune: { lottery: { action: 'cancel' } } }));
  await frames(page, 2);
  const afterCancel = (await page.evaluate(() => edgestudy.ui.get())).prune;
  check(c.ok === true && afterCancel.job === 'idle' && afterCancel.message === 'cancelled', `${label}: a running lottery ticket is cancelled`);
  const bad = await page.evaluate(() => [
    edgestudy.ui.set({ prune: { sensitivity: { levels: [0, 1] } } }),
    edgestudy.ui.set({ prune: { sensitivity: { levels: [0.5, 0.2] } } }),
    edgestudy.ui.set({ prune: { sensitivity: { model: 'nosuch' } } }),
    edgestudy.ui.set({ prune: { sensitivity: { eval_limit: 'all' } } }),
    edgestudy.ui.set({ prune: { lottery: { rate: 1 } } }),
    edgestudy.ui.set({ prune: { lottery: { model: 'mobilenet_v2' } } }),
    edgestudy.ui.set({ prune: { lottery: { rounds: 0 } } }),
    edgestudy.ui.set({ prune: { lottery: { depth: 3 } } }),
    edgestudy.ui.set({ prune: { lottery: {}, sensitivity: {} } }),
  ]);
  const afterBad = (await page.evaluate(() => edgestudy.ui.get())).prune;
  check(bad.every((b) => typeof b.error === 'string') && afterBad.job === 'idle' &&
        afterBad.sensitivity.layers.length === ss.layers.length && afterBad.sensitivity.model === sens.model,
    `${label}: bad sensitivity/lottery requests answer errors, results untouched (${bad.map((b) => b.error).join(' | ')})`);
}

// The Results panel: the whole comparison (every shipped model x every variant) live in the
// page; the table is complete, accuracies equal the native build's on the same images, frames
// kept coming; re-run of one cell, exports, bad requests.
async function testResults(page, label, prefix) {
  await page.evaluate(() => edgestudy.ui.set({ panel: 'results', lang: 'en' }));
  const f0 = await page.evaluate(() => edgestudy.ui.get().frame);
  const t0 = Date.now();
  // Every cell on the first 500 test images (the whole 2,000 is what the panel's default and
  // docs/BENCHMARKS.md use; the suite keeps its time down).
  const r = await page.evaluate(() => edgestudy.ui.set({ results: { action: 'run', runs: 5, runs_b32: 1, warmup_ms: 100, limit: 500 } }));
  check(r.ok === true, `${label}: comparison starts (${JSON.stringify(r)})`);
  await page.waitForFunction(() => !edgestudy.ui.get().results.busy, null, { timeout: 900_000, polling: 500 });
  const s = (await page.evaluate(() => edgestudy.ui.get())).results;
  const f1 = await page.evaluate(() => edgestudy.ui.get().frame);
  const shipped = (await page.evaluate(() => edgestudy.ui.get())).lab.shipped;
  const variants = (await page.evaluate(() => edgestudy.run({ cmd: 'commands' }))).commands
    .find((c) => c.name === 'eval').args.find((a) => a.name === 'variant').choices;
  const complete = s.rows.length === shipped.length * variants.length &&
    s.rows.every((row) => row.status === 'done' && row.accuracy > 0.5 && row.latency_ms_b1 > 0 && row.latency_ms_b32 > 0 &&
                          row.weight_bytes > 0 && row.macs > 0 && row.measured_speedup > 0);
  check(complete, `${label}: comparison complete: ${s.rows.length} cells (${shipped.length} models x ${variants.length} variants) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  check(s.frames_while_busy >= 50 && f1 - f0 >= s.frames_while_busy, `${label}: frames kept coming during the comparison (${s.frames_while_busy})`);
  // The depthwise-separable claim: every fp32 row timed its model's pairs against standard convs.
  const fp32 = s.rows.filter((row) => row.variant === 'fp32');
  check(fp32.length === shipped.length && fp32.every((row) => row.dsc_pairs >= 4 && row.dsc_predicted_speedup > 4 && row.dsc_measured_speedup > 1) &&
        s.rows.filter((row) => row.variant !== 'fp32').every((row) => row.dsc_pairs === 0),
    `${label}: depthwise-separable pairs vs standard convs measured in the page (${fp32.map((row) => `${row.model.replace('tiny_', '')}: ${row.dsc_predicted_speedup.toFixed(1)}x MACs, ${row.dsc_measured_speedup.toFixed(1)}x time`).join('; ')})`);
  if (fs.existsSync(nativeCli)) {
    const nat = JSON.parse(execFileSync(nativeCli, ['compare', '--runs', '1', '--runs-b32', '1', '--warmup-ms', '0', '--limit', '500', '--json'], { maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    const key = (row) => `${row.model}/${row.variant}`;
    const natAcc = Object.fromEntries(nat.rows.map((row) => [key(row), row.accuracy]));
    const natBytes = Object.fromEntries(nat.rows.map((row) => [key(row), row.weight_bytes]));
    const off = s.rows.filter((row) => natAcc[key(row)] !== row.accuracy || natBytes[key(row)] !== row.weight_bytes);
    check(nat.rows.length === s.rows.length && off.length === 0,
      `${label}: every cell's accuracy and bytes equal the native build's (${off.map(key).join(', ') || 'all equal'})`);
  }
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-results.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'zh-TW' }));
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-results-zh-TW.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'en' }));
  // Re-run one cell; the others keep their numbers.
  const before = s.rows;
  const rr = await page.evaluate(() => edgestudy.ui.set({ results: { action: 'rerun', cell: 1 } }));
  await page.waitForFunction(() => !edgestudy.ui.get().results.busy, null, { timeout: 120_000, polling: 200 });
  const after = (await page.evaluate(() => edgestudy.ui.get())).results.rows;
  check(rr.ok === true && after[1].status === 'done' && after[1].accuracy === before[1].accuracy &&
        after[0].latency_ms_b1 === before[0].latency_ms_b1, `${label}: one cell re-run, the rest kept`);
  const md = await page.evaluate(() => { edgestudy.ui.set({ results: { export: 'markdown' } }); return edgestudy.ui.get().results.markdown; });
  const [mainTable, dscTable = ''] = md.split('\n\n');
  check(mainTable.split('\n').filter((l) => l.startsWith('| tiny_')).length === s.rows.length &&
        dscTable.split('\n').filter((l) => l.startsWith('| tiny_')).length === shipped.length, `${label}: markdown tables with every row and every model's DSC pairs`);
  const bad = await page.evaluate(() => [edgestudy.ui.set({ results: { models: ['nosuch'], action: 'run' } }),
                                         edgestudy.ui.set({ results: { action: 'rerun', cell: 999 } }),
                                         edgestudy.ui.set({ results: { export: 'xlsx' } }),
                                         edgestudy.ui.set({ results: { runs: 0, action: 'run' } })]);
  const still = (await page.evaluate(() => edgestudy.ui.get())).results;
  check(bad.every((b) => typeof b.error === 'string') && still.rows.length === s.rows.length && !still.busy,
    `${label}: bad results requests answer errors, the table kept (${bad.map((b) => b.error).join(' | ')})`);
}

// The Training panel's distillation: both students trained in the page equal the wasm CLI's
// `lab distill` run (same seed, same batches), frames kept coming; the dark-knowledge view
// softens with T without reordering; bad requests change nothing.
async function testTraining(page, label, prefix) {
  await page.evaluate(() => edgestudy.ui.set({ panel: 'training', lang: 'en' }));
  const q = { steps: 40, batch: 16, eval_every: 20, eval_limit: 100, width: 0.25, temperature: 4, alpha: 0.9, seed: 2 };
  const t0 = Date.now();
  const r = await page.evaluate((x) => edgestudy.ui.set({ train: { distill: x } }), q);
  await page.waitForFunction(() => !edgestudy.ui.get().train.busy, null, { timeout: 600_000, polling: 250 });
  const s = (await page.evaluate(() => edgestudy.ui.get())).train;
  const d = s.distill;
  const ref = cliJson(wasmCli, ['lab', 'distill', '--steps', '40', '--batch', '16', '--eval-every', '20', '--eval-limit', '100',
                                '--width', '0.25', '--temperature', '4', '--alpha', '0.9', '--seeds', '2']);
  const run = ref.runs && ref.runs[0];
  const same = run && d.curve.length === run.curve.length &&
    d.curve.every((c, i) => c.step === run.curve[i].step && c.accuracy_kd === run.curve[i].accuracy_kd &&
                            c.accuracy_scratch === run.curve[i].accuracy_scratch) &&
    d.teacher_accuracy === ref.teacher_accuracy;
  check(r.ok === true && d.finished === true && d.curve.length === 2 && same && s.frames_while_busy > 10,
    `${label}: distillation in the page equals the wasm CLI (teacher ${(100 * d.teacher_accuracy).toFixed(0)}%, ` +
    `students ${(100 * d.accuracy_kd).toFixed(0)}% / ${(100 * d.accuracy_scratch).toFixed(0)}% after 40 steps), ` +
    `${s.frames_while_busy} frames in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const v1 = await page.evaluate(() => { edgestudy.ui.set({ train: { view: { image: 4, temperature: 1 } } }); return edgestudy.ui.get().train.view; });
  const v8 = await page.evaluate(() => { edgestudy.ui.set({ train: { view: { temperature: 8 } } }); return edgestudy.ui.get().train.view; });
  const entropy = (p) => -p.reduce((a, x) => a + (x > 0 ? x * Math.log(x) : 0), 0);
  const order = (p) => p.map((x, i) => [x, i]).sort((a, b) => b[0] - a[0]).map((x) => x[1]).join(',');
  const sum = v8.soft.reduce((a, x) => a + x, 0);
  check(v8.soft.length === 10 && Math.abs(sum - 1) < 1e-9 && entropy(v8.soft) > entropy(v1.soft) && order(v8.soft) === order(v1.soft) &&
        v8.at_t1.every((x, i) => x === v1.soft[i]),
    `${label}: dark knowledge: T = 8 is flatter than T = 1 (entropy ${entropy(v1.soft).toFixed(2)} -> ${entropy(v8.soft).toFixed(2)}), same class order`);
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-training-distill.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'zh-TW' }));
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-training-distill-zh-TW.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'en' }));
  const bad = await page.evaluate(() => [
    edgestudy.ui.set({ train: { distill: { temperature: 0 } } }),
    edgestudy.ui.set({ train: { distill: { alpha: 1.5 } } }),
    edgestudy.ui.set({ train: { distill: { teacher: 'nosuch' } } }),
    edgestudy.ui.set({ train: { distill: { student: 'mobilenet_v2' } } }),
    edgestudy.ui.set({ train: { distill: { steps: 'many' } } }),
    edgestudy.ui.set({ train: { view: { image: 5000 } } }),
    edgestudy.ui.set({ train: { depth: 3 } }),
  ]);
  const after = (await page.evaluate(() => edgestudy.ui.get())).train;
  check(bad.every((b) => typeof b.error === 'string') && !after.busy && after.distill.curve.length === 2 && after.view.temperature === 8,
    `${label}: bad training requests answer errors, results untouched (${bad.map((b) => b.error).join(' | ')})`);

  // The labs link to the quiz items of their bullet: a drill scoped to §4.1.
  const qz = await page.evaluate(() => { const r = edgestudy.ui.set({ quiz: { section: '4.1', start: 'due' } }); return [r, edgestudy.ui.get().quiz]; });
  const cur = qz[1] && qz[1].drill && qz[1].drill.current;
  check(qz[0].ok === true && cur && cur.bullet.startsWith('4.1.') && qz[1].section_filter === '4.1',
    `${label}: a quiz drill scoped to §4.1 asks a 4.1 item (${cur ? cur.id : 'none'})`);
  const badq = await page.evaluate(() => edgestudy.ui.set({ quiz: { section: '4.9' } }));
  check(typeof badq.error === 'string', `${label}: an unknown bullet scope is refused (${badq.error})`);
  await page.evaluate(() => edgestudy.ui.set({ panel: 'training', quiz: { quit: true } }));

  // Batch size: three trainings and the sharpness probe, equal to the wasm CLI's numbers.
  const b = { model: 'tiny_shufflenet_v2', small_batch: 8, large_batch: 64, lr: 0.02, epochs: 2, train_limit: 256, eval_limit: 100,
              radii: [0, 0.05, 0.1], directions: 1, probe_images: 50 };
  const t1 = Date.now();
  const rb = await page.evaluate((x) => edgestudy.ui.set({ train: { batch: x } }), b);
  await page.waitForFunction(() => !edgestudy.ui.get().train.busy, null, { timeout: 600_000, polling: 250 });
  const sb = (await page.evaluate(() => edgestudy.ui.get())).train;
  const bref = cliJson(wasmCli, ['lab', 'batch', '--model', b.model, '--small', '8', '--large', '64', '--lr', '0.02', '--epochs', '2',
                                 '--train-limit', '256', '--eval-limit', '100', '--radii', '0,0.05,0.1', '--directions', '1', '--probe-images', '50']);
  const arms = sb.batch.arms;
  const bsame = bref.arms && arms.length === 3 && bref.arms.every((a, i) => a.name === arms[i].name && a.steps === arms[i].steps &&
    a.test_accuracy === arms[i].test_accuracy && a.sharpness.every((x, k) => x === arms[i].sharpness[k]));
  check(rb.ok === true && sb.tab === 'batch' && sb.batch.finished && bsame && arms[0].steps === 2 * 32 && arms[1].steps === 2 * 4 &&
        sb.frames_while_busy > 10,
    `${label}: batch-size lab in the page equals the wasm CLI (${arms.map((a) => `${a.name}: ${a.steps} steps, ${(100 * a.test_accuracy).toFixed(0)}%, rise ${a.sharpness_rise.toFixed(3)}`).join('; ')}), ` +
    `${sb.frames_while_busy} frames in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-training-batch.png`) });
  const badb = await page.evaluate(() => [
    edgestudy.ui.set({ train: { batch: { large_batch: 4 } } }),
    edgestudy.ui.set({ train: { batch: { radii: [0.2, 0.1] } } }),
    edgestudy.ui.set({ train: { batch: { epochs: 'two' } } }),
    edgestudy.ui.set({ train: { batch: { width: 2 } } }),
  ]);
  const afterb = (await page.evaluate(() => edgestudy.ui.get())).train;
  check(badb.every((x) => typeof x.error === 'string') && !afterb.busy && afterb.batch.arms.length === 3,
    `${label}: bad batch requests answer errors, results untouched (${badb.map((x) => x.error).join(' | ')})`);
}

// The Training panel's Once-for-All tab: sub-networks of the shipped supernet measured in the
// page score exactly as in the wasm CLI (same draws, same recalibration, same test images);
// both searches stay within the budget; a hand-picked sub-network joins the scatter; bad
// requests change nothing.
async function testOfa(page, label, prefix) {
  await page.evaluate(() => edgestudy.ui.set({ panel: 'training', lang: 'en' }));
  const q = { samples: 2, evals: 3, population: 2, eval_limit: 100, recal_images: 100, latency_runs: 3, seed: 3, budget_ms: 0 };
  const t0 = Date.now();
  const r = await page.evaluate((x) => edgestudy.ui.set({ train: { ofa: x } }), q);
  await page.waitForFunction(() => !edgestudy.ui.get().train.busy, null, { timeout: 600_000, polling: 250 });
  const s = (await page.evaluate(() => edgestudy.ui.get())).train;
  const o = s.ofa;
  const args = ['lab', 'ofa', '--samples', '2', '--eval-limit', '100', '--recal-images', '100', '--latency-runs', '3', '--seed', '3', '--no-search'];
  const ref = cliJson(wasmCli, args);
  const same = ref.points && ref.points.length === 4 &&
    ref.points.every((p, i) => o.points[i] && p.config === o.points[i].config && p.accuracy === o.points[i].accuracy && p.macs === o.points[i].macs);
  const within = o.searches.length === 2 && o.searches.every((x) => x.tested.length === 3 && x.tested.length === x.best_so_far.length &&
    x.tested.every((i) => o.points[i].latency_ms <= o.budget_ms) && x.best_so_far.every((b, i) => i === 0 || b >= x.best_so_far[i - 1]));
  check(r.ok === true && s.tab === 'ofa' && o.finished && same && within && o.points[0].latency_ms > o.points[1].latency_ms &&
        o.pareto.length >= 1 && s.frames_while_busy > 10,
    `${label}: Once-for-All in the page: ${o.points.length} sub-networks, the sampled ones equal the wasm CLI ` +
    `(largest ${(100 * o.points[0].accuracy).toFixed(0)}% at ${o.points[0].latency_ms.toFixed(2)} ms, smallest ` +
    `${(100 * o.points[1].accuracy).toFixed(0)}% at ${o.points[1].latency_ms.toFixed(2)} ms), searches within ${o.budget_ms.toFixed(2)} ms ` +
    `(best ${o.searches.map((x) => x.best ? (100 * x.best.accuracy).toFixed(0) + '%' : '-').join(' / ')}), ` +
    `${s.frames_while_busy} frames in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // A hand-picked sub-network: measured like the others, equal to the CLI's --config.
  const pick = 'd1,2,2-k5,3,5,5,3,5,5,3-e4,3,4,4,3,4,4,3';  // canonical: dropped blocks at the smallest choices
  const rm = await page.evaluate((c) => edgestudy.ui.set({ train: { ofa: { config: c, action: 'measure' } } }), pick);
  await page.waitForFunction(() => !edgestudy.ui.get().train.busy, null, { timeout: 300_000, polling: 250 });
  const m = (await page.evaluate(() => edgestudy.ui.get())).train.ofa;
  const mref = cliJson(wasmCli, ['lab', 'ofa', '--samples', '0', '--no-search', '--eval-limit', '100', '--recal-images', '100',
                                 '--latency-runs', '3', '--config', pick]);
  const mine = m.manual.length === 1 && m.points[m.manual[0]];
  const theirs = mref.points && mref.points.find((p) => p.config === pick);
  check(rm.ok === true && mine && mine.config === pick && mine.source === 'manual' && theirs && theirs.accuracy === mine.accuracy,
    `${label}: a picked sub-network is measured in the page as in the CLI (${mine ? (100 * mine.accuracy).toFixed(1) : '?'}%)`);
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-training-ofa.png`), fullPage: true });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'zh-TW' }));
  await frames(page, 3);
  await page.screenshot({ path: path.join(outDir, `${prefix}-training-ofa-zh-TW.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'en' }));
  const bad = await page.evaluate(() => [
    edgestudy.ui.set({ train: { ofa: { evals: 0 } } }),
    edgestudy.ui.set({ train: { ofa: { population: 'x' } } }),
    edgestudy.ui.set({ train: { ofa: { config: 'd9' } } }),
    edgestudy.ui.set({ train: { ofa: { action: 'jump' } } }),
    edgestudy.ui.set({ train: { ofa: { supernet: 'nosuch.esw' } } }),
    edgestudy.ui.set({ train: { ofa: { budget: 3 } } }),
    edgestudy.ui.set({ train: { ofa: { action: 'cancel', evals: 5 } } }),
    edgestudy.ui.set({ train: { ofa: { evals: 4294967299 } } }),
  ]);
  const after = (await page.evaluate(() => edgestudy.ui.get())).train;
  check(bad.every((b) => typeof b.error === 'string') && !after.busy && after.ofa.points.length === m.points.length &&
        after.ofa.settings.evals === 3 && after.ofa.settings.population === 2 && after.ofa.budget_ms === m.budget_ms,
    `${label}: bad Once-for-All requests answer errors, results untouched (${bad.map((b) => b.error).join(' | ')})`);
  const qz = await page.evaluate(() => { const r = edgestudy.ui.set({ quiz: { section: '4.3', start: 'due' } }); return [r, edgestudy.ui.get().quiz]; });
  const cur = qz[1] && qz[1].drill && qz[1].drill.current;
  check(qz[0].ok === true && cur && cur.bullet.startsWith('4.3.'), `${label}: a quiz drill scoped to §4.3 asks a 4.3 item (${cur ? cur.id : 'none'})`);
  await page.evaluate(() => edgestudy.ui.set({ panel: 'training', quiz: { quit: true } }));
}

async function testQuantCalc(page, label, prefix) {
  await page.evaluate(() => edgestudy.ui.set({ panel: 'quantization', lang: 'en' }));
  await frames(page, 3);
  const near = (a, b) => typeof a === 'number' && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
  const cases = [
    // Hand-checked: S = 4/255, Z = round(63.75) = 64, q = round(95.875) = 96.
    { name: 'asymmetric', set: { tab: 'calculator', rmin: -1, rmax: 3, bits: 8, signed: false, symmetric: false,
                                 restricted: false, value: 0.5 },
      cmd: { rmin: -1, rmax: 3, value: 0.5 }, expect: { scale: 4 / 255, zero_point: 64, qmin: 0, qmax: 255, q: 96 } },
    // a = 2, S = 2/127.5; +a lands on 127.5 → 128, clamped to 127.
    { name: 'symmetric-full', set: { rmin: -2, rmax: 1, signed: true, symmetric: true, value: 2 },
      cmd: { rmin: -2, rmax: 1, symmetric: true, value: 2 },
      expect: { scale: 2 / 127.5, zero_point: 0, qmin: -128, qmax: 127, q: 127, q_unclamped: 128 } },
    // S = 2/127, ±a exactly on ±127.
    { name: 'symmetric-restricted', set: { restricted: true },
      cmd: { rmin: -2, rmax: 1, symmetric: true, restricted: true, value: 2 },
      expect: { scale: 2 / 127, zero_point: 0, qmin: -127, qmax: 127, q: 127, q_unclamped: 127 } },
    { name: 'int4', set: { bits: 4, restricted: false, value: 1.1, rmin: -1, rmax: 3 },
      cmd: { rmin: -1, rmax: 3, bits: 4, symmetric: true, value: 1.1 },
      expect: { scale: 0.4, zero_point: 0, qmin: -8, qmax: 7, q: 3 } },
  ];
  for (const c of cases) {
    const r = await page.evaluate((s) => edgestudy.ui.set({ quant: s }), c.set);
    check(r.ok === true, `${label}: quant hook accepts the ${c.name} inputs`);
    await frames(page, 3);
    const ui = await page.evaluate(() => edgestudy.ui.get());
    const st = ui.quant;
    const api = await page.evaluate((a) => edgestudy.run({ cmd: 'calc quant', ...a }), c.cmd);
    const ok = ui.panel === 'quantization' && st.tab === 'calculator' && st.error === '' &&
      Object.entries(c.expect).every(([k, v]) => near(st[k], v)) &&
      near(st.scale, api.scale) && st.zero_point === api.zero_point && st.q === api.q &&
      st.qmin === api.qmin && st.qmax === api.qmax && near(st.dequantized, api.dequantized) &&
      near(st.rounding_error, api.error) && st.steps === api.steps.length;
    check(ok, `${label}: ${c.name}: the panel computes S = ${st.scale}, Z = ${st.zero_point}, q = ${st.q} ` +
      `in [${st.qmin}, ${st.qmax}], as calc quant does (${JSON.stringify(c.expect)})`);
    if (fs.existsSync(nativeCli)) {
      const flags = Object.entries(c.cmd).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, String(v)]));
      const nat = JSON.parse(execFileSync(nativeCli, ['calc', 'quant', ...flags, '--json']).toString());
      check(nat.q === api.q && nat.scale === api.scale && nat.zero_point === api.zero_point &&
            JSON.stringify(nat.steps) === JSON.stringify(api.steps),
        `${label}: ${c.name}: page and native build agree on calc quant`);
    }
    await page.screenshot({ path: path.join(outDir, `${prefix}-en-quant-${c.name}.png`) });
  }
  // The full-range case in Traditional Chinese: the same numbers, the steps in zh-TW.
  await page.evaluate(() => edgestudy.ui.set({ lang: 'zh-TW', quant: { rmin: -2, rmax: 1, bits: 8, value: 2 } }));
  await frames(page, 3);
  let st = (await page.evaluate(() => edgestudy.ui.get())).quant;
  check(st.q === 127 && st.q_unclamped === 128 && /對稱/.test(st.convention || ''),
    `${label}: zh-TW: full-range int8 clamps 128 to 127 (${st.convention})`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-zh-TW-quant-symmetric-full.png`) });

  // A refused field: the calculator's message for it, in the interface language; no result.
  await page.evaluate(() => edgestudy.ui.set({ quant: { bits: 9 } }));
  await frames(page, 3);
  st = (await page.evaluate(() => edgestudy.ui.get())).quant;
  check(st.field === 'bits' && /2 到 8/.test(st.error) && st.q === null && st.scale === null,
    `${label}: bits 9 refused next to its field in zh-TW ("${st.error}")`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-zh-TW-quant-bad-bits.png`) });
  await page.evaluate(() => edgestudy.ui.set({ lang: 'en', quant: { bits: 8, rmin: 3, rmax: 1 } }));
  await frames(page, 3);
  st = (await page.evaluate(() => edgestudy.ui.get())).quant;
  check(st.field === 'rmin' && /greater than --rmax/.test(st.error) && st.q === null,
    `${label}: r_min > r_max refused in English ("${st.error}")`);
  await page.evaluate(() => edgestudy.ui.set({ quant: { rmin: -2, rmax: 1, signed: false } }));
  await frames(page, 2);
  st = (await page.evaluate(() => edgestudy.ui.get())).quant;
  check(st.field === 'signed' && /signed type/.test(st.error), `${label}: symmetric with unsigned refused ("${st.error}")`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-en-quant-bad-unsigned.png`) });

  // Bad hook requests answer errors and change nothing.
  const bad = await page.evaluate(() => [edgestudy.ui.set({ quant: { tab: 'nowhere' } }),
                                         edgestudy.ui.set({ quant: { bits: 'eight' } }),
                                         edgestudy.ui.set({ quant: { rmin: '1', value: 2 } }),
                                         edgestudy.ui.set({ quant: { bogus: 1 } }),
                                         edgestudy.ui.set({ quant: [] })]);
  check(bad.every((b) => typeof b.error === 'string'), `${label}: bad quant requests answer errors (${bad.map((b) => b.error).join(' | ')})`);
  const after = (await page.evaluate(() => edgestudy.ui.get())).quant;
  check(after.value === 2 && after.rmin === -2, `${label}: a refused quant request changes nothing`);
  await page.evaluate(() => edgestudy.ui.set({ quant: { signed: true, rmin: -1, rmax: 3, value: 0.5 } }));

  // The STE tab in both languages.
  for (const lang of ['en', 'zh-TW']) {
    await page.evaluate((l) => edgestudy.ui.set({ lang: l, quant: { tab: 'ste' } }), lang);
    await frames(page, 4);
    st = (await page.evaluate(() => edgestudy.ui.get())).quant;
    check(st.tab === 'ste' && st.ste.levels === 8 && st.ste.scale === 0.5, `${label}: the STE tab opens (${lang})`);
    await page.screenshot({ path: path.join(outDir, `${prefix}-${lang}-quant-ste.png`) });
  }
  await page.evaluate(() => edgestudy.ui.set({ lang: 'en', quant: { tab: 'calculator' } }));
  await frames(page, 3);
  check((await page.evaluate(() => edgestudy.ui.get().quant.tab)) === 'calculator', `${label}: back to the calculator tab`);
}

// The quiz in the page: answers graded and saved to IndexedDB after each one, kept across a
// reload; export (also as a download) and import, a bad import refused with progress intact;
// a corrupt store moved aside and reported, the app still working.
async function testQuiz(browser, url, origin, label, prefix) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', acceptDownloads: true });
  const page = await context.newPage();
  const report = watch(page, origin, `${label} (quiz)`);
  await page.goto(url);
  await waitReady(page);
  const quiz = async () => (await page.evaluate(() => edgestudy.ui.get())).quiz;
  const expectedFor = async (q) => {
    const probe = q.type === 'numeric' ? '0' : q.type === 'tf' ? 'true' : 'A';
    return (await page.evaluate((a) => edgestudy.run({ cmd: 'quiz grade', id: a.id, answer: a.probe }), { id: q.id, probe })).expected;
  };
  let r = await page.evaluate(() => edgestudy.ui.set({ panel: 'quiz', quiz: { start: 'generated', limit: 5 } }));
  check(r.ok === true, `${label}: a generated drill starts (${JSON.stringify(r)})`);
  await frames(page, 3);
  let st = await quiz();
  const q1 = st.drill?.current;
  check(st.drill?.total === 5 && /^gen:/.test(q1?.id || ''), `${label}: quiz asks a generated problem (${q1?.id})`);
  const right = await expectedFor(q1);
  r = await page.evaluate((a) => edgestudy.ui.set({ quiz: { answer: a } }), right);
  await frames(page, 2);
  st = await quiz();
  check(r.ok === true && st.drill.verdict?.correct === true && st.drill.verdict.steps > 0,
    `${label}: the right answer (${right}) is graded correct, with the worked solution`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-quiz-verdict.png`) });
  await page.evaluate(() => edgestudy.ui.set({ quiz: { continue: true } }));
  await frames(page, 2);
  const q2 = (await quiz()).drill.current;
  if (q2.type === 'numeric') {
    const bad = await page.evaluate(() => edgestudy.ui.set({ quiz: { answer: 'twelve' } }));
    check(typeof bad.error === 'string', `${label}: a word for a number is refused, not graded (${bad.error})`);
  }
  const wrong = q2.type === 'numeric' ? String(Number(await expectedFor(q2)) * 3 + 7) : (await expectedFor(q2)) === 'A' ? 'B' : 'A';
  await page.evaluate((a) => edgestudy.ui.set({ quiz: { answer: a } }), wrong);
  await frames(page, 2);
  st = await quiz();
  check(st.drill.verdict?.correct === false && st.answers === 2, `${label}: a wrong answer is graded wrong; 2 answers recorded`);
  await page.waitForFunction(() => !edgestudy.storage.saving() && edgestudy.storage.saves() > 0, null, { timeout: 10_000 });

  // Export, as the button does (a download) and through the hook.
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }),
                                        page.evaluate(() => edgestudy.ui.set({ quiz: { export_file: true } }))]);
  const file = await download.path();
  const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
  check(/^edgestudy-progress-\d{8}-\d{6}\.json$/.test(download.suggestedFilename()) && exported.format === 'edgestudy-progress' &&
        exported.history.length === 2, `${label}: Export downloads ${download.suggestedFilename()} with both answers`);
  const text = (await page.evaluate(() => edgestudy.ui.set({ quiz: { export: true } }))).export;
  const badImport = await page.evaluate(() => edgestudy.ui.set({ quiz: { import: '{"format": "something-else", "version": 1}' } }));
  check(typeof badImport.error === 'string' && (await quiz()).answers === 2,
    `${label}: a foreign file is refused and progress is untouched (${badImport.error})`);
  r = await page.evaluate((t) => edgestudy.ui.set({ quiz: { import: t } }), text);
  check(r.ok === true && (await quiz()).answers === 2, `${label}: the export imports back`);

  // Once the saves are done: reload, open the quiz, read its state.
  const reloadQuiz = async () => {
    await page.waitForFunction(() => !edgestudy.storage.saving(), null, { timeout: 10_000 });
    await page.reload();
    await waitReady(page);
    await page.evaluate(() => edgestudy.ui.set({ panel: 'quiz' }));
    await frames(page, 3);
    return quiz();
  };
  // Reload: the answers are still there.
  st = await reloadQuiz();
  check(st?.answers === 2 && st.storage.status === 'ok', `${label}: quiz progress survives a reload (${st?.answers} answers, ${st?.storage.status})`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-quiz-dashboard.png`) });

  // A corrupt store: moved aside, reported, a fresh start that works.
  await page.evaluate(() => { Module.FS.writeFile('/edgestudy/progress.json', '{"format": "edgestudy-progress", "vers'); Module.esPersist(); });
  st = await reloadQuiz();
  check(st?.storage.status === 'corrupt' && /progress\.json\.corrupt-/.test(st.storage.moved_to) && st.answers === 0,
    `${label}: a corrupt progress file is moved aside (${st?.storage.moved_to}) and reported`);
  r = await page.evaluate(() => edgestudy.ui.set({ quiz: { start: 'due' } }));
  await frames(page, 2);
  check(r.ok === true && (await quiz()).drill?.total > 0, `${label}: the quiz works after a corrupt store`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-quiz-corrupt.png`) });

  // Keyboard first: answer with the keys the question shows, continue with Space.
  await page.mouse.click(640, 700);  // focus the canvas (an empty spot)
  for (let i = 0; i < 3; ++i) {
    const q = (await quiz()).drill.current;
    const exp = await expectedFor(q);
    if (q.type === 'tf') await page.keyboard.press(exp === 'true' ? 't' : 'f');
    else if (q.type === 'single') await page.keyboard.press(String(exp.charCodeAt(0) - 64));
    else if (q.type === 'multi') {
      for (const letter of exp.split(/[ ,]+/)) await page.keyboard.press(String(letter.charCodeAt(0) - 64));
      await page.keyboard.press('Enter');
    } else { await page.keyboard.type(exp); await frames(page, 2); await page.keyboard.press('Enter'); }
    await frames(page, 3);
    st = await quiz();
    check(st.drill.verdict?.correct === true,
      `${label}: keyboard answer to a ${q.type} question (${exp}) graded correct (${JSON.stringify(st.drill.verdict || st.drill.form_error || null)})`);
    await page.keyboard.press('Space');
    await frames(page, 3);
    const moved = (await quiz()).drill;
    check(moved.pos === i + 1 && !moved.verdict,
      `${label}: Space moves to the next question (${q.type}: pos ${moved.pos}, verdict ${JSON.stringify(moved.verdict)})`);
  }
  report();
  await context.close();
}

async function testPanels(page, label, prefix) {
  for (const lang of ['zh-TW', 'en']) {
    const r = await page.evaluate((l) => edgestudy.ui.set({ lang: l }), lang);
    check(r.ok === true, `${label}: switch language to ${lang}`);
    await frames(page, 3);
    for (const panel of PANELS) {
      const ok = await clickTab(page, panel);
      check(ok, `${label}: clicking the ${panel} tab opens it (${lang})`);
      const st = await page.evaluate(() => edgestudy.ui.get());
      check(st.lang === lang, `${label}: language stays ${lang} on ${panel}`);
      await page.screenshot({ path: path.join(outDir, `${prefix}-${lang}-${panel}.png`) });
    }
  }
}

async function testKeyboard(page, label) {
  await clickTab(page, 'calculators');
  await page.keyboard.press(']');
  await frames(page, 3);
  check((await page.evaluate(() => edgestudy.ui.get().panel)) === 'architectures', `${label}: ] opens the next panel`);
  await page.keyboard.press('[');
  await page.keyboard.press('[');
  await frames(page, 4);
  check((await page.evaluate(() => edgestudy.ui.get().panel)) === 'settings', `${label}: [ wraps to the last panel`);
}

async function testResize(page, label) {
  await page.setViewportSize({ width: 900, height: 640 });
  await frames(page, 4);
  let st = await page.evaluate(() => edgestudy.ui.get());
  check(st.framebuffer[0] === 900 && st.framebuffer[1] === 640,
    `${label}: canvas follows a resize to 900x640 (got ${st.framebuffer})`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await frames(page, 4);
  st = await page.evaluate(() => edgestudy.ui.get());
  check(st.framebuffer[0] === 1280 && st.framebuffer[1] === 800, `${label}: and back to 1280x800`);
}

// Runs one lab's test and prints how long it took (the suite's time is watched: CI has a budget).
async function timed(name, fn) {
  const t0 = Date.now();
  await fn();
  console.log(`  [${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s]`);
}

async function testPage(browser, url, origin, label, prefix) {
  console.log(`# ${label}: ${url}`);
  // Fresh English context: default language follows the browser locale.
  let context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  let page = await context.newPage();
  let report = watch(page, origin, label);
  const t0 = Date.now();
  await page.goto(url);
  await waitReady(page);
  console.log(`  ready in ${Date.now() - t0} ms`);
  check((await page.evaluate(() => document.documentElement.getAttribute('data-edgestudy-ready'))) === '1',
    `${label}: ready attribute set`);
  check((await page.evaluate(() => edgestudy.ui.get().lang)) === 'en', `${label}: en-US browser defaults to English`);
  check((await page.evaluate(() => edgestudy.ui.get().shader_ok)) === true, `${label}: WebGL2 heatmap shader renders the right colours`);
  await timed('api', () => testApi(page, label));
  if (prefix === 'single' && want('modellab')) await timed('modellab', () => testModelLab(page, label, prefix));
  if (prefix === 'single' && want('architectures')) await timed('architectures', () => testArchitectures(page, label, prefix));
  if (prefix === 'single' && want('quantlab')) await timed('quantlab', () => testQuantLab(page, label, prefix));
  await timed('quantcalc', () => testQuantCalc(page, label, prefix));
  if (prefix === 'single' && want('pruning')) await timed('pruning', () => testPruning(page, label, prefix));
  if (prefix === 'single' && want('results')) await timed('results', () => testResults(page, label, prefix));
  if (prefix === 'single' && want('training')) await timed('training', () => testTraining(page, label, prefix));
  if (prefix === 'single' && want('ofa')) await timed('ofa', () => testOfa(page, label, prefix));
  await timed('panels', () => testPanels(page, label, prefix));
  await testKeyboard(page, label);
  await testResize(page, label);

  // Persistence: choose zh-TW, wait for the IndexedDB save, reload: still zh-TW.
  await page.evaluate(() => edgestudy.ui.set({ lang: 'zh-TW', theme: 'light' }));
  await frames(page, 2);
  await page.waitForFunction(() => !edgestudy.storage.saving() && edgestudy.storage.saves() > 0, null, { timeout: 10_000 });
  await page.reload();
  await waitReady(page);
  const after = await page.evaluate(() => edgestudy.ui.get());
  check(after.lang === 'zh-TW' && after.theme === 'light', `${label}: language and theme remembered across reload`);
  check((await page.evaluate(() => edgestudy.storage.error())) === null, `${label}: no storage error`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-light-after-reload.png`) });
  report();
  await context.close();

  if (prefix === 'single') await timed('quiz', () => testQuiz(browser, url, origin, label, prefix));

  // A zh-TW browser with no saved choice defaults to Traditional Chinese.
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-TW' });
  page = await context.newPage();
  report = watch(page, origin, `${label} (zh-TW locale)`);
  await page.goto(url);
  await waitReady(page);
  check((await page.evaluate(() => edgestudy.ui.get().lang)) === 'zh-TW', `${label}: zh-TW browser defaults to 繁體中文`);
  report();
  await context.close();

  // HiDPI: backing store = CSS size x devicePixelRatio, UI scaled, clicks still land.
  context = await browser.newContext({ viewport: { width: 800, height: 600 }, deviceScaleFactor: 2, locale: 'en-US' });
  page = await context.newPage();
  report = watch(page, origin, `${label} (HiDPI)`);
  await page.goto(url);
  await waitReady(page);
  await frames(page, 3);
  const hd = await page.evaluate(() => edgestudy.ui.get());
  check(hd.framebuffer[0] === 1600 && hd.framebuffer[1] === 1200, `${label}: HiDPI backing store 1600x1200 (got ${hd.framebuffer})`);
  check(Math.abs(hd.scale - 2) < 1e-6, `${label}: HiDPI UI scale 2 (got ${hd.scale})`);
  check(await clickTab(page, 'quiz'), `${label}: HiDPI click on the quiz tab`);
  await page.screenshot({ path: path.join(outDir, `${prefix}-hidpi-quiz.png`) });
  report();
  await context.close();
}

async function main() {
  for (const f of [path.join(site, 'edgestudy.html'), single]) {
    if (!fs.existsSync(f)) { console.error(`e2e: ${f} not found (build the web target first)`); process.exit(2); }
  }
  const server = await startServer({ dir: site, port: 0 });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    await testPage(browser, `${origin}/edgestudy.html`, origin, 'served page', 'served');
    await testPage(browser, pathToFileURL(single).href, 'file', 'single file (file://)', 'single');
  } catch (e) {
    check(false, `exception: ${e.stack || e}`);
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`screenshots in ${outDir}`);
  if (failures.length) console.log(`failures:\n  ${failures.join('\n  ')}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
