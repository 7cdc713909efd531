#!/bin/sh
# The manual PKI with openssl: a CA, then server, peer, admin and one extra client certificate, each
# a key, a CSR and an `x509 -req` signature with the extensions etcd needs.
# Usage: pki_openssl.sh KIND DIR
#   KIND seed: the seed procedure (genrsa 4096 CA, genrsa 2048 leaves)
#        rsa-2048 | rsa-4096 | ecdsa-p256 | ed25519: the same steps with that key type everywhere
set -eu
kind=$1
cd "$2"

key() { # key FILE SEED_RSA_BITS
  case "$kind" in
    seed) openssl genrsa -out "$1" "$2" 2>/dev/null ;;
    rsa-*) openssl genrsa -out "$1" "${kind#rsa-}" 2>/dev/null ;;
    ecdsa-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$1" ;;
    *) echo "unknown kind $kind" >&2; exit 2 ;;
  esac
}
key ca.key 4096
openssl req -x509 -new -key ca.key -days 3650 -subj "/CN=etcd-ca" -out ca.crt \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

leaf() { # leaf NAME CN EKU
  key "$1.key" 2048
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=$3" "subjectAltName=DNS:localhost,DNS:$(hostname),IP:127.0.0.1" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
leaf server etcd-server serverAuth,clientAuth
leaf peer etcd-peer serverAuth,clientAuth
leaf admin etcd-admin clientAuth
leaf client etcd-client clientAuth
