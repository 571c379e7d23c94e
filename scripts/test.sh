#!/usr/bin/env bash
# The whole test suite, as `make test` runs it:
#   1. unit tests (cmocka under CTest) and API tests (node:test) on the normal build;
#   2. the same on the ASan+UBSan build;
#   3. browser tests (playwright-core + Debian chromium) on the normal build.
# Usage: scripts/test.sh BUILD_DIR ASAN_BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ASAN=${2:-build-asan}
fail=0
step() { printf '\n=== %s\n' "$*"; }

step "unit tests ($BUILD)"
ctest --test-dir "$BUILD" --output-on-failure -j2 || fail=1

step "API tests ($BUILD)"
WANGGE_BIN="$BUILD/wangge" node --test --test-concurrency=2 tests/api/ || fail=1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
step "unit tests, ASan+UBSan ($ASAN)"
ctest --test-dir "$ASAN" --output-on-failure -j2 || fail=1

step "API tests, ASan+UBSan ($ASAN)"
WANGGE_BIN="$ASAN/wangge" node --test --test-concurrency=2 tests/api/ || fail=1

if ls tests/browser/*.test.mjs >/dev/null 2>&1; then
  step "browser tests ($BUILD)"
  WANGGE_BIN="$BUILD/wangge" node --test --test-concurrency=1 tests/browser/ || fail=1
fi

if [ "$fail" -ne 0 ]; then
  printf '\nmake test: FAILED (see above)\n'
  exit 1
fi
printf '\nmake test: all suites passed\n'
