/** Flags of `etcdup install`. */
import type { CommandSpec, FlagSpec, Options } from "./spec.ts";
import { configFlag, healthTimeout, outputFlags, rootFlag } from "./common.ts";

/** Where the release comes from and how it is trusted; shared with `download` and `upgrade`. */
export const releaseFlags = {
  version: {
    type: "string",
    value: "V",
    description: "etcd version (v3.6.6, 3.5.30) or alias (latest, latest-3.5, latest-3.6).",
    defaultText: "the newest v3.6.x in the embedded manifest",
  },
  arch: { type: "string", value: "ARCH", description: "amd64 or arm64.", defaultText: "this machine's" },
  mirror: {
    type: "string",
    value: "URL",
    description: "Release base URL; {version} and {arch} are filled in if present.",
    defaultText: "https://github.com/etcd-io/etcd/releases/download",
  },
  "mirror-ca": {
    type: "string",
    value: "FILE",
    description: "Extra CA bundle (PEM) to trust for the mirror's TLS.",
  },
  tarball: {
    type: "string",
    value: "FILE",
    description: "Install from this local release tarball (air-gapped).",
  },
  bundle: {
    type: "string",
    value: "DIR",
    description: "Install from a directory made by 'etcdup download' (picks the right version and arch).",
  },
  sha256: {
    type: "string",
    value: "HEX",
    parse: "sha256",
    description:
      "Expected SHA-256 of the tarball; your own decision, it wins over the manifest (with a warning).",
  },
} satisfies Record<string, FlagSpec>;

/** Certificate flags; shared with `certs`. */
export const pkiFlags = {
  "pki-dir": {
    type: "string",
    value: "DIR",
    description: "Where certificates and keys live.",
    defaultText: "/etc/etcd/pki",
  },
  layout: {
    type: "string",
    value: "NAME",
    parse: "layout",
    description: "File names and CNs: 'etcd' (/etc/etcd/pki) or 'kubeadm' (/etc/kubernetes/pki/etcd).",
    defaultText: "etcd",
  },
  "key-algorithm": {
    type: "string",
    value: "ALG",
    parse: "keyAlgorithm",
    description: "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519.",
    defaultText: "ecdsa-p256",
  },
  san: {
    type: "string",
    multiple: true,
    value: "NAME|IP",
    parse: "san",
    description:
      "Extra subject alternative name for server and peer certificates (lower-cased, no trailing dot).",
  },
  "cert-days": {
    type: "string",
    value: "N",
    parse: "days",
    default: "365",
    description: "Validity of leaf certificates in days.",
  },
  "ca-days": {
    type: "string",
    value: "N",
    parse: "days",
    default: "3650",
    description: "Validity of a new CA in days.",
  },
  "ca-from": {
    type: "string",
    value: "FILE",
    description: "Use the CA exported by 'etcdup certs export' (cluster nodes share one CA).",
  },
  "ca-cert": {
    type: "string",
    value: "FILE",
    description: "Use this existing CA certificate (PEM), with --ca-key.",
  },
  "ca-key": { type: "string", value: "FILE", description: "Private key (PEM) of --ca-cert." },
} satisfies Record<string, FlagSpec>;

/** Member and cluster flags; shared with `join`. */
export const memberFlags = {
  name: {
    type: "string",
    value: "NAME",
    parse: "memberName",
    description: "Member name.",
    defaultText: "the short hostname",
  },
  "advertise-address": {
    type: "string",
    value: "IP",
    description: "Address other members and clients use to reach this node.",
    defaultText: "the first non-loopback address",
  },
  "initial-cluster": {
    type: "string",
    value: "LIST",
    description: "Static bootstrap: name1=https://ip1:2380,name2=... (this node included).",
  },
  "cluster-token": {
    type: "string",
    value: "TOKEN",
    description: "Initial cluster token.",
    defaultText: "derived from --initial-cluster",
  },
  "client-port": {
    type: "string",
    value: "PORT",
    parse: "port",
    description: "Client port.",
    defaultText: "2379",
  },
  "peer-port": {
    type: "string",
    value: "PORT",
    parse: "port",
    description: "Peer port.",
    defaultText: "2380",
  },
} satisfies Record<string, FlagSpec>;

/** Paths and service flags; shared with `join` and `upgrade`. */
export const hostFlags = {
  "bin-dir": {
    type: "string",
    value: "DIR",
    description: "Where etcd, etcdctl and etcdutl go.",
    defaultText: "/usr/local/bin",
  },
  "data-dir": {
    type: "string",
    value: "DIR",
    description: "etcd's data directory.",
    defaultText: "/var/lib/etcd",
  },
  "wal-dir": {
    type: "string",
    value: "DIR",
    description:
      "A dedicated directory for etcd's write-ahead log (kept in DIR/wal; e.g. on a faster disk), not in the data dir.",
    defaultText: "inside the data dir",
  },
  "no-start": { type: "boolean", description: "Write everything, enable the unit, but do not start etcd." },
  "dry-run": {
    type: "boolean",
    description: "Print the plan (files, owners, modes, users, service actions) and exit.",
    flagOnly: true,
  },
  "health-timeout": healthTimeout,
  "skip-disk-check": {
    type: "boolean",
    description: "Do not measure the data dir's fsync latency before a first install (it only ever warns).",
  },
} satisfies Record<string, FlagSpec>;

