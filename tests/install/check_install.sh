#!/bin/bash
# Usage: check_install.sh CMAKE BUILD_DIR WORK_DIR CONSUMER_SRC CC
# Installs the build tree into WORK_DIR/prefix and links consumer/main.c
# against it four ways: CMake shared, CMake static, pkg-config shared,
# pkg-config --static. Each program must print the BCG DerSimonian-Laird
# pooled risk ratio (metafor: 0.4896).
set -euo pipefail
cmake=$1 build=$2 work=$3 src=$4 cc=$5
rm -rf "$work"; mkdir -p "$work"
prefix=$work/prefix
"$cmake" --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/metapool.h"
libdir=$(dirname "$(find "$prefix" -name metapool.pc | head -1)")/..
test -f "$libdir/pkgconfig/metapool.pc"
test -f "$libdir/cmake/metapool/metapoolConfig.cmake"

expect() { # program, label
    local out; out=$("$1")
    if [[ "$out" != "RR 0.4896" ]]; then echo "FAIL $2: got '$out'"; exit 1; fi
    echo "ok   $2"
}

# CMake, shared and static
for kind in shared static; do
    "$cmake" -S "$src" -B "$work/cmake-$kind" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_COMPILER="$cc" -DCONSUMER_STATIC=$([[ $kind == static ]] && echo ON || echo OFF) >/dev/null
    "$cmake" --build "$work/cmake-$kind" >/dev/null
    LD_LIBRARY_PATH="$libdir" expect "$work/cmake-$kind/consumer" "find_package, $kind"
done
if [[ -n $(ldd "$work/cmake-static/consumer" | grep metapool || true) ]]; then
    echo "FAIL static CMake consumer links libmetapool.so"; exit 1
fi

# pkg-config, shared and static
export PKG_CONFIG_PATH=$libdir/pkgconfig
"$cc" -std=c11 -o "$work/pc-shared" "$src/main.c" $(pkg-config --cflags --libs metapool) -lm
LD_LIBRARY_PATH="$libdir" expect "$work/pc-shared" "pkg-config, shared"
"$cc" -std=c11 -static-libgcc -o "$work/pc-static" "$src/main.c" $(pkg-config --cflags metapool) \
    "$libdir/libmetapool.a" $(pkg-config --static --libs-only-l --libs-only-other metapool | sed 's/-lmetapool//')
expect "$work/pc-static" "pkg-config --static"
echo "all install consumers passed"
