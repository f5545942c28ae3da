#!/usr/bin/env bash
# Re-fetches the pinned third-party packages and rebuilds every module of
# corpus/real/modules/ exactly as committed.  Runs on Debian 12 with:
#   apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32 python3 npm
# plus pip (PyPI) and npm (npm registry).  Not run by CI.
#   WORK=/some/dir ./build.sh      (default WORK=/tmp/tierdiff-real-work)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/tierdiff-real-work}
DL=$WORK/dl
X=$WORK/x
OUT=$HERE/modules
S=$HERE/src
LOG=$WORK/build-log.tsv
FAILED=""
CC="clang-14 --target=wasm32-wasi --sysroot=/usr -Wl,--strip-debug"
mkdir -p "$DL" "$X" "$OUT"
[ -n "${ONLY:-}" ] || : > "$LOG"   # ONLY=prefix rebuilds only matching modules (for development)

# ---------------------------------------------------------------- fetch
PYPI="lz4==4.4.5 xxhash==4.1.0 brotli==1.2.1 zstd==1.5.7.2 cmarkgfm==2025.10.22
mmh3==5.3.1 zopfli==0.4.3 lzfse==0.4.2.post1 pyminizip==0.2.6 lupa==2.8
ruamel.yaml.clib==0.2.15 python-lzf==0.2.6 crc32c==2.9.post0 sqlean-py==3.50.4.5
pylzma==0.6.1 hiredis==3.5.0 httptools==0.9.0"
NPM="xxhash-wasm@1.1.0 hash-wasm@4.13.0 cjs-module-lexer@2.3.0
blake2b-wasm@2.4.0 siphash24@1.3.1 sha256-wasm@2.2.2"
for p in $PYPI; do
  n=${p%%==*}; v=${p##*==}
  ls "$DL"/*.tar.gz 2>/dev/null | grep -qi -- "/$(echo "$n" | sed 's/[-_.]/[-_.]/g')-$v\.tar\.gz$" ||
    pip download -q --no-binary :all: --no-deps "$p" -d "$DL"
done
for p in $NPM; do
  t="$DL/$(echo "${p%@*}" | tr -d @ | tr / -)-${p##*@}.tgz"
  [ -f "$t" ] || (cd "$DL" && npm pack --silent "$p" >/dev/null)
done
for t in "$DL"/*.tar.gz; do tar xzf "$t" -C "$X"; done
for t in "$DL"/*.tgz; do d=$X/npm-$(basename "$t" .tgz); mkdir -p "$d"; tar xzf "$t" -C "$d"; done

# ---------------------------------------------------------------- build helpers
# optflags VARIANT -> clang flags; variant names end up in module names.
optflags() {
  case $1 in
    O0) echo "-O0" ;; O2) echo "-O2" ;; Os) echo "-Os" ;; O3) echo "-O3" ;;
    O2-simd) echo "-O2 -msimd128" ;; O3-simd) echo "-O3 -msimd128" ;; Os-simd) echo "-Os -msimd128" ;;
    O3-tail) echo "-O3 -mtail-call" ;; Os-tail) echo "-Os -mtail-call" ;;
    O2-tail-simd) echo "-O2 -mtail-call -msimd128" ;;
    O3-simd-bulk) echo "-O3 -msimd128 -mbulk-memory" ;; O2-simd-bulk) echo "-O2 -msimd128 -mbulk-memory" ;;
    *) echo "unknown variant $1" >&2; exit 1 ;;
  esac
}
# wasm NAME VARIANT ARGS... : compile+link one module from $X (sources relative to it)
wasm() {
  local name=$1-$2 flags; flags=$(optflags "$2"); shift 2
  if [ -n "${ONLY:-}" ] && [[ $name != $ONLY* ]]; then return; fi
  echo "  $name.wasm" >&2
  if [ -n "${KEEP:-}" ] && [ -f "$OUT/$name.wasm" ]; then :  # KEEP=1: keep modules already built
  elif ! (cd "$X" && $CC $flags "$@" -o "$OUT/$name.wasm"); then echo "FAILED: $name" >&2; FAILED="$FAILED $name"; return 0; fi
  printf '%s\t%s\n' "$name" "clang-14 --target=wasm32-wasi --sysroot=/usr -Wl,--strip-debug $flags $* -o modules/$name.wasm" |
    sed "s#$S#src#g" >> "$LOG"
}
rel() { (cd "$X" && ls -d $1); }  # expand a glob relative to $X
copy() { # copy NAME FROM-FILE (relative to $X) : a .wasm shipped in a package
  if [ -n "${ONLY:-}" ] && [[ $1 != $ONLY* ]]; then return; fi
  cp "$X/$2" "$OUT/$1.wasm"; printf '%s\t%s\n' "$1" "cp $2 modules/$1.wasm" >> "$LOG"
}
b64() { # b64 NAME JS-FILE INDEX : the INDEX-th base64 wasm embedded in a package's JS file
  if [ -n "${ONLY:-}" ] && [[ $1 != $ONLY* ]]; then return; fi
  python3 "$S/extract_wasm_b64.py" "$X/$2" "$3" "$OUT/$1.wasm"
  printf '%s\t%s\n' "$1" "python3 src/extract_wasm_b64.py $2 $3 modules/$1.wasm" >> "$LOG"
}

echo "building into $OUT" >&2
# Only one variant of zstd, brotli and SQLite: tierdiff's jit tier takes several
# seconds to compile each of them (more at -O2/-O3), so more would make the corpus slow.
# (For the same reason no lz4 -O0 build, and es-module-lexer is left out: 5 s.)
W="-I$S -Wno-everything"

# lz4 (vendored in PyPI lz4)
L=lz4-4.4.5/lz4libs
for v in O2 Os O2-simd O3-tail; do
  wasm lz4-roundtrip $v $W -I$L $S/lz4_driver.c $L/lz4.c $L/lz4hc.c $L/lz4frame.c $L/xxhash.c
done
# xxHash (vendored in PyPI xxhash)
L=xxhash-4.1.0/deps/xxhash
for v in O0 O2 O3-simd Os-simd; do
  wasm xxhash-hashes $v $W -U__wasm_simd128__ -DXXH_VECTOR=0 -I$L $S/xxhash_driver.c $L/xxhash.c
done
# zstd (vendored in PyPI zstd)
L=zstd-1.5.7.2/zstd/lib
for v in Os; do
  wasm zstd-roundtrip $v $W -I$L -DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=0 $S/zstd_driver.c \
    $(rel "$L/common/*.c") $(rel "$L/compress/*.c") $(rel "$L/decompress/*.c")
done
# brotli (PyPI brotli sdist)
L=brotli-1.2.1/c
for v in Os; do
  wasm brotli-roundtrip $v $W -I$L/include $S/brotli_driver.c $(rel "$L/common/*.c") $(rel "$L/dec/*.c") $(rel "$L/enc/*.c")
done
# zlib 1.2.11 (vendored in PyPI pyminizip)
L=pyminizip-0.2.6/zlib-1.2.11
for v in O0 O2 Os O3-simd; do
  wasm zlib-roundtrip $v $W -I$L $S/zlib_driver.c $L/adler32.c $L/compress.c $L/crc32.c $L/deflate.c \
    $L/inffast.c $L/inflate.c $L/inftrees.c $L/trees.c $L/uncompr.c $L/zutil.c
done
# MurmurHash3 (vendored in PyPI mmh3)
L=mmh3-5.3.1/src/mmh3
for v in O0 O2 Os O2-simd; do
  wasm mmh3-hashes $v $W -I$S/stub -I$L $S/mmh3_driver.c $L/murmurhash3.c
done
# SQLite 3.50.4 amalgamation (vendored in PyPI sqlean-py)
L=sqlean_py-3.50.4.5/sqlite
for v in Os-tail; do
  wasm sqlite-memdb $v $W -I$L -DSQLITE_OS_OTHER=1 -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION \
    -DSQLITE_TEMP_STORE=3 -DSQLITE_OMIT_WAL $S/sqlite_driver.c $L/sqlite3.c
done
# Lua 5.4 (vendored in PyPI lupa)
L=lupa-2.8/third-party/lua54
LUA_CORE="lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring ltable ltm lundump lvm lzio lauxlib lbaselib lstrlib ltablib lmathlib lutf8lib"
for v in O2 Os O2-tail-simd; do
  wasm lua-script $v $W -I$S/stub -I$L -D_WASI_EMULATED_PROCESS_CLOCKS -Dl_signalT=int $S/lua_driver.c \
    $(for f in $LUA_CORE; do echo $L/$f.c; done) -lwasi-emulated-process-clocks
done
# cmark-gfm (vendored in PyPI cmarkgfm); its own CLI main.c, markdown on stdin
L=cmarkgfm-2025.10.22/third_party/cmark
G=cmarkgfm-2025.10.22/generated/unix
for v in O0 O2 Os; do
  wasm cmark-gfm $v $W -I$G -I$L/src -I$L/extensions $(rel "$L/src/*.c") $(rel "$L/extensions/*.c")
done
# hiredis RESP reader (vendored in PyPI hiredis)
L=hiredis-3.5.0/vendor/hiredis
for v in O0 O2 Os; do
  wasm hiredis-reader $v $W -I$L $S/hiredis_driver.c $L/read.c $L/sds.c $L/alloc.c
done
# llhttp and http-parser (vendored in PyPI httptools)
L=httptools-0.9.0/vendor/llhttp
for v in O0 O2 Os; do
  wasm llhttp-parse $v $W -I$L/include $S/llhttp_driver.c $L/src/api.c $L/src/http.c $L/src/llhttp.c
done
L=httptools-0.9.0/vendor/http-parser
for v in O2 Os; do
  wasm http-parser-parse $v $W -I$L $S/http_parser_driver.c $L/http_parser.c
done
# libyaml (vendored in PyPI ruamel.yaml.clib)
L=ruamel.yaml.clib-0.2.15
for v in O0 O2 Os; do
  wasm libyaml-roundtrip $v $W -I$L -DHAVE_CONFIG_H -DYAML_VERSION_STRING='"0.2.5"' -DYAML_VERSION_MAJOR=0 \
    -DYAML_VERSION_MINOR=2 -DYAML_VERSION_PATCH=5 $S/yaml_driver.c $L/api.c $L/reader.c $L/scanner.c \
    $L/parser.c $L/loader.c $L/writer.c $L/emitter.c $L/dumper.c
done
# liblzf (vendored in PyPI python-lzf); lzf_compress keeps a 256 KiB hash table on the stack
L=python_lzf-0.2.6
for v in O2 Os O2-simd; do
  wasm lzf-roundtrip $v $W -Wl,-z,stack-size=1048576 -I$L $S/lzf_driver.c $L/lzf_c.c $L/lzf_d.c
done
# CRC-32C software path (PyPI crc32c)
L=crc32c-2.9.post0/src/crc32c/ext
for v in O0 O2 O3-simd; do
  wasm crc32c-sw $v $W -I$L $S/crc32c_driver.c $L/crc32c_sw.c
done
# LZMA SDK (vendored in PyPI pylzma)
L=pylzma-0.6.1/src/sdk/C
for v in O2 Os O2-simd-bulk; do
  wasm lzma-roundtrip $v $W -I$L -DZ7_ST -D_7ZIP_ST $S/lzma_driver.c $L/LzmaEnc.c $L/LzmaDec.c $L/LzFind.c \
    $L/7zCrc.c $L/7zCrcOpt.c $L/Sha256.c $L/Sha256Opt.c $L/CpuArch.c
done
# Zopfli (vendored in PyPI zopfli)
L=zopfli-0.4.3/zopfli/src/zopfli
for v in O2 Os; do
  wasm zopfli-compress $v $W -I$L $S/zopfli_driver.c $(rel "$L/*.c" | grep -v zopfli_bin)
done
# LZFSE reference CLI (vendored in PyPI lzfse), data on stdin
L=lzfse-0.4.2.post1/lzfse/src
for v in O0 O2 Os; do
  wasm lzfse-cli $v $W -I$L $L/lzfse_main.c $L/lzfse_decode.c $L/lzfse_decode_base.c $L/lzfse_encode.c \
    $L/lzfse_encode_base.c $L/lzfse_fse.c $L/lzvn_decode_base.c $L/lzvn_encode_base.c
done

# ---------------------------------------------------------------- wasm shipped in npm packages
copy npm-xxhash-wasm npm-xxhash-wasm-1.1.0/package/workerd/xxhash.wasm
HW=npm-hash-wasm-4.13.0/package/dist/index.esm.js
for pair in 1:argon2 2:blake2b 4:blake3 5:crc32 8:md5 11:sha256 12:sha512 16:xxhash128 19:bcrypt 20:whirlpool; do
  b64 npm-hash-wasm-${pair#*:} $HW ${pair%%:*}
done
b64 npm-cjs-module-lexer npm-cjs-module-lexer-2.3.0/package/dist/lexer.js 0
b64 npm-blake2b-wasm npm-blake2b-wasm-2.4.0/package/blake2b.js 0
b64 npm-siphash24 npm-siphash24-1.3.1/package/siphash24.js 0
b64 npm-sha256-wasm npm-sha256-wasm-2.2.2/package/sha256.js 0

[ -z "${FAILED:-}" ] || { echo "failed modules:$FAILED" >&2; exit 1; }
echo "done: $(ls "$OUT" | wc -l) modules; build commands in $LOG" >&2
