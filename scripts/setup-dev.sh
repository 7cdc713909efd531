#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine (as root) to DEVELOP and TEST etcdup: what running it needs
# (scripts/setup.sh: Node.js/npm from apt if missing, `npm ci` for the pinned Deno), then the Debian packages
# the test suite uses. Safe to run again. Used by .ci/run and the README's development section.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

export DEBIAN_FRONTEND=noninteractive
# debootstrap + systemd-container: the e2e containers; iproute2: their networks; openssl and gnutls-bin
# (certtool): the independent strict certificate verifiers; apt/dpkg build the etcd fixtures; install.sh's
# tests use curl, wget and shellcheck; time: the bench smoke run's peak-RSS figures; strace: the
# kill-at-every-rename install test; util-linux (setpriv): the non-root tests; age and rclone: the
# independent decrypter and S3 client of the offsite tests.
apt-get update -q
apt-get install -y -q --no-install-recommends \
  debootstrap systemd-container iproute2 openssl gnutls-bin curl wget ca-certificates shellcheck tar gzip \
  xz-utils time strace util-linux age rclone
