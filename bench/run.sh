#!/usr/bin/env bash
# Benchmarks rdbundle against the stock tools on one deterministic corpus (a sample Rancher
# Desktop kit written by rdbundle-sample-kit): pack, install and verify, each against
# `tar | zstd`, `zstd -dc | tar -x` and `zstd -dc > /dev/null`, and against the full stock
# chain (sha256sum + minisign). Times several repetitions (min and median) and peak RSS, prints
# a table of ratios ours/stock and writes the results as JSON (bench/out/results-<date>.json).
# A benchmark, not a test: it never fails on a time.
#
#   bench/run.sh <build-dir> [--size 1.5G] [--reps N] [--drop-caches] [--only pack,install,verify]
#                            [--workdir DIR] [--out FILE] [--keep] [--profile] [--smoke]
#
# `./dev bench [ARGS]` builds and runs this with build/. --smoke: a few MB, one repetition, to
# keep the script working (ctest runs it); its numbers mean nothing. --help for all options.
set -euo pipefail
if [ $# -lt 1 ] || [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  exec python3 "$(dirname "$0")/bench.py" --help
fi
BUILD=$(cd "$1" && pwd)
shift
exec python3 "$(dirname "$0")/bench.py" --build "$BUILD" "$@"
