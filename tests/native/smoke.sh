#!/usr/bin/env bash
# Desktop smoke test: run the real app under a virtual X server for a few frames in each
# language, save screenshots, and check each is a decodable PNG of the window's size.
set -euo pipefail
app="$1"
out="$2"
mkdir -p "$out"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
for lang in zh-TW en; do
    png="$out/desktop-$lang-settings.png"
    rm -f "$png"
    EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x900x24" \
        "$app" --frames 6 --lang "$lang" --panel settings --size 1280x800 --screenshot "$png" > "$out/state-$lang.json"
    size="$(identify -format '%wx%h' "$png")"
    [ "$size" = "1280x800" ] || { echo "screenshot $png is $size, expected 1280x800"; exit 1; }
    # A blank frame would have one colour; a drawn UI has many.
    colours="$(convert "$png" -format '%k' info:)"
    [ "$colours" -gt 8 ] || { echo "screenshot $png has only $colours colours: nothing drawn?"; exit 1; }
    grep -q "\"lang\":\"$lang\"" "$out/state-$lang.json" || { echo "app did not switch to $lang"; cat "$out/state-$lang.json"; exit 1; }
    grep -q '"panel":"settings"' "$out/state-$lang.json" || { echo "app did not open settings"; exit 1; }
    grep -q '"shader_ok":true' "$out/state-$lang.json" || { echo "heatmap shader check failed"; cat "$out/state-$lang.json"; exit 1; }
    echo "ok: $png ($size, $colours colours)"
done
# The Model lab on the desktop (the last language chosen is en, checked below): a shipped model looks inside a test image (feature maps
# through the GL3 heatmap shader), and evaluates the test subset frame by frame.
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
    "$app" --frames 4 --lang zh-TW --panel models --size 1280x960 --lab '{"action":"inspect","image":3}' \
    --screenshot "$out/desktop-zh-TW-models.png" > "$out/state-models.json"
if grep -q '"shipped":\[\]' "$out/state-models.json"; then
    echo "note: no shipped models in this build; Model lab checks skipped"
else
    grep -q '"inspect":{' "$out/state-models.json" || { echo "Model lab did not look inside"; cat "$out/state-models.json"; exit 1; }
    EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
        "$app" --frames 2 --wait-lab --lang en --panel models --size 1280x960 --lab '{"action":"eval"}' \
        --screenshot "$out/desktop-en-models-eval.png" > "$out/state-models-eval.json"
    grep -q '"eval":{"accuracy"' "$out/state-models-eval.json" && grep -q '"n":2000' "$out/state-models-eval.json" ||
        { echo "Model lab evaluation did not finish"; cat "$out/state-models-eval.json"; exit 1; }
    echo "ok: Model lab (look inside, evaluation in slices)"
fi
# The architecture explorer: a ShuffleNet V1 unit drawn, its shuffle step-through at the last step.
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
    "$app" --frames 4 --lang en --panel architectures --size 1280x960 --arch '{"preset":"snv1_stage2","shuffle_step":3}' \
    --screenshot "$out/desktop-en-architectures.png" > "$out/state-arch.json"
grep -q '"arch":{"error":"","family":"shufflenet_v1","macs":7949760' "$out/state-arch.json" ||
    { echo "architecture explorer did not draw the ShuffleNet V1 unit"; cat "$out/state-arch.json"; exit 1; }
echo "ok: architecture explorer"
# The quantization calculator on the desktop: symmetric full-range int8 over [-2, 1], r = 2
# lands on 127.5, rounds to 128 and is clamped to 127; then the STE tab; a bad request exits 2.
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
    "$app" --frames 4 --lang zh-TW --panel quantization --size 1280x960 \
    --quant '{"tab":"calculator","rmin":-2,"rmax":1,"bits":8,"signed":true,"symmetric":true,"value":2}' \
    --screenshot "$out/desktop-zh-TW-quantization.png" > "$out/state-quant.json"
grep -q '"error":"","field":"","q":127,"q_unclamped":128,"qmax":127,"qmin":-128' "$out/state-quant.json" &&
    grep -q '"scale":0.01568627450980392' "$out/state-quant.json" && grep -q '"tab":"calculator"' "$out/state-quant.json" ||
    { echo "the quantization calculator did not compute the full-range int8 case"; cat "$out/state-quant.json"; exit 1; }
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
    "$app" --frames 4 --lang en --panel quantization --size 1280x960 --quant '{"tab":"ste"}' \
    --screenshot "$out/desktop-en-quantization-ste.png" > "$out/state-quant-ste.json"
