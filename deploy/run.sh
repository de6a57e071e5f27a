#!/usr/bin/env bash
# Sets up (deps + build) and runs the daemon on the embedded default broker, seeded with
# samples/, echoing each published record as one JSON line; /metrics on 127.0.0.1:9464.
# Extra arguments go to wirefeedd, e.g. --set kafka.brokers=host:9092
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/setup.sh >&2
exec ./build/bin/wirefeedd --config config.yaml "$@"
