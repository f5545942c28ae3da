#!/bin/sh
# Rebuilds the benchmark kernels (*.c -> *.wasm). The built .wasm files are
# committed, so running `tierdiff bench` needs no C compiler; run this after
# editing a kernel. Needs clang and wasm-ld (Debian: apt-get install clang lld).
# Kernels named simd*.c are built with -msimd128 (128-bit SIMD); the others
# without it, so they stay plain WebAssembly 2.0 without SIMD.
set -eu
cd "$(dirname "$0")"
CC=${CC:-clang}
for src in *.c; do
    name=${src%.c}
    case $name in
    simd*) features=-msimd128 ;;
    *) features= ;;
    esac
    "$CC" --target=wasm32 $features -O2 -nostdlib -fno-builtin \
        -Wl,--no-entry -Wl,--export=run -Wl,--strip-all \
        -o "$name.wasm" "$src"
    echo "built $name.wasm ($(wc -c < "$name.wasm") bytes)"
done