grep -q '"tab":"ste"' "$out/state-quant-ste.json" ||
    { echo "the STE tab did not open"; cat "$out/state-quant-ste.json"; exit 1; }
set +e
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a "$app" --frames 1 --quant '{"bits":"eight"}' 2>/dev/null; rc=$?
set -e
[ "$rc" = 2 ] || { echo "--quant with a bad field should exit 2, got $rc"; exit 1; }
echo "ok: quantization calculator and STE tab"
# The quiz on the desktop: a generated problem answered, the progress file written atomically.
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
    "$app" --frames 4 --lang en --panel quiz --size 1280x960 --quiz '{"start":"generated","answer":"1"}' \
    --screenshot "$out/desktop-en-quiz.png" > "$out/state-quiz.json"
grep -q '"answers":1' "$out/state-quiz.json" && grep -q '"format": "edgestudy-progress"' "$home/progress.json" ||
    { echo "the quiz did not record and save an answer"; cat "$out/state-quiz.json"; exit 1; }
echo "ok: quiz (answer recorded, progress saved)"
# The quantization lab on the desktop: a model quantized, a worked integer output equal to the engine's.
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x2000x24" \
    "$app" --frames 4 --lang en --panel quantization --size 1280x1900 \
    --qlab '{"model":"tiny_mobilenet_v3","calib_images":64,"action":"trace","image":2,"y":3,"x":4,"channel":1}' \
    --screenshot "$out/desktop-en-quantization.png" > "$out/state-qlab.json"
python3 - "$out/state-qlab.json" <<'PY' || { echo "the quantization lab did not trace an integer output"; cat "$out/state-qlab.json"; exit 1; }
import json, sys
q = json.load(open(sys.argv[1]))["qlab"]
assert q["ready"] and q["model"] == "tiny_mobilenet_v3", q
assert q["trace"]["out_q"] == q["trace"]["engine_q"] and q["trace"]["terms"] > 0, q
PY
echo "ok: quantization lab"
# The 2:4 visualizer on the desktop: a real layer, two of every four kept.
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x2000x24" \
    "$app" --frames 4 --lang en --panel pruning --size 1280x1900 \
    --prune '{"model":"tiny_shufflenet_v2","row":2,"dtype":"int8"}' \
    --screenshot "$out/desktop-en-pruning.png" > "$out/state-prune.json"
python3 - "$out/state-prune.json" <<'PY' || { echo "the 2:4 visualizer did not show a layer"; cat "$out/state-prune.json"; exit 1; }
import json, sys
p = json.load(open(sys.argv[1]))["prune"]
assert p["model"] == "tiny_shufflenet_v2" and p["row"] == 2 and p["dtype"] == "int8", p
keep = p["window"]["keep"]
assert all(sum(keep[i:i + 4]) == 2 for i in range(0, len(keep), 4)), p
PY
echo "ok: pruning (2:4 visualizer)"
# Once-for-All on the desktop: sub-networks of the shipped supernet tested, both searches run.
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x2000x24" \
    "$app" --frames 4 --wait-lab --lang en --panel training --size 1280x1900 \
    --train '{"tab":"ofa","ofa":{"samples":1,"evals":2,"population":2,"eval_limit":100,"recal_images":100,"latency_runs":3}}' \
    --screenshot "$out/desktop-en-ofa.png" > "$out/state-ofa.json"
python3 - "$out/state-ofa.json" <<'PY' || { echo "the Once-for-All tab did not finish"; cat "$out/state-ofa.json"; exit 1; }
import json, sys
t = json.load(open(sys.argv[1]))["train"]
o = t["ofa"]
assert t["tab"] == "ofa" and o["finished"] and len(o["points"]) >= 3 and len(o["searches"]) == 2, o
assert all(0 <= p["accuracy"] <= 1 and p["latency_ms"] > 0 for p in o["points"]), o
PY
echo "ok: training (Once-for-All)"
# The language chosen last was saved and is remembered by the next run.
EDGESTUDY_HOME="$home" LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a "$app" --frames 2 --screenshot "$out/desktop-remembered.png" > "$out/state-remembered.json"
grep -q '"lang":"en"' "$out/state-remembered.json" || { echo "language not remembered"; cat "$out/state-remembered.json"; exit 1; }
# Bad arguments are refused with exit code 2.
set +e
"$app" --size 10x10 2>/dev/null; rc=$?
set -e
[ "$rc" = 2 ] || { echo "--size 10x10 should exit 2, got $rc"; exit 1; }
echo "desktop smoke: ok"
