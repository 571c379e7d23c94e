#!/usr/bin/env bash
# The whole test suite, as `make test` runs it:
#   1. unit tests (cmocka under CTest) and API tests (node:test), normal build, SQLite;
#   2. the same against PostgreSQL (a throwaway server on loopback, scripts/pg-test-server.sh);
#   3. unit and API tests on the ASan+UBSan build, SQLite;
#   4. browser tests (playwright-core + Debian chromium), normal build.
# Usage: scripts/test.sh BUILD_DIR ASAN_BUILD_DIR
# WANGGE_TEST_BACKENDS="sqlite postgresql" (default) picks the backends.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ASAN=${2:-build-asan}
BACKENDS=${WANGGE_TEST_BACKENDS:-sqlite postgresql}
fail=0
failed=()
step() { printf '\n=== %s\n' "$*"; }
run() { # run NAME CMD...: run a suite, remember failures
  local name=$1; shift
  step "$name"
  if ! "$@"; then fail=1; failed+=("$name"); fi
}
unit() { ctest --test-dir "$1" --output-on-failure -j2; }
api() { WANGGE_BIN="$1/wangge" node --test --test-concurrency=2 tests/api/; }

PG_URL=""
cleanup() { [ -n "$PG_URL" ] && scripts/pg-test-server.sh stop "$PG_DIR" >/dev/null 2>&1; }
trap cleanup EXIT

for b in $BACKENDS; do
  case $b in
  sqlite)
    run "unit tests, SQLite ($BUILD)" unit "$BUILD"
    run "API tests, SQLite ($BUILD)" api "$BUILD"
    ;;
  postgresql)
    PG_DIR=$(mktemp -d /tmp/wangge-pg-XXXXXX)
    if PG_URL=$(scripts/pg-test-server.sh start "$PG_DIR" "${WANGGE_PG_PORT:-55433}"); then
      export WANGGE_TEST_PG=$PG_URL
      run "unit tests, PostgreSQL ($BUILD)" unit "$BUILD"
      run "API tests, PostgreSQL ($BUILD)" api "$BUILD"
      unset WANGGE_TEST_PG
    else
      fail=1; failed+=("starting PostgreSQL")
    fi
    ;;
  esac
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run "unit tests, ASan+UBSan, SQLite ($ASAN)" unit "$ASAN"
run "API tests, ASan+UBSan, SQLite ($ASAN)" api "$ASAN"
unset ASAN_OPTIONS UBSAN_OPTIONS

if ls tests/browser/*.test.mjs >/dev/null 2>&1; then
  run "browser tests ($BUILD)" env WANGGE_BIN="$BUILD/wangge" node --test --test-concurrency=1 tests/browser/
fi

if [ "$fail" -ne 0 ]; then
  printf '\nmake test: FAILED: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nmake test: all suites passed\n'
