#!/bin/sh
# Installs the etcdup binary for this machine and runs `etcdup install` with this script's arguments.
#
#   curl -fsSL https://github.com/etcdup/etcdup/releases/latest/download/install.sh | sudo sh -s -- --version v3.6.6
#
# Downloads etcdup-linux-<arch> and SHA256SUMS from ETCDUP_BASE_URL, verifies SHA256SUMS's signature
# (SHA256SUMS.sig, `ssh-keygen -Y verify` against the release key embedded below) when ssh-keygen is present,
# refuses the binary unless its SHA-256 matches, installs it as ETCDUP_INSTALL_DIR/etcdup (left alone when
# already identical), then runs
# `etcdup install "$@"`. No prompts and no TTY needed. Every `etcdup install` flag can also be given as an
# ETCDUP_<FLAG> variable, which passes through (e.g. ETCDUP_VERSION=v3.6.6).
#
# Environment:
#   ETCDUP_BASE_URL       where the binaries and SHA256SUMS are
#                         (default https://github.com/etcdup/etcdup/releases/latest/download)
#   ETCDUP_INSTALL_DIR    where etcdup goes (default /usr/local/bin)
#   ETCDUP_DOWNLOAD_ONLY  set to 1 to install the binary without running `etcdup install`
#   ETCDUP_QUIET          defaults to 1 here (warnings and errors only); set 0 for progress lines
#   CURL_CA_BUNDLE, WGETRC, https_proxy ...  are honoured by curl and wget themselves
#
# Without ssh-keygen (OpenSSH 8.1+), or in a copy of install.sh that carries no release key (a checkout's), only
# the digest is checked, and a warning says so.
#
# Exit status: that of `etcdup install`, or 3 bad signature or checksum mismatch (nothing installed), 5 download failed,
# 7 unsupported machine, no curl/wget/sha256sum, or no write access to ETCDUP_INSTALL_DIR.
#
# The whole script is one function called on the last line, so a truncated download runs nothing.

# The release signing key, as an allowed_signers line (principal etcdup-release); build.ts --signer fills it in
# the released copy. Empty here: a checkout's install.sh can only check digests.
release_signer=''

etcdup_install_main() {
  set -eu
  base_url=${ETCDUP_BASE_URL:-https://github.com/etcdup/etcdup/releases/latest/download}
  base_url=${base_url%/}
  install_dir=${ETCDUP_INSTALL_DIR:-/usr/local/bin}
  : "${ETCDUP_QUIET=1}"
  export ETCDUP_QUIET

  [ "$(uname -s)" = Linux ] || fail 7 "etcdup runs on Linux only, this is $(uname -s)"
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail 7 "unsupported machine $(uname -m): etcdup ships for x86_64 (amd64) and aarch64 (arm64)" ;;
  esac
  file="etcdup-linux-$arch"
  command -v sha256sum >/dev/null 2>&1 || fail 7 "sha256sum is missing; install coreutils"
  mkdir -p "$install_dir" 2>/dev/null || true
  if [ ! -d "$install_dir" ] || [ ! -w "$install_dir" ]; then
    fail 7 "cannot write to $install_dir; run as root (curl ... | sudo sh -s -- ...) or set ETCDUP_INSTALL_DIR"
  fi

  tmp=$(mktemp -d "${TMPDIR:-/tmp}/etcdup-install.XXXXXX")
  trap 'rm -rf "$tmp" "$install_dir/.etcdup.install-$$"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  say "downloading $base_url/$file"
  download "$base_url/SHA256SUMS" "$tmp/SHA256SUMS"
  verify_signature "$tmp"
  download "$base_url/$file" "$tmp/$file"

  want=$(awk -v f="$file" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
  case "$want" in
    *[!0-9a-f]* | "") fail 3 "$base_url/SHA256SUMS has no single SHA-256 line for $file; nothing installed" ;;
  esac
  [ "${#want}" -eq 64 ] || fail 3 "$base_url/SHA256SUMS has a malformed digest for $file; nothing installed"
  got=$(sha256sum "$tmp/$file" | cut -d ' ' -f 1)
  [ "$got" = "$want" ] ||
    fail 3 "checksum mismatch for $base_url/$file: SHA256SUMS says $want, the download is $got; nothing installed"
  say "verified sha256 $got"

  dest="$install_dir/etcdup"
  if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d ' ' -f 1)" = "$got" ]; then
    say "$dest is already this build; left as it is"
  else
    cp "$tmp/$file" "$install_dir/.etcdup.install-$$"
    chmod 0755 "$install_dir/.etcdup.install-$$"
    mv -f "$install_dir/.etcdup.install-$$" "$dest"
    say "installed $dest"
  fi

  case "${ETCDUP_DOWNLOAD_ONLY:-0}" in
    0 | "") ;;
    *) return 0 ;;
  esac
  rm -rf "$tmp"
  trap - EXIT INT TERM
  exec "$dest" install "$@" </dev/null
}

# verify_signature DIR: checks DIR/SHA256SUMS against SHA256SUMS.sig from the release with ssh-keygen and the
# embedded key (exit 3 when it does not verify); warns, even when quiet, when only the digest can be checked.
verify_signature() {
  if [ -z "$release_signer" ]; then
    warn "this install.sh carries no release key: only the SHA-256 of the binary is checked, not who published it"
    return 0
  fi
  if ! command -v ssh-keygen >/dev/null 2>&1; then
    warn "ssh-keygen (openssh-client) is missing: only the SHA-256 of the binary is checked, not the signature of SHA256SUMS"
    return 0
  fi
  download "$base_url/SHA256SUMS.sig" "$1/SHA256SUMS.sig"
  printf '%s\n' "$release_signer" >"$1/allowed_signers"
  ssh-keygen -Y verify -f "$1/allowed_signers" -I etcdup-release -n etcdup-release \
    -s "$1/SHA256SUMS.sig" <"$1/SHA256SUMS" >/dev/null 2>&1 ||
    fail 3 "the signature of $base_url/SHA256SUMS does not verify against the release key; nothing installed"
  say "verified the signature of SHA256SUMS with the embedded release key"
}

# Prints a warning, also when quiet.
warn() {
  printf 'etcdup-install: warning: %s\n' "$*" >&2
}

# Prints a progress line unless ETCDUP_QUIET is set (and not 0).
say() {
  case "${ETCDUP_QUIET:-}" in
    "" | 0) printf 'etcdup-install: %s\n' "$*" >&2 ;;
  esac
}

# fail STATUS MESSAGE: prints the error and exits with STATUS.
fail() {
  status=$1
  shift
  printf 'etcdup-install: error: %s\n' "$*" >&2
  exit "$status"
}

# download URL FILE: fetches URL into FILE with curl or wget, failing with status 5.
download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --proto '=https,http' --retry 3 --retry-connrefused -o "$2" "$1" ||
      fail 5 "download of $1 failed (curl exit $?)"
  elif command -v wget >/dev/null 2>&1; then
    wget -q --tries=3 -O "$2" "$1" || fail 5 "download of $1 failed (wget exit $?)"
  else
    fail 7 "neither curl nor wget is installed; install one of them"
  fi
}

etcdup_install_main "$@"
