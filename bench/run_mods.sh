#!/usr/bin/env bash
# metapool meta-regression benchmark, one command:
#   bash bench/run_mods.sh [options]      (or: bash bench/run.sh --mods [options])
#
# Builds (Release, -O2), writes the data (bench/gen_mods.c, fixed seeds), runs
# metafor (bench/metafor_mods.R) and metapool (bench/bench_mods.c) on the same
# files, checks metapool's numbers against metafor's (1e-6 relative; the
# permutation p-values within Monte Carlo error), and prints the table
# metafor time, metapool time, ratio; then the O(k) scaling check and the
# callgrind profile of the k = 20,000 fit.
#
#   --no-r          skip metafor (no ratios, no checks)
#   --ref FILE      use this metafor_mods.R output instead of running R (it
#                   takes about 4 minutes on the reference machine)
#   --fits N        metafor fits at k = 2000 (default 1; each takes minutes)
#   --perm-iter N   metafor permutest iterations (default 1000)
#   --no-scaling    skip the k = 10,000 ... 80,000 scaling check
#   --no-callgrind  skip the callgrind profile
#   --keep DIR      build and write the data in DIR (default: a temp dir,
#                   removed at the end)
# Environment: JOBS (build parallelism, default 2).
# Exit status: 0, or 3 if a check against metafor failed.
# Not run by CI. Numbers and their reading: docs/performance.md, "Meta-regression".
# Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DO_R=1 REF="" FITS=1 PERM_ITER=1000 DO_SCALING=1 DO_CG=1 KEEP=""
while [ $# -gt 0 ]; do
    case "$1" in
    --no-r) DO_R=0 ;;
    --ref) REF=$2; shift ;;
    --fits) FITS=$2; shift ;;
    --perm-iter) PERM_ITER=$2; shift ;;
    --no-scaling) DO_SCALING=0 ;;
    --no-callgrind) DO_CG=0 ;;
    --keep) KEEP=$2; shift ;;
    *) echo "usage: bash bench/run_mods.sh [--no-r] [--ref FILE] [--fits N] [--perm-iter N]" \
        "[--no-scaling] [--no-callgrind] [--keep DIR]" >&2; exit 2 ;;
    esac
    shift
done
if [ -n "$REF" ]; then REF=$(cd "$(dirname "$REF")" && pwd)/$(basename "$REF"); fi
if [ -n "$KEEP" ]; then
    WORK=$KEEP; mkdir -p "$WORK"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/metapool-bench-mods.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
fi
BUILD=$WORK/build DATA=$WORK/data
mkdir -p "$DATA"
JOBS=${JOBS:-2}

# ---- build ------------------------------------------------------------------
cmake_flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" -DMETAPOOL_BUILD_BENCH=ON
    -DMETAPOOL_BUILD_TESTS=OFF -DMETAPOOL_BUILD_EXAMPLES=OFF -DMETAPOOL_BUILD_CLI=OFF
    -DMETAPOOL_BUILD_DOCS=OFF)
built=0
if [ -f "$SRC/CMakeLists.txt" ] &&
    cmake -S "$SRC" -B "$BUILD" "${cmake_flags[@]}" >"$WORK/cmake.log" 2>&1 &&
    cmake --build "$BUILD" -j "$JOBS" >>"$WORK/cmake.log" 2>&1 &&
    [ -n "$(find "$BUILD" -name metapool_bench_mods -type f -perm -u+x | head -1)" ]; then
    built=1; echo "build: top-level CMakeLists.txt ($BUILD; -O2)"
fi
if [ $built = 0 ]; then
    rm -rf "$BUILD"
    cmake -S "$SRC/bench" -B "$BUILD" "${cmake_flags[@]}" >"$WORK/cmake.log" 2>&1 &&
        cmake --build "$BUILD" -j "$JOBS" >>"$WORK/cmake.log" 2>&1 ||
        { cat "$WORK/cmake.log"; exit 1; }
    echo "build: bench/ on its own ($BUILD; -O2)"
fi
BENCH=$(find "$BUILD" -name metapool_bench_mods -type f -perm -u+x | head -1)
GEN=$(find "$BUILD" -name metapool_gen_mods -type f -perm -u+x | head -1)

# ---- data (fixed seeds: the same files on every run) -------------------------
FIT=$DATA/reg_2000x5.csv LARGE=$DATA/reg_100000x5.csv PERM=$DATA/reg_50x2.csv
"$GEN" 2000 5 20260201 > "$FIT"
"$GEN" 100000 5 20260202 > "$LARGE"
"$GEN" 50 2 20260203 > "$PERM"
SCALE_K=(10000 20000 40000 80000)
for k in "${SCALE_K[@]}"; do "$GEN" "$k" 5 $((20260300 + k / 10000)) > "$DATA/reg_${k}x5.csv"; done

# ---- machine ------------------------------------------------------------------
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')," \
    "$(uname -sr), $(${CC:-cc} --version 2>/dev/null | head -1), GSL $(pkg-config --modversion gsl 2>/dev/null || echo '?')"
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"; }
load

