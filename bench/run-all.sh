#!/usr/bin/env bash
# bench/run-all.sh - every benchmark of bench/, one after the other (`make
# bench`). Each prints its own figures; docs/performance.md explains them.
# The queue and KPI benchmarks fill 10 million events the first time (tens
# of minutes; kept in bench/out/ for the next run): QUICK=1 runs them over
# 1 million instead. Skip any with SKIP="queue kpi".
#   bench/run-all.sh [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
export BUILD=${1:-${BUILD:-build}}
skip=" ${SKIP:-} "
if [ -n "${QUICK:-}" ]; then
	export EVENTS=${EVENTS:-1000000} KPI_EVENTS=${KPI_EVENTS:-1000000}
fi
failed=()
for b in locate http-read intake-floor intake queue kpi sse screen; do
	case "$skip" in *" $b "*) continue ;; esac
	printf '\n===== bench/%s\n' "$b"
	bench/"$b" || failed+=("$b")
done
if [ ${#failed[@]} -gt 0 ]; then
	printf '\nbench: failed: %s\n' "${failed[*]}"
	exit 1
fi
