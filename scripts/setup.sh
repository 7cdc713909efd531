#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine (as root) to develop and test etcdup: the Debian packages the test suite
# uses, then the pinned Deno and nothing else from npm (`npm ci`). Safe to run again. Used by the README's
# quick start and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
# debootstrap + systemd-container: the e2e containers; iproute2: their networks; openssl and gnutls-bin
# (certtool): the independent strict certificate verifiers; apt/dpkg build the etcd fixtures; curl, wget,
# shellcheck: install.sh's tests; time: the bench smoke run's peak-RSS figures; strace: the
# kill-at-every-rename install test.
apt-get update -q
apt-get install -y -q --no-install-recommends \
  debootstrap systemd-container iproute2 openssl gnutls-bin curl wget ca-certificates shellcheck tar gzip xz-utils time \
  strace

npm ci --no-audit --no-fund