/** etcdup's scheduled jobs (lib/plan/timers.ts); shared with `join` (every member runs its own). */
export const timerFlags = {
  "backup-schedule": {
    type: "string",
    value: "CALENDAR",
    description: "When etcdup-backup.timer runs 'etcdup backup': a systemd OnCalendar= expression.",
    defaultText: "hourly",
  },
  "no-backup-timer": {
    type: "boolean",
    description: "Do not install etcdup-backup.timer (remove it if there).",
  },
  "no-timers": {
    type: "boolean",
    description:
      "Do not set up any of etcdup's timers (backup, certificate renewal, maintenance); removes ones set up before.",
  },
  "certs-schedule": {
    type: "string",
    value: "CALENDAR",
    description:
      "When etcdup-certs.timer runs 'certs renew --if-expiring' (systemd OnCalendar=, +1 h random).",
    defaultText: "daily",
  },
  "maintain-schedule": {
    type: "string",
    value: "CALENDAR",
    description: "When etcdup-maintain.timer runs 'maintain' (systemd OnCalendar=, +1 h random).",
    defaultText: "daily",
  },
  "metrics-textfile-dir": {
    type: "string",
    value: "DIR",
    description: "node_exporter textfile directory the certs timer refreshes etcdup-certs.prom in.",
  },
} satisfies Record<string, FlagSpec>;

/**
 * What keeps an unattended etcd healthy; shared with `join`. Each value is checked by its rule; lib/plan/care.ts
 * checks what involves two flags (the quota's --force-quota, etcd's 5 heartbeats per election timeout) and
 * fills in the timing the preset gives. The quota's default is lib/plan/care.ts's DEFAULT_QUOTA_BYTES
 * (checked by tests/plan/care_test.ts: the specs may not import lib/plan).
 */
export const careFlags = {
  "auto-compaction-retention": {
    type: "string",
    value: "DURATION",
    description: "Keep this much history; older revisions are compacted (periodic mode). 0 turns it off.",
    parse: "duration",
    default: "1h",
  },
  "quota-backend-bytes": {
    type: "string",
    value: "SIZE",
    description: "Database size at which etcd raises NOSPACE and stops taking writes (e.g. 4GiB).",
    parse: "size",
    default: "2GiB",
    defaultText: "2GiB (etcd's own default, written explicitly)",
  },
  "force-quota": {
    type: "boolean",
    description: "Allow --quota-backend-bytes above etcd's recommended maximum of 8 GiB.",
  },
  tuning: {
    type: "string",
    value: "PRESET",
    description:
      "Raft timing from etcd's tuning guide: lan (heartbeat 100 ms, election 1000 ms) or wan (500/5000).",
    parse: "tuning",
    default: "lan",
  },
  "heartbeat-interval": {
    type: "string",
    value: "MS",
    description: "Raft heartbeat in ms (about the round trip between members); overrides --tuning.",
    parse: "raftMs",
  },
  "election-timeout": {
    type: "string",
    value: "MS",
    description: "Raft election timeout in ms (at least 5, better 10 heartbeats); overrides --tuning.",
    parse: "raftMs",
  },
  "metrics-address": {
    type: "string",
    value: "IP",
    description: "Address of the plain-http /metrics and /health listener (port 2381), e.g. for Prometheus.",
    defaultText: "127.0.0.1",
  },
} satisfies Record<string, FlagSpec>;

/** The flags of `etcdup install`; `join` plans with them too (lib/install/plan_install.ts). */
export const installFlags = {
  ...releaseFlags,
  ...hostFlags,
  ...pkiFlags,
  ...memberFlags,
  ...careFlags,
  ...timerFlags,
  ...rootFlag,
  ...configFlag,
  "print-config": {
    type: "boolean",
    description: "Print the merged configuration (flags > env > file) and exit.",
    flagOnly: true,
  },
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** What install's planner reads: every flag of install, checked by its rule and typed. */
export type InstallOptions = Options<typeof installFlags>;

/** `etcdup install`. */
export const installSpec: CommandSpec = {
  name: "install",
  summary: "Download, verify and install etcd with a full TLS PKI as a systemd service.",
  usage: "etcdup install [flags]",
  details: `Examples:
  etcdup install                                   # newest v3.6.x, TLS everywhere, started and health-checked
  etcdup install --version latest-3.5 --san etcd.example.com
  etcdup install --tarball ./etcd-v3.6.6-linux-amd64.tar.gz   # air-gapped
  etcdup install --root /mnt/image --no-start      # bake into an image`,
  flags: installFlags,
};
