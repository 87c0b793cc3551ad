#!/bin/sh
# Run every libFuzzer binary of a build for a while (fuzz_pool, fuzz_csv,
# fuzz_mods: whatever tests/fuzz/CMakeLists.txt built); fail on any finding.
#
# usage: tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS]
#
# BUILD_DIR must be configured with clang and -DMETAPOOL_BUILD_FUZZERS=ON and
# built (cmake --build BUILD_DIR); every BUILD_DIR/tests/fuzz/fuzz_<target>
# found is run for SECONDS (default 60) with -max_total_time, starting from
# the committed corpus tests/fuzz/corpus/<target>/ (read-only: new inputs go
# to a scratch directory). A crash, sanitizer report, timeout, leak or
# violated invariant makes libFuzzer exit non-zero and write the input to
# BUILD_DIR/fuzz-findings/<target>/; this script then exits 1. Turn each
# finding into a file under corpus/<target>/ (regression_<what>) and a test
# (tests/property/test_regressions.c) once the bug is fixed.
# Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 BUILD_DIR [SECONDS]" >&2
    exit 2
fi
build=$1
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
bindir=$build/tests/fuzz

case $seconds in
    ''|*[!0-9]*) echo "$0: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac

found=0
failed=0
for bin in "$bindir"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    case $name in fuzz_replay_*) continue ;; esac
    target=${name#fuzz_}
    found=$((found + 1))
    scratch=$build/fuzz-work/$target
    findings=$build/fuzz-findings/$target
    mkdir -p "$scratch" "$findings"
    echo "== $name: ${seconds}s from $here/corpus/$target"
    # corpus dirs: the first (scratch) receives new inputs; the committed
    # corpus is only read. -timeout: a slow input (a hang) is a finding too.
    if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$findings/" "$scratch" "$here/corpus/$target" \
        > "$build/fuzz-$target.log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^Done' "$build/fuzz-$target.log" || true
        echo "== $name: no finding"
    else
        failed=$((failed + 1))
        echo "== $name: FINDING (log: $build/fuzz-$target.log, input in $findings/)" >&2
        grep -E 'invariant violated|runtime error|ERROR: |SUMMARY' "$build/fuzz-$target.log" | head -n 5 >&2
    fi
done

if [ "$found" -eq 0 ]; then
    echo "$0: no fuzz_* binaries in $bindir (configure with -DCMAKE_C_COMPILER=clang" \
         "-DMETAPOOL_BUILD_FUZZERS=ON and build)" >&2
    exit 1
fi
[ "$failed" -eq 0 ] || exit 1
echo "all $found fuzzers ran ${seconds}s each without a finding"
