# Written by etcdup as @PROFILE_FILE@. etcdctl reaches the local etcd over mutual TLS with the admin
# client certificate, which only root can read, so only root's shells get these variables.
# etcdctl refuses a flag next to its ETCDCTL_* variable (e.g. --endpoints with ETCDCTL_ENDPOINTS):
# unset the variable for that command, e.g. env -u ETCDCTL_ENDPOINTS etcdctl --endpoints ... .
if [ "$(id -u)" = 0 ]; then
  export ETCDCTL_API=3
  export ETCDCTL_ENDPOINTS='@ENDPOINTS@'
  export ETCDCTL_CACERT='@CA_CERT@'
  export ETCDCTL_CERT='@CERT@'
  export ETCDCTL_KEY='@KEY@'
fi
