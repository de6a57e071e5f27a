#!/usr/bin/env bash
# Sets up (deps + build) and runs the tests, with the configure and test presets of the same name
# in CMakePresets.json.
#   deploy/test.sh          every test (unit + end-to-end against the mock broker), build/
#   deploy/test.sh asan     the same under AddressSanitizer + UBSan, build-asan/
#   deploy/test.sh tsan     the unit/pipeline tests under ThreadSanitizer, build-tsan/ (librdkafka
#                           starts its threads with C11 thrd_create, which g++ 12's TSan does not
#                           intercept, so in-process mock-broker tests cannot run under TSan)
#   deploy/test.sh browser  the status page in headless Chromium (deploy/browser-setup.sh installs
#                           chromium and playwright-core); screenshot: build/status-page.png
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-default}"
case "$mode" in
  default)
    ./deploy/setup.sh
    ctest --preset default
    ;;
  asan)
    PRESET=asan ./deploy/setup.sh
    ctest --preset asan
    ;;
  tsan)
    PRESET=tsan ./deploy/setup.sh
    ctest --preset tsan
    ;;
  browser)
    ./deploy/browser-setup.sh
    [ -x build/bin/wirefeedd ] || ./deploy/setup.sh
    node tests/browser/status_page.mjs build
    ;;
  *)
    echo "usage: deploy/test.sh [default|asan|tsan|browser]" >&2
    exit 2
    ;;
esac
