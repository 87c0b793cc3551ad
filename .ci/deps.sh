#!/bin/bash
# Installs what building and testing metapool needs on Debian 12 (bookworm),
# using sudo when not root. Safe to run again: apt-get skips what is there.
set -euo pipefail
packages=(
  cmake make gcc g++ pkg-config binutils   # toolchain (g++: the header's C++ test)
  libgsl-dev                               # the library's one dependency
  libcmocka-dev                            # tests
  libcsv-dev libjansson-dev                # the metapool command: CSV in, JSON out
  libxml2-utils                            # xmllint: the plot tests parse the SVG
  doxygen                                  # API reference (cmake --build build --target docs)
  clang libclang-rt-14-dev                 # libFuzzer targets (CI's short fuzz runs)
  valgrind                                 # CI's memcheck run
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