# ---- metafor --------------------------------------------------------------------
MF=""
if [ -n "$REF" ]; then
    MF=$REF; echo "== metafor: values and times from $REF (not re-run)"
elif [ $DO_R = 1 ] && command -v Rscript >/dev/null && Rscript -e 'library(metafor)' >/dev/null 2>&1; then
    MF=$DATA/metafor_mods.txt
    echo "== metafor $(Rscript -e 'cat(as.character(packageVersion("metafor")))') ($(Rscript --version 2>&1 | head -1)):" \
        "rma REML at k = 2000 x $FITS, confint, permutest iter = $PERM_ITER (minutes)"
    Rscript "$SRC/bench/metafor_mods.R" "$MF" "$FIT" "$PERM" "$FITS" "$PERM_ITER" 1 | sed 's/^/  /'
    load
else
    echo "== metafor: skipped (--no-r, or Rscript/metafor not available)"
fi
refargs=()
[ -n "$MF" ] && refargs=(--ref "$MF")

# ---- metapool -------------------------------------------------------------------
status=0
echo "== metapool in-process, best of N (CLOCK_MONOTONIC)"
"$BENCH" fit --repeat 20 ${refargs[@]+"${refargs[@]}"} --tag fit "$FIT" | tee "$WORK/fit_2000.txt" ||
    status=$?
"$BENCH" fit --repeat 3 "$LARGE" | tee "$WORK/fit_100000.txt"
"$BENCH" perm --repeat 3 --iter 10000 ${refargs[@]+"${refargs[@]}"} --tag perm "$PERM" |
    tee "$WORK/perm.txt" || status=$?
load

val() { # val FILE PATTERN KEY: the value of KEY on the first line matching PATTERN
    awk -v pat="$2" -v key="$3" '$0 ~ pat { for (i = 1; i <= NF; i++) { split($i, kv, "=");
        if (kv[1] == key) { print kv[2]; exit } } }' "$1"
}
ref() { [ -n "$MF" ] && awk -v k="$1" '$1 == k { print $2; exit }' "$MF" || true; }
calc() { awk "BEGIN { printf \"%.10g\", $1 }"; } # calc EXPR: floating point (awk reads 1e-5, bc does not)
ratio() { if [ -n "$1" ] && [ -n "$2" ]; then printf '%.0fx' "$(calc "$1 / $2")"; else echo "n/a"; fi; }
num() { if [ -n "$1" ]; then printf "%.${2:-4}f" "$1"; else echo "n/a"; fi; }

# ---- scaling: time per study must not grow with k ---------------------------------
if [ $DO_SCALING = 1 ]; then
    echo "== scaling check: k = ${SCALE_K[*]}, p = 5, best of 5 (time/k constant <=> O(k p^2) per evaluation)"
    printf '  %8s %6s %12s %14s %7s %18s\n' k config seconds us_per_study evals ns_per_study_eval
    for k in "${SCALE_K[@]}"; do
        "$BENCH" fit --repeat 5 --configs full,bare "$DATA/reg_${k}x5.csv" > "$WORK/scale_$k.txt"
        for c in full bare; do
            line=$(grep "^fit .*config=$c " "$WORK/scale_$k.txt")
            s=$(echo "$line" | sed 's/.* seconds=\([^ ]*\).*/\1/')
            e=$(echo "$line" | sed 's/.* evaluations=\([^ ]*\).*/\1/')
            awk -v k="$k" -v c="$c" -v s="$s" -v e="$e" 'BEGIN {
                printf "  %8s %6s %12.6f %14.3f %7s %18.1f\n", k, c, s, 1e6 * s / k, e, 1e9 * s / k / e }'
        done
    done
fi

# ---- the table --------------------------------------------------------------------
mf_fit=$(ref fit.seconds) mf_ci=$(ref fit.confint_seconds)
mf_perm1000=$(ref perm.per1000) mf_perm10k=$(ref perm.extrap10000)
mf_both=""; [ -n "$mf_fit" ] && [ -n "$mf_ci" ] && mf_both=$(calc "$mf_fit + $mf_ci")
t() { val "$1" "^fit .*config=$2 " seconds; }
f_full=$(t "$WORK/fit_2000.txt" full) f_noci=$(t "$WORK/fit_2000.txt" noci)
f_nor2=$(t "$WORK/fit_2000.txt" nor2) f_bare=$(t "$WORK/fit_2000.txt" bare)
l_full=$(t "$WORK/fit_100000.txt" full) l_noci=$(t "$WORK/fit_100000.txt" noci)
l_nor2=$(t "$WORK/fit_100000.txt" nor2) l_bare=$(t "$WORK/fit_100000.txt" bare)
p10k=$(val "$WORK/perm.txt" "^perm " seconds) p1000=$(val "$WORK/perm.txt" "^perm " per1000)
echo "== summary (metafor: rma(..., method = \"REML\", control = list(threshold = 1e-13, tol = 1e-13, maxiter = 10000)))"
printf '  %-58s %12s %12s %9s\n' case "metafor s" "metapool s" ratio
row() { printf '  %-58s %12s %12s %9s\n' "$1" "$(num "$2" 3)" "$(num "$3" 6)" "$(ratio "$2" "$3")"; }
row "k=2000 p=5 rma (R2, no tau2 CI) vs mtp_fit NO_TAU2_CI" "$mf_fit" "$f_noci"
row "k=2000 p=5 rma + confint vs mtp_fit default (CI, R2)" "$mf_both" "$f_full"
row "k=2000 p=5 rma vs mtp_fit NO_R2 (CI, no R2)" "$mf_fit" "$f_nor2"
row "k=2000 p=5 rma vs mtp_fit NO_TAU2_CI|NO_R2" "$mf_fit" "$f_bare"
printf '  %-58s %12s %12s %9s\n' "k=100000 p=5 mtp_fit default (CI, R2)" "not run" "$(num "$l_full" 6)" "-"
printf '  %-58s %12s %12s %9s\n' "k=100000 p=5 mtp_fit NO_TAU2_CI / NO_R2 / both" "not run" \
    "$(num "$l_noci" 3)/$(num "$l_nor2" 3)/$(num "$l_bare" 3)" "-"
