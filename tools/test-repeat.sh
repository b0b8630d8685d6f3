#!/usr/bin/env bash
# npm run test:repeat [-- RUNS]: the end-to-end, runner and handler suites RUNS times in a row
# (default 3) while a second process keeps one CPU core busy, as on a loaded machine. Prints each
# run's result and time, then how many runs failed; exits non-zero when any did. The busy process
# is stopped however the script ends.
set -uo pipefail
cd "$(dirname "$0")/.."

runs="${1:-3}"
limit="${TEST_TIME_LIMIT:-45m}"

npm run build || exit 1

node -e 'for (;;) {}' &
busy=$!
trap 'kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null' EXIT
trap 'exit 130' INT TERM

failed=0
for run in $(seq 1 "$runs"); do
  started=$(date +%s)
  timeout --kill-after=30s "$limit" npx jest --ci --silent test/e2e test/tools test/lambda
  status=$?
  seconds=$(($(date +%s) - started))
  if [ "$status" -eq 0 ]; then
    echo "run $run of $runs: passed in ${seconds} s"
  else
    failed=$((failed + 1))
    [ "$status" -eq 124 ] && echo "run $run of $runs: did not finish within $limit (a hang?): stopped"
    echo "run $run of $runs: FAILED (exit $status) in ${seconds} s"
  fi
done
echo "$failed of $runs runs failed (with one CPU core kept busy)"
[ "$failed" -eq 0 ]
