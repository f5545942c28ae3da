#!/usr/bin/env bash
# Builds the cargo-fuzz targets (differential, robustness, translate) and
# puts them, with their seed corpora, into $OUT: the OSS-Fuzz/ClusterFuzzLite
# build convention. Inside ClusterFuzzLite's image $SANITIZER is set and the
# image's toolchain adds the sanitizer flags; on any other machine (stable
# Rust) it builds without a sanitizer (`-s none`), into $OUT (default
# fuzz_targets/out). Optimised, with debug assertions on (cargo-fuzz's
# default), so the runtime's unsafe-access invariants are checked too; a
# later `cargo fuzz run` with the same flags reuses this build.
set -euo pipefail
# In the image the project sits at $SRC/tierdiff and this script at $SRC.
if [ -n "${SRC:-}" ] && [ -d "$SRC/tierdiff" ]; then
  cd "$SRC/tierdiff"
else
  cd "$(dirname "$0")/.."
fi

out=${OUT:-fuzz_targets/out}
mkdir -p "$out"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

if [ -n "${SANITIZER:-}" ]; then
  cargo fuzz build --fuzz-dir fuzz_targets
else
  cargo fuzz build --fuzz-dir fuzz_targets -s none
fi

triple=$(rustc -vV | sed -n 's/^host: //p')
for target in differential robustness translate; do
  cp "fuzz_targets/target/$triple/release/$target" "$out/$target"
  # Every target starts from the committed seed modules.
  if command -v zip >/dev/null 2>&1; then
    (cd corpus/seeds && zip -q -r - .) > "$out/${target}_seed_corpus.zip"
  fi
done
echo "built: $(ls "$out" | tr '\n' ' ')"
