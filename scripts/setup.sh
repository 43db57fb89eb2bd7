#!/usr/bin/env bash
# One-time setup on a fresh Debian machine with Node 20: system packages, then npm packages.
# Idempotent: skips apt when everything is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential python3            # node-gyp for the native backend and better-sqlite3
  libdnnl-dev                        # oneDNN: convolutions for the native backend
  dataset-fashion-mnist              # the real data set (/usr/share/datasets/fashion-mnist)
  fonts-dejavu-core                  # text in PNG figures
  chromium                           # browser tests of the dashboard and report (playwright-core)
  python3-torch python3-numpy        # PyTorch 1.13: fixtures, benchmarks, the PyTorch adapter (integrations/pytorch) and its tests
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
