#!/usr/bin/env bash
# Installs the Debian 12 packages wirefeed needs (if missing), configures and builds into build/.
# Usage: deploy/setup.sh [extra cmake -D options...]
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
  systemd               # systemd-analyze/-sysusers/-tmpfiles: unit checks in tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR="${BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j2
