#!/usr/bin/env bash
# EdgeStudy build driver.
#
#   ./build.sh run            set up if needed, build the web page, serve it on http://127.0.0.1:8080
#   ./build.sh run --native   set up if needed, build and open the desktop window
#   ./build.sh test           set up if needed, build everything, run every test suite
#   ./build.sh setup          install the toolchain and dependencies (idempotent, fast when done)
#   ./build.sh native         build the desktop app, the CLI and the native tests   (build/native)
#   ./build.sh web            build the page, the wasm CLI and the wasm tests        (build/web)
#   ./build.sh dist           build the single-file page dist/edgestudy.html (works from file://)
#   ./build.sh fuzz [SECS]    fuzz the file and request parsers (libFuzzer), SECS per target
#   ./build.sh weights        train the five tiny presets into web/models/ (hours; EPOCHS=N)
#   ./build.sh qat-weights    QAT fine-tunes of the five presets: web/models/NAME.qat4.esw (BITS=N, STEPS=N)
#   ./build.sh channels-weights  channel-pruned fine-tunes: web/models/NAME.channels{25,50}.esw (STEPS, PRESETS, PCTS)
#   ./build.sh ofa-weights    the Once-for-All supernet: web/models/ofa_mobilenet_v2.esw (about 25 min; STEPS_SCALE=N%)
#   ./build.sh prune-weights  pruned fine-tunes: web/models/NAME.{pruned50,pruned70,pruned90,sparse24}.esw (STEPS=N, PRESETS="...")
#
# Every dependency comes from Debian's packages or the npm registry (see setup below).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

DEPS="$ROOT/.deps"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
BUILD_TYPE="${BUILD_TYPE:-Release}"

# Emscripten 3.1.6 from Debian: its JS tools need Debian's node modules and Debian's python.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
export EMSDK_PYTHON=/usr/bin/python3

APT_PACKAGES=(
    build-essential cmake ninja-build pkg-config dpkg-dev
    clang libclang-rt-14-dev         # libFuzzer + sanitizers for the parsers' fuzz targets
    emscripten                       # wasm toolchain (clang 14 + binaryen)
    libglfw3-dev libgl-dev           # desktop window
    doctest-dev                      # tests
    libsimde-dev                     # wasm_simd128 intrinsics natively
    nlohmann-json3-dev libcli11-dev  # JSON, CLI parsing
    fonts-wqy-microhei python3-fonttools   # CJK font, subset at build time
    dataset-fashion-mnist            # the data the models learn from
    chromium                         # headless browser tests
    xvfb xauth libgl1-mesa-dri imagemagick  # desktop smoke test + screenshots
)
# node and npm come with the machine (a newer Node.js than Debian's, whose npm conflicts
# with it); Debian's are installed only where none is present.

log() { printf '\033[1m[build.sh]\033[0m %s\n' "$*" >&2; }
die() { printf '[build.sh] error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        die "need root to run: $* (re-run as root or install sudo)"; fi
}

