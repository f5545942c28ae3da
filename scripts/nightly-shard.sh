#!/usr/bin/env bash
# One shard of the nightly differential run: `tierdiff fuzz` on every core
# for a fixed time, writing a report folder for `nightly-merge.sh`.
#
#   scripts/nightly-shard.sh SHARD COUNT [TIME] [OUT]
#
# SHARD/COUNT split one seed between machines (1-based). TIME is a fuzz
# budget such as 30m (default 30m); OUT the report folder (default
# reports/nightly/shard-SHARD). Environment: SEED (default: today's date,
# so that every shard of one night shares it), JOBS (default: every core),
# TIERDIFF (a tierdiff binary; default: build one with cargo), ENGINES
# (`--engines`, e.g. classic,wamr-classic,wamr-fast,wamr-fast-jit,wasmi;
# default: tierdiff's default engines).
#
# Exits 0 even when the shard has findings: they are judged once, after the
# merge. It fails only when tierdiff itself cannot run (exit 2 or worse).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: $0 SHARD COUNT [TIME] [OUT]" >&2
  exit 2
fi
shard=$1
count=$2
budget=${3:-30m}
out=${4:-reports/nightly/shard-$shard}
seed=${SEED:-$(date -u +%Y%m%d)}
jobs=${JOBS:-$(nproc)}

bin=${TIERDIFF:-}
if [ -z "$bin" ]; then
  cargo build --release --locked -p tierdiff
  bin=target/release/tierdiff
fi

rm -rf "$out"
mkdir -p "$(dirname "$out")"
set +e
engines=()
if [ -n "${ENGINES:-}" ]; then
  engines=(--engines "$ENGINES")
fi
"$bin" fuzz --seed "$seed" --shard "$shard/$count" --time "$budget" --jobs "$jobs" --out "$out" "${engines[@]}"
status=$?
set -e
if [ "$status" -gt 1 ]; then
  echo "nightly-shard: tierdiff fuzz failed to run (exit $status)" >&2
  exit "$status"
fi
echo "nightly-shard: shard $shard/$count of seed $seed done (exit $status); report in $out"
