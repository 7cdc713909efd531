#!/bin/sh
# The manual backup an operator would script: a snapshot over mutual TLS with the admin certificate, read
# back with etcdutl, its SHA-256 recorded beside it. Usage: backup_manual.sh DIR
set -eu
dir=$1
pki=/etc/etcd/pki
mkdir -p "$dir"
f="$dir/snapshot-$(date -u +%Y%m%dT%H%M%SZ).db"
etcdctl --endpoints=https://127.0.0.1:2379 --cacert=$pki/ca.crt --cert=$pki/admin.crt --key=$pki/admin.key \
  snapshot save "$f" >/dev/null
etcdutl snapshot status "$f" -w json >"$f.status"
sha256sum "$f" >"$f.sha256"
