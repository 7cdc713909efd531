/** Reading a failed etcd's journal for the likely cause and its fix. */

const RULES: [RegExp, string][] = [
  [/address already in use/i, "Another process holds the client or peer port: find it with 'ss -ltnp'."],
  [
    /permission denied/i,
    "etcd (user etcd) cannot read a file or write its data dir: check owners and modes.",
  ],
  [/member .* has already been bootstrapped/i, "The data dir belongs to an earlier cluster: move it aside."],
  [
    /cluster ID mismatch|mismatch.*cluster/i,
    "This data dir is from another cluster (or token): move it aside.",
  ],
  [
    /conflicting environment variable|is shadowed by corresponding command-line flag/i,
    "A setting is both an ETCD_* variable and a flag in ExecStart: keep it in one place only.",
  ],
  [
    /has no leader|waiting for quorum|failed to publish local member|(dial|connect).*:2380/i,
    "The other members of --initial-cluster are not up: run etcdup install on them too (a new cluster needs a quorum).",
  ],
  [/certificate|x509|tls:/i, "A certificate problem: run 'etcdup certs check' (SANs, chain, expiry)."],
  [
    /cannot assign requested address/i,
    "The advertise/listen address is not on this host: pass --advertise-address.",
  ],
  [/couldn't find local name/i, "--name is not in --initial-cluster: use the same name on both."],
  [
    /status=203\/EXEC|Failed to (execute|locate) /i,
    "The etcd binary is missing or not executable in --bin-dir.",
  ],
  [
    /status=226\/NAMESPACE|Failed to set up mount namespacing/i,
    "The data dir is missing (the unit's ReadWritePaths needs it): re-run etcdup install.",
  ],
];

/**
 * The likely fix for a journal excerpt, or a general pointer.
 * @example likelyFix("listen tcp 127.0.0.1:2379: bind: address already in use") // "Another process ..."
 */
export function likelyFix(journal: string): string {
  for (const [re, fix] of RULES) if (re.test(journal)) return fix;
  return "Read 'journalctl -u etcd' for etcd's own error; 'systemctl status etcd' shows the unit's state.";
}
