#!/bin/sh
# Builds the WASI demo program with Debian's wasi-libc:
#   apt-get install -y wasi-libc libclang-rt-14-dev-wasm32 clang lld
# (the sysroot is /usr: headers in /usr/include/wasm32-wasi, libraries in
# /usr/lib/wasm32-wasi). The .wasm is committed so tests need no toolchain.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Wl,--strip-all -o wasi_demo.wasm wasi_demo.c
echo "built $(pwd)/wasi_demo.wasm ($(wc -c < wasi_demo.wasm) bytes)"
