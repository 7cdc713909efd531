#!/bin/sh
# The manual procedure an operator scripts to fetch, verify and unpack an etcd release:
# curl the tarball over HTTPS, check its SHA-256 with sha256sum -c, extract the three binaries with tar
# (like etcdup, which writes only etcd, etcdctl and etcdutl).
# Usage: fetch_verify_extract.sh URL SHA256 CA_FILE DEST_DIR
set -eu
url=$1
sha=$2
ca=$3
dest=$4
cd "$dest"
file=${url##*/}
curl -fsS --cacert "$ca" -o "$file" "$url"
printf '%s  %s\n' "$sha" "$file" | sha256sum -c --quiet -
tar xzf "$file" --wildcards '*/etcd' '*/etcdctl' '*/etcdutl'
