#!/usr/bin/env bash
# Installs the Debian 12 packages wirefeed needs (if missing), configures with a preset of
# CMakePresets.json (warnings are errors) and builds: the "default" preset into build/.
# Usage: [PRESET=default|asan|tsan|bench] [BUILD_DIR=dir] deploy/setup.sh [extra cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config git
  librdkafka-dev        # Kafka client + mock cluster (rdkafka_mock.h)
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev
  libboost-dev libboost-system-dev   # Asio, Beast
  libyaml-cpp-dev       # config.yaml
  libxxhash-dev         # content hashes and SimHash shingles
  libgtest-dev libgmock-dev
  prometheus            # promtool, to validate /metrics in tests
  libsystemd-dev        # sd_notify: Type=notify readiness, status, watchdog (daemon/notify.*)
  libxml2-dev           # NITF / NewsML-G2 / NewsML 1.x (pipeline/formats), no DTD or entities
  nlohmann-json3-dev    # ninjs JSON with a depth limit (pipeline/formats)
  python3-jsonschema    # tests only: ninjs output validated against the IPTC's JSON Schemas
  systemd               # systemd-analyze/-sysusers/-tmpfiles: unit checks in tests
  debootstrap zstd      # deploy/systemd_check.sh: the cached bare Debian 12 root
)

./deploy/apt-install.sh "${PACKAGES[@]}"

PRESET="${PRESET:-default}"
if [ -n "${BUILD_DIR:-}" ]; then
  cmake --preset "$PRESET" -B "$BUILD_DIR" "$@" >/dev/null
  cmake --build "$BUILD_DIR" -j2
else
  cmake --preset "$PRESET" "$@" >/dev/null
  cmake --build --preset "$PRESET"
fi
