#!/usr/bin/env bash
# metapool benchmark, one command: bash bench/run.sh [options]
#
#   (no option)     build, generate the data, time metapool in-process
#                   (mtp_pool_batch), the whole CLI process (if built),
#                   metafor's loop (if Rscript + metafor), the strtod floor,
#                   print the ratios, then the callgrind instruction counts
#   --callgrind     only build, generate the small file and count instructions
#   --no-callgrind  skip the callgrind part
#   --no-r          skip metafor
#   --keep DIR      build and write the data in DIR (default: a fresh temp dir,
#                   removed at the end)
#   --mods [...]    the meta-regression benchmark instead (bench/run_mods.sh;
#                   the options after --mods are its own)
# Environment: METAPOOL_CLI=/path/to/metapool uses that CLI binary instead of
# the one built here. Build: Release, -O2, METAPOOL_BUILD_BENCH=ON; the top
# level CMakeLists.txt when it configures, else bench/ on its own.
# Not run by CI. Numbers and their reading: docs/performance.md.
# Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = "--mods" ]; then
    shift
    exec bash "$SRC/bench/run_mods.sh" "$@"
fi
ONLY_CG=0 DO_CG=1 DO_R=1 KEEP=""
while [ $# -gt 0 ]; do
    case "$1" in
    --callgrind) ONLY_CG=1 ;;
    --no-callgrind) DO_CG=0 ;;
    --no-r) DO_R=0 ;;
    --keep) KEEP=$2; shift ;;
    *) echo "usage: bash bench/run.sh [--callgrind|--no-callgrind] [--no-r] [--keep DIR] | --mods [...]" >&2; exit 2 ;;
    esac
    shift
done
if [ -n "$KEEP" ]; then
    WORK=$KEEP; mkdir -p "$WORK"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/metapool-bench.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
fi
BUILD=$WORK/build DATA=$WORK/data
mkdir -p "$DATA"
JOBS=$(nproc 2>/dev/null || echo 2)

# ---- build ------------------------------------------------------------------
cmake_flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" -DMETAPOOL_BUILD_BENCH=ON)
built=0
if [ -f "$SRC/CMakeLists.txt" ] &&
    cmake -S "$SRC" -B "$BUILD" "${cmake_flags[@]}" >"$WORK/cmake.log" 2>&1 &&
    cmake --build "$BUILD" -j "$JOBS" >>"$WORK/cmake.log" 2>&1 &&
    [ -n "$(find "$BUILD" -name metapool_bench -type f -perm -u+x | head -1)" ]; then
    built=1; echo "build: top-level CMakeLists.txt ($BUILD)"
fi
if [ $built = 0 ]; then
    rm -rf "$BUILD"
    cmake -S "$SRC/bench" -B "$BUILD" "${cmake_flags[@]}" >"$WORK/cmake.log" 2>&1 &&
        cmake --build "$BUILD" -j "$JOBS" >>"$WORK/cmake.log" 2>&1 ||
        { cat "$WORK/cmake.log"; exit 1; }
    echo "build: bench/ on its own ($BUILD)"
fi
BENCH=$(find "$BUILD" -name metapool_bench -type f -perm -u+x | head -1)
GEN=$(find "$BUILD" -name metapool_gen_data -type f -perm -u+x | head -1)
CLI=${METAPOOL_CLI:-$(find "$BUILD" -name metapool -type f -perm -u+x | head -1)}

# ---- data (fixed seed: the same files on every run) ------------------------
SMALL=$DATA/sim_2000x12.csv LARGE=$DATA/sim_200000x12.csv
"$GEN" 2000 12 20260101 > "$SMALL"
[ $ONLY_CG = 1 ] || "$GEN" 200000 12 20260102 > "$LARGE"

# ---- machine ---------------------------------------------------------------
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')," \
    "$(uname -sr), $(${CC:-cc} --version 2>/dev/null | head -1), GSL $(pkg-config --modversion gsl 2>/dev/null || echo '?')"

# ---- callgrind: instructions of the in-process 2000 x 12 fits ---------------
callgrind() {
    if ! command -v valgrind >/dev/null; then echo "callgrind: valgrind not found, skipped"; return; fi
    echo "== callgrind: instructions (Ir) for $SMALL, 1 thread"
    for m in REML DL; do
        for ci in 1 0; do
            out=$WORK/callgrind.$m.$ci.out
            valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
                --toggle-collect=bench_parse --toggle-collect=bench_fit \
                "$BENCH" --callgrind --methods $m --threads 1 --ci $ci "$SMALL" >/dev/null 2>&1
            callgrind_annotate --inclusive=yes "$out" 2>/dev/null > "$out.txt"
            fit=$(awk '/:bench_fit /{gsub(",","",$1); print $1; exit}' "$out.txt")
            parse=$(awk '/:bench_parse /{gsub(",","",$1); print $1; exit}' "$out.txt")
            printf 'callgrind method=%s tau2_ci=%s fit_Ir=%s Ir_per_fit=%.0f parse_Ir=%s fit/parse=%.2f\n' \
                $m $ci "$fit" "$(echo "$fit / 2000" | bc -l)" "$parse" "$(echo "$fit / $parse" | bc -l)"
        done
    done
    echo "-- where REML (tau2_ci=1) spends its instructions (inclusive, top 25):"
    grep -E '^ *[0-9,]+ \(' "$WORK/callgrind.REML.1.out.txt" | grep -v -E 'PROGRAM TOTALS|below main|libc_start|main \[|0x0000' |
        sed -n '1,25p'
}
if [ $ONLY_CG = 1 ]; then callgrind; exit 0; fi