# --- setup -------------------------------------------------------------------------------
setup_missing() {
    # Prints what is missing; prints nothing when everything is present.
    local c
    for c in cmake clang++ emcc em++ chromium xvfb-run node npm convert dpkg-source; do
        command -v "$c" >/dev/null 2>&1 || echo "command:$c"
    done
    local f
    for f in /usr/include/doctest/doctest.h /usr/include/simde/wasm/simd128.h \
             /usr/include/nlohmann/json.hpp /usr/include/CLI/CLI.hpp /usr/include/GLFW/glfw3.h \
             /usr/share/fonts/truetype/wqy/wqy-microhei.ttc \
             /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \
             /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so; do
        [ -e "$f" ] || echo "file:$f"
    done
    /usr/bin/python3 -c 'import fontTools.subset' 2>/dev/null || echo "python:fontTools"
    [ -f "$DEPS/imgui/imgui.cpp" ] && [ -f "$DEPS/imgui/backends/imgui_impl_glfw.cpp" ] || echo "imgui-source"
    [ -f "$DEPS/include/nlohmann/json.hpp" ] && [ -f "$DEPS/include/doctest/doctest.h" ] \
        && [ -f "$DEPS/include/CLI/CLI.hpp" ] || echo "header-copies"
    [ -f node_modules/playwright-core/package.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
        || echo "npm:playwright-core"
}

enable_deb_src() {
    # `apt-get source imgui` needs deb-src entries.
    local changed=0
    if [ -f /etc/apt/sources.list.d/debian.sources ] && \
       ! grep -q '^Types:.*deb-src' /etc/apt/sources.list.d/debian.sources; then
        as_root sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
        changed=1
    fi
    if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list && \
       ! grep -q '^deb-src ' /etc/apt/sources.list; then
        as_root sh -c "grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >> /etc/apt/sources.list"
        changed=1
    fi
    echo "$changed"
}

cmd_setup() {
    local missing
    missing="$(setup_missing)"
    if [ -z "$missing" ]; then
        log "setup: everything present"
        return 0
    fi
    log "setup: missing: $(echo "$missing" | tr '\n' ' ')"
    local need_apt=0
    if echo "$missing" | grep -qE '^(command|file|python):'; then need_apt=1; fi
    if echo "$missing" | grep -q '^imgui-source'; then need_apt=1; fi

    if [ "$need_apt" = 1 ]; then
        enable_deb_src >/dev/null
        log "apt-get update"
        as_root apt-get update -qq
        local pkgs=("${APT_PACKAGES[@]}")
        command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
        command -v npm >/dev/null 2>&1 || pkgs+=(npm)
        log "apt-get install ${#pkgs[@]} packages"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${pkgs[@]}" >/tmp/edgestudy-apt.log 2>&1 || { tail -n 20 /tmp/edgestudy-apt.log >&2; die "apt-get install failed"; }
    fi

    if [ ! -f "$DEPS/imgui/imgui.cpp" ] || [ ! -f "$DEPS/imgui/backends/imgui_impl_glfw.cpp" ]; then
        log "fetching Dear ImGui sources (apt-get source imgui) into .deps/imgui"
        local tmp
        tmp="$(mktemp -d)"
        (cd "$tmp" && apt-get source -qq imgui >/dev/null 2>&1) || die "apt-get source imgui failed (is deb-src enabled?)"
        local src
        src="$(find "$tmp" -maxdepth 1 -type d -name 'imgui-*' | head -n1)"
        [ -n "$src" ] && [ -f "$src/imgui.cpp" ] || die "apt-get source imgui produced no imgui.cpp"
        mkdir -p "$DEPS"
        rm -rf "$DEPS/imgui"
        mv "$src" "$DEPS/imgui"
        rm -rf "$tmp"
    fi

    # Header-only libraries are copied next to the sources so that emcc never sees -I/usr/include.
    mkdir -p "$DEPS/include"
    local h
    for h in nlohmann doctest CLI; do
        rm -rf "$DEPS/include/$h"
        cp -r "/usr/include/$h" "$DEPS/include/$h"
    done

    if [ ! -f node_modules/playwright-core/package.json ] || \
       [ ! node_modules/.package-lock.json -nt package-lock.json ]; then
        log "npm ci (playwright-core, pinned by package-lock.json)"
        npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed"
        touch node_modules/.package-lock.json
    fi

    missing="$(setup_missing)"
    [ -z "$missing" ] || die "setup incomplete, still missing: $(echo "$missing" | tr '\n' ' ')"
    log "setup: done"
}

# --- builds ------------------------------------------------------------------------------
# build_in DIR CONFIGURE...: configures DIR once with the given command, then builds it.
build_in() {
    local dir="$1"
    shift
    cmd_setup
    local gen=()
    command -v ninja >/dev/null && gen=(-G Ninja)
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        "$@" -S . -B "$dir" "${gen[@]}" >/dev/null
    fi
    log "building $dir"
    cmake --build "$dir" -j "$JOBS"
}

cmd_native() { build_in build/native cmake -DCMAKE_BUILD_TYPE="$BUILD_TYPE"; }

cmd_web() {
    build_in build/web emcmake cmake -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node
}

cmd_fuzz_build() {
    CC=clang CXX=clang++ build_in build/fuzz cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DES_FUZZ=ON
}

cmd_fuzz() {
    # ./build.sh fuzz [seconds per target]: longer fuzzing than the test suite's bounded runs.
    local secs="${1:-60}"
    [[ "$secs" =~ ^[0-9]+$ ]] || die "fuzz: seconds must be a whole number, got '$secs'"
    cmd_fuzz_build
    local t
    for t in settings api_request weights gzip progress; do
        log "fuzzing $t for ${secs}s"
        mkdir -p "build/fuzz/corpus/$t"
        "build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=4096 "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t"
    done
}

cmd_weights() {
    # The exact commands that produce the tiny presets' shipped weights (web/models/*.esw),
    # two trainings at a time on the two cores. Each writes PRESET.train.json beside the
    # weights (history and test accuracy on all 10,000 test images). Hours, not a test:
    #   ./build.sh weights                 # EPOCHS=8 by default (slowest presets first)
    #   EPOCHS=1 LIMIT=2048 ./build.sh weights   # a quick rehearsal of the pipeline
    cmd_native
    local epochs="${EPOCHS:-8}" limit="${LIMIT:-0}"
    [[ "$epochs" =~ ^[0-9]+$ && "$limit" =~ ^[0-9]+$ ]] || die "weights: EPOCHS and LIMIT must be whole numbers"
    mkdir -p web/models
    printf '%s\n' tiny_shufflenet_v1 tiny_shufflenet_v2 tiny_mobilenet_v2 tiny_mobilenet_v1 tiny_mobilenet_v3 |
        xargs -P 2 -I{} sh -c "./build/native/edgestudy-cli train --arch {} --epochs $epochs --batch 64 --lr 0.1 \
            --seed 1 --limit $limit --out web/models/{}.esw --json > web/models/{}.train.json 2> web/models/{}.train.log \
            && echo '{}: done' || { echo '{}: failed (see web/models/{}.train.log)'; exit 1; }"
    # Keep one progress line per epoch (the last) in each log.
    for l in web/models/*.train.log; do
        /usr/bin/python3 - "$l" <<'PY'
import re, sys
path = sys.argv[1]
lines = [seg.split("\r")[-1] for seg in open(path).read().split("\n") if seg.strip()]
last, order = {}, []
for line in lines:
    m = re.match(r"epoch (\d+)/", line)
    key = m.group(1) if m else line
    if key not in last:
        order.append(key)
    last[key] = line
open(path, "w").write("\n".join(last[k] for k in order) + "\n")
PY
    done
    for p in web/models/*.train.json; do
        printf '%s: test accuracy %s\n' "$(basename "$p" .train.json)" \
            "$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(d.test_accuracy ?? d.error)' "$p")"
    done
}

cmd_qat_weights() {
    # The exact commands that produce the quantization-aware-trained presets
    # web/models/NAME.qat<BITS>.esw from the shipped weights (src/quant/qat.h), one preset at a
    # time. Each writes NAME.qat<BITS>.json beside it: float, simulated PTQ/QAT and integer-engine
    # PTQ/QAT accuracy on the page's 2,000 test images, and the loss history. Minutes per preset:
    #   ./build.sh qat-weights                  # BITS=4, STEPS=800 (batch 32: 25,600 images)
    #   BITS=2 STEPS=50 ./build.sh qat-weights  # a quick rehearsal
    cmd_native
    local bits="${BITS:-4}" steps="${STEPS:-800}" p failed=0
    [[ "$bits" =~ ^[2-8]$ && "$steps" =~ ^[0-9]+$ ]] || die "qat-weights: BITS must be 2..8 and STEPS a whole number"
    for p in tiny_mobilenet_v1 tiny_mobilenet_v2 tiny_mobilenet_v3 tiny_shufflenet_v1 tiny_shufflenet_v2; do
        [ -f "web/models/$p.esw" ] || die "qat-weights: web/models/$p.esw is missing (./build.sh weights trains it)"
        log "qat $p: $bits-bit weights, $steps steps"
        if ./build/native/edgestudy-cli qat --model "$p" --bits "$bits" --steps "$steps" --batch 32 --seed 1 --int8 \
                --subset web --out "web/models/$p.qat$bits.esw" --json > "web/models/$p.qat$bits.json"; then
            node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
                console.log(`${d.model}: fp32 ${d.accuracy_fp32}  PTQ sim ${d.accuracy_ptq_sim} int8 ${d.accuracy_ptq_int8}  ` +
                            `QAT sim ${d.accuracy_qat_sim} int8 ${d.accuracy_qat_int8}  (${d.out_bytes} bytes, ${Math.round(d.seconds)} s)`)' \
                "web/models/$p.qat$bits.json"
        else
            echo "$p: failed (see web/models/$p.qat$bits.json)"
            failed=1
        fi
    done
    return "$failed"
}

cmd_channels_weights() {
    # The exact commands that produce the channel-pruned presets web/models/NAME.channels25.esw
    # and NAME.channels50.esw from the shipped weights (src/prune/channels.h): 25% / 50% of the
    # channels of every prunable layer removed by L1 filter norm, then fine-tuned (SGD, cosine,
    # batch 32, STEPS steps). Each writes NAME.channelsNN.json beside it: accuracy before, after
    # removal and after fine-tuning on the page's 2,000 test images, params, MACs, and the
    # native batch-1 latency of dense and pruned timed interleaved.
    #   ./build.sh channels-weights                                   # STEPS=400, all five, 25 and 50
    #   STEPS=20 PRESETS=tiny_mobilenet_v2 PCTS=25 ./build.sh channels-weights  # a quick rehearsal
    cmd_native
    local steps="${STEPS:-400}" p pct failed=0
    local presets="${PRESETS:-tiny_mobilenet_v1 tiny_mobilenet_v2 tiny_mobilenet_v3 tiny_shufflenet_v1 tiny_shufflenet_v2}"
    [[ "$steps" =~ ^[0-9]+$ ]] || die "channels-weights: STEPS must be a whole number"
    for p in $presets; do
        [ -f "web/models/$p.esw" ] || die "channels-weights: web/models/$p.esw is missing (./build.sh weights trains it)"
        for pct in ${PCTS:-25 50}; do
            [[ "$pct" =~ ^(25|50)$ ]] || die "channels-weights: PCTS holds 25 and/or 50"
            log "prune-channels $p: $pct% of the channels, $steps steps"
            if ./build/native/edgestudy-cli prune-channels --model "$p" --fraction "0.$pct" --norm l1 --steps "$steps" \
                    --batch 32 --lr 0.01 --seed 1 --subset web --out "web/models/$p.channels$pct.esw" --json \
                    > "web/models/$p.channels$pct.json"; then
                node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
                    console.log(`${d.model} ${d.fraction}: acc ${d.accuracy_before} -> removed ${d.accuracy_removed} -> ` +
                                `fine-tuned ${d.accuracy_finetuned}; MACs ${d.macs_before} -> ${d.macs_after}; ` +
                                `native speedup ${d.speedup.toFixed(2)}x (${Math.round(d.seconds)} s)`)' \
                    "web/models/$p.channels$pct.json"
            else
                echo "$p $pct%: failed (see web/models/$p.channels$pct.json)"
                failed=1
            fi
        done
    done
    return "$failed"
}

cmd_ofa_weights() {
    # The exact command that produces the shipped Once-for-All supernet (src/nas/ofa_train.h):
    # progressive shrinking over tiny MobileNet V2 on the 60,000 training images, then its
    # largest, smallest and four random sub-networks tested on the page's 2,000 test images.
    # Report: web/models/ofa_mobilenet_v2.json. Not a test:
    #   ./build.sh ofa-weights                  # 2000 + 800 + 800 + 1600 steps of 64 images
    #   STEPS_SCALE=5 ./build.sh ofa-weights    # 5% of the steps: a quick rehearsal
    local scale="${STEPS_SCALE:-100}"
    [[ "$scale" =~ ^[0-9]+$ && "$scale" -ge 1 && "$scale" -le 1000 ]] || die "ofa-weights: STEPS_SCALE must be 1..1000 (percent)"
    cmd_native
    local s=(2000 800 800 1600) i
    for i in 0 1 2 3; do s[$i]=$(( (s[$i] * scale + 99) / 100 )); done
    log "ofa-weights: ${s[*]} steps (full, kernel, depth, expand), batch 64"
    build/native/edgestudy-cli lab ofa-train --steps-full "${s[0]}" --steps-kernel "${s[1]}" --steps-depth "${s[2]}" \
        --steps-expand "${s[3]}" --chunk 20 --batch 64 --lr 0.05 --lr-shrink 0.02 --seed 1 \
        --out web/models/ofa_mobilenet_v2.esw --json > web/models/ofa_mobilenet_v2.json \
        || die "ofa-weights: training failed (see web/models/ofa_mobilenet_v2.json)"
    /usr/bin/python3 - web/models/ofa_mobilenet_v2.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["check"]["points"]:
    print(f'{p["source"]:>9} {p["config"]:<44} {100 * p["accuracy"]:5.1f}%  {p["macs"] / 1e6:5.1f}M MACs')
PY
}

cmd_prune_weights() {
    # The exact commands that produce the pruned presets web/models/NAME.<variant>.esw from the
    # shipped weights (src/prune): magnitude pruning per layer to 50% and 70% one-shot, 90% in
    # three rounds (cubic schedule), and NVIDIA 2:4, each fine-tuned with its mask kept (SGD,
    # lr 0.01, batch 32, STEPS steps over the 60,000 training images) and stored in the sparse
    # form of the weights file (bitmask + fp16 nonzeros; the reported accuracy is that file's).
    # Each writes NAME.<variant>.json beside it: accuracy dense / pruned / fine-tuned on the full
    # 10,000 test images, sparsity per layer, bytes. Minutes per file:
    #   ./build.sh prune-weights                                  # STEPS=300, all five presets
    #   PRESETS="tiny_mobilenet_v2" STEPS=20 ./build.sh prune-weights   # a quick rehearsal
    # NO_BUILD=1 uses build/native/edgestudy-cli as it is (skips building the rest of the tree).
    if [ "${NO_BUILD:-0}" = 1 ] && [ -x build/native/edgestudy-cli ]; then :; else cmd_native; fi
    local steps="${STEPS:-300}" p v failed=0
    local presets="${PRESETS:-tiny_mobilenet_v1 tiny_mobilenet_v2 tiny_mobilenet_v3 tiny_shufflenet_v1 tiny_shufflenet_v2}"
    [[ "$steps" =~ ^[0-9]+$ ]] || die "prune-weights: STEPS must be a whole number"
    for p in $presets; do
        [ -f "web/models/$p.esw" ] || die "prune-weights: web/models/$p.esw is missing (./build.sh weights trains it)"
        for v in pruned50 pruned70 pruned90 sparse24; do
            local how=()
            case "$v" in
                pruned50) how=(--method magnitude --sparsity 0.5) ;;
                pruned70) how=(--method magnitude --sparsity 0.7) ;;
                pruned90) how=(--method magnitude --sparsity 0.9 --iterative 3) ;;
                sparse24) how=(--method sparse24) ;;
            esac
            log "prune $p: $v, $steps steps"
            if ./build/native/edgestudy-cli prune --model "$p" "${how[@]}" --steps "$steps" --batch 32 --lr 0.01 \
                    --seed 1 --subset full --out "web/models/$p.$v.esw" --json > "web/models/$p.$v.json"; then
                node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
                    console.log(`${d.model} ${process.argv[2]}: dense ${d.accuracy_dense}  pruned ${d.accuracy_pruned}  ` +
                                `fine-tuned ${d.accuracy_finetuned}  sparsity ${d.sparsity.toFixed(4)}  ` +
                                `(${d.out_bytes} bytes vs ${d.dense_bytes}, ${Math.round(d.seconds)} s)`)' \
                    "web/models/$p.$v.json" "$v"
            else
                echo "$p $v: failed (see web/models/$p.$v.json)"
                failed=1
            fi
        done
    done
    return "$failed"
}

cmd_dist() {
    cmd_web
    mkdir -p dist
    cp build/web/single/edgestudy.html dist/edgestudy.html
    log "dist/edgestudy.html ($(du -h dist/edgestudy.html | cut -f1)) — open it straight from disk"
}

# ctest in one build folder, its output to the terminal and to $2; the counts are read back
# from that output by count_ctest.
run_ctest() {
    local dir="$1" out="$2"
    log "ctest in $dir"
    (cd "$dir" && ctest --output-on-failure --timeout 600 -j "$JOBS" 2>&1) | tee "$out"
}

TEST_PASSED=0
TEST_FAILED=0
count_ctest() {
    local out="$1" line f t
    line="$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$out" | tail -n1 || true)"
    if [ -z "$line" ]; then
        TEST_FAILED=$((TEST_FAILED + 1))
        return 1
    fi
    f="$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')"
    t="$(echo "$line" | sed -E 's/.* tests failed out of ([0-9]+).*/\1/')"
    TEST_PASSED=$((TEST_PASSED + t - f))
    TEST_FAILED=$((TEST_FAILED + f))
    [ "$f" = 0 ]
}

cmd_test() {
    cmd_native
    cmd_dist
    local failed=0 logs
    logs="$(mktemp -d)"
    # The libFuzzer build and its bounded runs go on in the background, on the core the test
    # suites below leave idle much of the time (each suite's longest test runs alone at the end).
    log "building build/fuzz and running its tests in the background (log: $logs/fuzz.log)"
    ( { cmd_fuzz_build && cd build/fuzz && ctest --output-on-failure --timeout 600 -j "$JOBS"; } > "$logs/fuzz.log" 2>&1 ) &
    local fuzz_pid=$!
    run_ctest build/native "$logs/native.txt" || true
    count_ctest "$logs/native.txt" || failed=1
    run_ctest build/web "$logs/web.txt" || true
    count_ctest "$logs/web.txt" || failed=1
    wait "$fuzz_pid" || true
    log "build/fuzz (built and tested in the background):"
    grep -vE '^\[[0-9]+/[0-9]+\] ' "$logs/fuzz.log" | tail -n 40
    count_ctest "$logs/fuzz.log" || failed=1
    rm -rf "$logs"
    echo "edgestudy: $TEST_PASSED passed, $TEST_FAILED failed"
    return "$failed"
}

cmd_run() {
    if [ "${1:-}" = "--native" ]; then
        cmd_native
        exec ./build/native/edgestudy
    fi
    cmd_web
    local port="${PORT:-8080}"
    exec node web/serve.mjs --dir build/web/site --port "$port"
}

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
    setup) cmd_setup ;;
    native) cmd_native ;;
    web) cmd_web ;;
    dist) cmd_dist ;;
    test) cmd_test ;;
    fuzz) shift; cmd_fuzz "$@" ;;
    weights) cmd_weights ;;
    qat-weights) cmd_qat_weights ;;
    channels-weights) cmd_channels_weights ;;
    prune-weights) cmd_prune_weights ;;
    ofa-weights) cmd_ofa_weights ;;
    run) shift; cmd_run "$@" ;;
    -h|--help|help|"") usage ;;
    *) usage; die "unknown command '$1'" ;;
esac