row "permutest k=50 p=2, per 1000 permutations" "$mf_perm1000" "$p1000"
row "permutest k=50 p=2, 10000 (metafor: 1000 x 10)" "$mf_perm10k" "$p10k"
echo "  metafor at k=100000 is not run: rma.uni forms the k x k matrix P (80 GB at k = 100,000) and P %*% P"
echo "  k=100000 target: mtp_fit under 0.5 s on one core: default $(num "$l_full" 3) s," \
    "$(if [ -n "$l_full" ] && [ "$(calc "$l_full < 0.5")" = 1 ]; then echo met; else echo "NOT met ($(calc "$l_full / 0.5")x the target)"; fi)"
if [ -n "$MF" ]; then
    echo "  checks against metafor: $(grep -h '^checks' "$WORK/fit_2000.txt" "$WORK/perm.txt" | tr '\n' ';')"
fi

# ---- callgrind: where the k = 20,000 fit spends its instructions ---------------------
if [ $DO_CG = 1 ]; then
    if ! command -v valgrind >/dev/null; then
        echo "callgrind: valgrind not found, skipped"
    else
        echo "== callgrind: instructions (Ir) of one mtp_fit, k = 20000, p = 5"
        for c in full bare; do
            out=$WORK/callgrind.$c.out
            valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
                --toggle-collect=bench_mods_fit "$BENCH" fit --callgrind --configs $c \
                "$DATA/reg_20000x5.csv" >/dev/null 2>"$out.log"
            callgrind_annotate --inclusive=yes "$out" 2>/dev/null > "$out.incl.txt"
            callgrind_annotate --inclusive=no "$out" 2>/dev/null > "$out.self.txt"
            callgrind_annotate --inclusive=yes --tree=caller "$out" 2>/dev/null > "$out.tree.txt"
            total=$(awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1; exit}' "$out.incl.txt")
            printf 'callgrind config=%s k=20000 Ir=%s Ir_per_study=%.0f\n' $c "$total" "$(calc "$total / 20000")"
        done
        echo "-- config=full, inclusive (top 22 functions of libmetapool and GSL):"
        grep -E '^ *[0-9,]+ \(' "$WORK/callgrind.full.out.incl.txt" |
            grep -E 'libmetapool|libgsl' | grep -v -E ':mtp_fit |fit_ext' | sed -n '1,22p'
        echo "-- config=full, self (top 12):"
        grep -E '^ *[0-9,]+ \(' "$WORK/callgrind.full.out.self.txt" | grep -v 'PROGRAM TOTALS' | sed -n '1,12p'
        echo "-- config=full, calls of mtp__wls_solve by caller:"
        awk '/^ *[0-9,]+ .*< /{buf = buf $0 "\n"; next}
             /\*  .*:mtp__wls_solve \[/ && !done {printf "%s", buf; print; done = 1}
             {buf = ""}' "$WORK/callgrind.full.out.tree.txt"
        echo "-- exact scaling: Ir per study of one fit (config=bare) at k = 10000, 20000, 40000"
        for k in 10000 20000 40000; do
            out=$WORK/callgrind.scale.$k.out
            valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
                --toggle-collect=bench_mods_fit "$BENCH" fit --callgrind --configs bare \
                "$DATA/reg_${k}x5.csv" > "$out.stdout" 2>/dev/null
            callgrind_annotate "$out" > "$out.txt" 2>/dev/null
            total=$(awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1; exit}' "$out.txt")
            e=$(val "$out.stdout" "^fit " evaluations)
            printf '  k=%s Ir=%s Ir_per_study=%.1f evaluations=%s Ir_per_study_eval=%.1f\n' "$k" "$total" \
                "$(calc "$total / $k")" "$e" "$(calc "$total / $k / $e")"
        done
    fi
fi

if [ $status != 0 ]; then echo "CHECK FAILED: metapool disagrees with metafor (see MISMATCH/FAIL lines above)"; fi
exit $status
