#!/usr/bin/env bash
# Sets up a checkout to RUN etcdup on a Debian/Ubuntu machine with nothing but apt: Node.js and npm from the
# distribution when they are missing (as root), then the pinned Deno from npm (`npm ci`) and nothing else.
# The test tools come from scripts/setup-dev.sh. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: Node.js and npm are missing; run this as root (sudo $0) so apt can install them" >&2
    exit 1
  fi
  echo "setup: installing Node.js and npm from the distribution (apt-get install nodejs npm)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends nodejs npm ca-certificates
fi

npm ci --no-audit --no-fund
