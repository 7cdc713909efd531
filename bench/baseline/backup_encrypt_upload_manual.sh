#!/bin/sh
# The manual off-host backup an operator would script: a snapshot over mutual TLS with the admin
# certificate, encrypted with age to a recipient, copied to S3 with rclone (remote "T" from the
# RCLONE_CONFIG_T_* variables), the local ciphertext kept; arguments after DEST go to rclone (e.g. its
# multipart settings). Usage: backup_encrypt_upload_manual.sh DIR RECIPIENT DEST [RCLONE_FLAG...]
set -eu
dir=$1
recipient=$2
dest=$3
shift 3
pki=/etc/etcd/pki
mkdir -p "$dir"
f="$dir/snapshot-$(date -u +%Y%m%dT%H%M%SZ).db"
etcdctl --endpoints=https://127.0.0.1:2379 --cacert=$pki/ca.crt --cert=$pki/admin.crt --key=$pki/admin.key \
  snapshot save "$f" >/dev/null
age -r "$recipient" -o "$f.age" "$f"
rm -f "$f"
rclone copyto "$@" "$f.age" "T:$dest/$(basename "$f").age"