# ---- in-process -----------------------------------------------------------
echo "== metapool in-process (mtp_pool_batch), best of N wall-clock runs"
"$BENCH" --repeat 20 --dump "$DATA/metapool_reml.csv" "$SMALL" | tee "$WORK/inproc_small.txt"
"$BENCH" --repeat 3 "$LARGE" | tee "$WORK/inproc_large.txt"

val() { # val FILE PATTERN KEY: the value of KEY on the first line matching PATTERN
    awk -v pat="$2" -v key="$3" '$0 ~ pat { for (i = 1; i <= NF; i++) { split($i, kv, "=");
        if (kv[1] == key) { print kv[2]; exit } } }' "$1"
}

# ---- the whole CLI process -------------------------------------------------
best_of() { # best_of N CMD...: minimum wall time in seconds (bash's EPOCHREALTIME, no fork for timing)
    local n=$1 best=999999 t0 t1 t; shift
    for ((i = 0; i < n; i++)); do
        t0=$EPOCHREALTIME; "$@" >/dev/null; t1=$EPOCHREALTIME
        t=$(echo "${t1/,/.} - ${t0/,/.}" | bc -l)
        if (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
    done
    printf '%.6f' "$best"
}
cli_small="" cli_large=""
if [ -n "$CLI" ] && [ -x "$CLI" ]; then
    echo "== whole CLI process: $CLI --by rep --method REML --format json FILE > /dev/null"
    if "$CLI" --by rep --method REML --format json "$SMALL" >"$WORK/cli_small.json" 2>"$WORK/cli.err"; then
        cli_small=$(best_of 20 "$CLI" --by rep --method REML --format json "$SMALL")
        cli_large=$(best_of 3 "$CLI" --by rep --method REML --format json "$LARGE")
        echo "cli file=$SMALL seconds=$cli_small"
        echo "cli file=$LARGE seconds=$cli_large"
        dl_large=$(best_of 3 "$CLI" --by rep --method DL --format json "$LARGE")
        echo "cli method=DL file=$LARGE seconds=$dl_large"
    else
        echo "cli: failed on the benchmark file:"; head -5 "$WORK/cli.err"
    fi
else
    echo "== whole CLI process: no metapool CLI binary built yet (set METAPOOL_CLI=...), skipped"
fi

# ---- metafor -------------------------------------------------------------
mf_def="" mf_strict=""
if [ $DO_R = 1 ] && command -v Rscript >/dev/null && Rscript -e 'library(metafor)' >/dev/null 2>&1; then
    echo "== metafor's loop (rma, $(Rscript -e 'cat(as.character(packageVersion("metafor")))'), $(Rscript --version 2>&1 | head -1))"
    Rscript "$SRC/bench/metafor_loop.R" "$SMALL" "$DATA/metapool_reml.csv" REML | tee "$WORK/metafor.txt"
    mf_def=$(val "$WORK/metafor.txt" "control=default" seconds)
    mf_strict=$(val "$WORK/metafor.txt" "control=strict" seconds)
else
    echo "== metafor: Rscript or metafor not available, skipped"
fi

# ---- ratios and targets --------------------------------------------------
echo "== summary"
in_ci=$(val "$WORK/inproc_small.txt" "method=REML tau2_ci=1 threads=1 " seconds)
in_noci=$(val "$WORK/inproc_small.txt" "method=REML tau2_ci=0 threads=1 " seconds)
large_ci=$(val "$WORK/inproc_large.txt" "method=REML tau2_ci=1 threads=1 " seconds)
large_noci=$(val "$WORK/inproc_large.txt" "method=REML tau2_ci=0 threads=1 " seconds)
parse_large=$(val "$WORK/inproc_large.txt" "^read" parse_s)
read_large=$(val "$WORK/inproc_large.txt" "^read" read_s)
read_small=$(val "$WORK/inproc_small.txt" "^read" read_s)
ratio() { if [ -n "$1" ] && [ -n "$2" ]; then printf '%.0f' "$(echo "$1 / $2" | bc -l)"; else echo "n/a"; fi; }
r2() { if [ -n "$1" ] && [ -n "$2" ]; then printf '%.2f' "$(echo "$1 / $2" | bc -l)"; else echo "n/a"; fi; }
echo "2000x12 REML: metafor default ${mf_def:-n/a} s, strict ${mf_strict:-n/a} s;" \
    "metapool in-process ${in_ci} s (tau2_ci=1), ${in_noci} s (tau2_ci=0); CLI ${cli_small:-n/a} s; strtod read ${read_small} s"
echo "ratio metafor(default)/metapool in-process tau2_ci=1: $(ratio "$mf_def" "$in_ci")x"
echo "ratio metafor(default)/metapool in-process tau2_ci=0: $(ratio "$mf_def" "$in_noci")x"
echo "ratio metafor(strict)/metapool in-process tau2_ci=1:  $(ratio "$mf_strict" "$in_ci")x"
echo "ratio metafor(default)/metapool whole CLI process:    $(ratio "$mf_def" "$cli_small")x   (target >= 1000x)"
echo "200000x12 REML, 1 core: fit ${large_ci} s (tau2_ci=1), ${large_noci} s (tau2_ci=0); read+strtod ${read_large} s;" \
    "CLI ${cli_large:-n/a} s   (target < 2 s)"
echo "fit/strtod-parse, 200000x12 REML: $(r2 "$large_ci" "$parse_large") (tau2_ci=1), $(r2 "$large_noci" "$parse_large") (tau2_ci=0)   (target <= 3)"

if [ $DO_CG = 1 ]; then callgrind; fi
