#!/bin/sh
# The seed's manual install of a TLS etcd node, as an operator would script it: fetch the release
# (curl, or copy a cached tarball), sha256sum, tar, install the binaries, useradd, the openssl PKI
# (pki_openssl.sh seed: RSA-4096 CA, RSA-2048 leaves), a unit and an env file, systemctl enable --now,
# etcdctl endpoint health over mutual TLS.
# Usage: install_manual.sh TARBALL_URL|TARBALL_FILE SHA256 [ROOT]
#   With ROOT (a prefix, no systemd there) the user, the service start and the health check are skipped.
#   CURL_CA names the CA bundle for an https URL.
set -eu
src=$1
sha=$2
root=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

file=${src##*/}
case "$src" in
  https://*) curl -fsS ${CURL_CA:+--cacert "$CURL_CA"} -o "$file" "$src" ;;
  *) cp "$src" "$file" ;;
esac
printf '%s  %s\n' "$sha" "$file" | sha256sum -c --quiet -
tar xzf "$file"
dir=${file%.tar.gz}
install -d "$root/usr/local/bin"
install -m 0755 "$dir/etcd" "$dir/etcdctl" "$dir/etcdutl" "$root/usr/local/bin/"

owner=root
if [ -z "$root" ]; then
  id etcd >/dev/null 2>&1 || useradd --system --home-dir /var/lib/etcd --shell /usr/sbin/nologin etcd
  owner=etcd
fi
install -d -m 0700 -o "$owner" -g "$owner" "$root/var/lib/etcd"

pki=$root/etc/etcd/pki
install -d -m 0755 "$pki"
sh "$here/pki_openssl.sh" seed "$pki"
rm -f "$pki"/*.csr "$pki"/*.ext "$pki"/ca.srl
chmod 0600 "$pki"/*.key
chown "$owner:$owner" "$pki/server.key" "$pki/peer.key"

install -d "$root/etc/systemd/system" "$root/etc/default"
cat >"$root/etc/systemd/system/etcd.service" <<'UNIT'
[Unit]
Description=etcd key-value store
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
User=etcd
Group=etcd
EnvironmentFile=/etc/default/etcd
ExecStart=/usr/local/bin/etcd
Restart=on-failure
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT
cat >"$root/etc/default/etcd" <<ENV
ETCD_NAME=$(hostname)
ETCD_DATA_DIR=/var/lib/etcd
ETCD_LISTEN_CLIENT_URLS=https://127.0.0.1:2379
ETCD_ADVERTISE_CLIENT_URLS=https://127.0.0.1:2379
ETCD_LISTEN_PEER_URLS=https://127.0.0.1:2380
ETCD_INITIAL_ADVERTISE_PEER_URLS=https://127.0.0.1:2380
ETCD_INITIAL_CLUSTER=$(hostname)=https://127.0.0.1:2380
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_CERT_FILE=/etc/etcd/pki/server.crt
ETCD_KEY_FILE=/etc/etcd/pki/server.key
ETCD_TRUSTED_CA_FILE=/etc/etcd/pki/ca.crt
ETCD_CLIENT_CERT_AUTH=true
ETCD_PEER_CERT_FILE=/etc/etcd/pki/peer.crt
ETCD_PEER_KEY_FILE=/etc/etcd/pki/peer.key
ETCD_PEER_TRUSTED_CA_FILE=/etc/etcd/pki/ca.crt
ETCD_PEER_CLIENT_CERT_AUTH=true
ENV

[ -n "$root" ] && exit 0
systemctl daemon-reload
systemctl enable --now etcd
/usr/local/bin/etcdctl --endpoints=https://127.0.0.1:2379 --cacert="$pki/ca.crt" \
  --cert="$pki/admin.crt" --key="$pki/admin.key" endpoint health
