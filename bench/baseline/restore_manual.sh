#!/bin/sh
# The manual restore an operator would script on a single member installed by etcdup: restore the snapshot
# into a new data dir as this member with a new cluster token, stop etcd, keep the old data dir aside, put
# the new one in place for the etcd user, start etcd and check health over mutual TLS.
# Usage: restore_manual.sh SNAPSHOT
set -eu
snap=$1
# shellcheck source=/dev/null
. /etc/default/etcd
pki=/etc/etcd/pki
stamp=$(date -u +%Y%m%dT%H%M%S%N)
new="$ETCD_DATA_DIR.manual-$stamp"
etcdutl snapshot restore "$snap" --name "$ETCD_NAME" --data-dir "$new" \
  --initial-cluster "$ETCD_NAME=$ETCD_INITIAL_ADVERTISE_PEER_URLS" \
  --initial-advertise-peer-urls "$ETCD_INITIAL_ADVERTISE_PEER_URLS" \
  --initial-cluster-token "manual-$stamp" >/dev/null 2>&1
chown -R etcd:etcd "$new"
chmod 0700 "$new"
systemctl stop etcd
mv "$ETCD_DATA_DIR" "$ETCD_DATA_DIR.before-manual-$stamp"
mv "$new" "$ETCD_DATA_DIR"
systemctl start etcd
etcdctl --endpoints=https://127.0.0.1:2379 --cacert=$pki/ca.crt --cert=$pki/admin.crt --key=$pki/admin.key \
  endpoint health >/dev/null
