#!/usr/bin/env bash
# Installs what the status-page browser test needs: Debian's chromium (apt) and playwright-core
# (npm, from tests/browser/package.json; node_modules is never committed). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
pkgs=()
command -v chromium >/dev/null || pkgs+=(chromium)
command -v npm >/dev/null || pkgs+=(nodejs npm)  # a node install of its own (with npm) is kept
if [ "${#pkgs[@]}" -gt 0 ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${pkgs[@]}"
fi
(cd tests/browser && npm install --no-audit --no-fund --silent)
