#!/usr/bin/env bash
# run-ctest.sh DIR [ctest args...]: ctest in DIR, the whole log in DIR/ctest.log. The terminal
# gets the summary; when a test fails, also the full output of every failing test (and the
# log's path), so a CI log shows why without the passing tests' noise. Exit status: ctest's.
# Used by ./dev (native trees) and tools/cross/build.sh (cross trees).
set -uo pipefail
dir=$1; shift
logf=$dir/ctest.log rc=0
ctest --test-dir "$dir" -j "${JOBS:-$(nproc 2>/dev/null || echo 2)}" --output-on-failure \
  --timeout 600 "$@" >"$logf" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  # A failing test's status line ("***Failed", "***Exception", "***Timeout", "Not Run") is
  # followed by its output up to the next status line.
  awk '/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: / { show = ($0 !~ / Passed +[0-9.]+ sec$/) }
       /^ +Start +[0-9]+: / { next }
       /^[0-9]+% tests passed/ { show = 0 }
       show' "$logf"
  sed -n '/^[0-9]*% tests passed/,$p' "$logf"
  printf 'ctest failed (%s); full log: %s\n' "$dir" "$logf" >&2
else
  grep -E '^[0-9]+% tests passed|^Total Test time' "$logf"
fi
exit "$rc"
