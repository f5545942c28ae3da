#!/usr/bin/env bash
# Joins the nightly shards' report folders into one report and decides the
# night: exit 1 only on real findings (reference-engine bugs are listed, not
# failures; STRICT=1 makes them fail too).
#
#   scripts/nightly-merge.sh OUT SHARD_REPORT_DIR...
#
# Environment: TIERDIFF (a tierdiff binary; default: build one with cargo),
# STRICT. When GITHUB_STEP_SUMMARY is set (GitHub Actions), the merged
# summary.md is appended to the job summary.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: $0 OUT SHARD_REPORT_DIR..." >&2
  exit 2
fi
out=$1
shift

bin=${TIERDIFF:-}
if [ -z "$bin" ]; then
  cargo build --release --locked -p tierdiff
  bin=target/release/tierdiff
fi

strict=()
if [ "${STRICT:-0}" = "1" ]; then
  strict=(--strict)
fi

rm -rf "$out"
set +e
"$bin" merge "$@" --out "$out" "${strict[@]}"
status=$?
set -e
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/summary.md" ]; then
  cat "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$status"
