#!/usr/bin/env bash
# Sets up (deps + build) and runs every test (unit + end-to-end against the mock broker).
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/setup.sh
ctest --test-dir build --output-on-failure -j2 --timeout 300
