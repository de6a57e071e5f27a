#!/usr/bin/env bash
# Sets up (deps + build) and runs the tests.
#   deploy/test.sh          every test (unit + end-to-end against the mock broker), build/
#   deploy/test.sh asan     the same under AddressSanitizer + UBSan, build-asan/
#   deploy/test.sh tsan     the unit/pipeline tests under ThreadSanitizer, build-tsan/ (librdkafka
#                           starts its threads with C11 thrd_create, which g++ 12's TSan does not
#                           intercept, so in-process mock-broker tests cannot run under TSan)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-default}"
case "$mode" in
  default)
    ./deploy/setup.sh
    ctest --test-dir build --output-on-failure -j2 --timeout 300
    ;;
  asan)
    BUILD_DIR=build-asan ./deploy/setup.sh -DWIREFEED_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir build-asan --output-on-failure -j2 --timeout 600
    ;;
  tsan)
    BUILD_DIR=build-tsan ./deploy/setup.sh -DWIREFEED_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
      ctest --test-dir build-tsan --output-on-failure -j2 --timeout 600 -L unit
    ;;
  *)
    echo "usage: deploy/test.sh [default|asan|tsan]" >&2
    exit 2
    ;;
esac
