/** Flags of the `etcdup certs` subcommands: check, renew, issue-client, rotate-ca, export. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, healthTimeout, outputFlags, rootFlag } from "./common.ts";
import { pkiFlags } from "./install.ts";

/** Where the PKI is: every subcommand takes these. */
const whereFlags = {
  layout: pkiFlags.layout,
  "pki-dir": pkiFlags["pki-dir"],
  ...rootFlag,
} satisfies Record<string, FlagSpec>;

/** Restarting etcd after new certificates are in place (renew, rotate-ca). */
const reloadFlags = {
  "no-restart": {
    type: "boolean",
    description: "Put the files in place but do not restart etcd (restart it yourself to load them).",
  },
  "health-timeout": {
    ...healthTimeout,
    description: "How long to wait for etcd to be healthy over mTLS after the restart.",
  },
} satisfies Record<string, FlagSpec>;

/** Reissuing leaves (renew, rotate-ca): their key algorithm, validity, keys and member name. */
const reissueFlags = {
  "key-algorithm": { ...pkiFlags["key-algorithm"], defaultText: "the installed one" },
  "cert-days": pkiFlags["cert-days"],
  "reuse-keys": {
    type: "boolean",
    description: "Keep the existing private keys (only the certificates change).",
  },
  name: {
    type: "string",
    value: "NAME",
    parse: "memberName",
    description: "Member name (CN of server and peer).",
    defaultText: "the installed one, else the short hostname",
  },
} satisfies Record<string, FlagSpec>;

const backdate = {
  backdate: {
    type: "string",
    value: "MINUTES",
    parse: "minutes",
    description: "Start validity this many minutes in the past (clock skew between hosts).",
    defaultText: "5",
  },
} satisfies Record<string, FlagSpec>;

const common = { ...configFlag, ...outputFlags };

/** The flags of `certs check`. */
export const checkFlags = {
  ...whereFlags,
  "warn-days": {
    type: "string",
    value: "N",
    parse: "daysAhead",
    default: "30",
    description: "Flag certificates that expire within N days.",
  },
  san: {
    type: "string",
    multiple: true,
    value: "NAME|IP",
    parse: "san",
    description: "Also require server and peer certificates to cover this name.",
  },
  prometheus: {
    type: "string",
    value: "FILE",
    description: "Also write expiry and problem counts as node_exporter textfile metrics to FILE (*.prom).",
  },
  ...common,
} satisfies Record<string, FlagSpec>;

/** The flags of `certs renew`. */
export const renewFlags = {
  ...whereFlags,
  san: pkiFlags.san,
  "if-expiring": {
    type: "boolean",
    description:
      "Renew only what 'certs check' reports as expired or expiring within --window days (a no-op otherwise).",
  },
  window: {
    type: "string",
    value: "DAYS",
    parse: "daysAhead",
    default: "30",
    description: "With --if-expiring: how close to expiry a certificate must be.",
  },
  prometheus: {
    type: "string",
    value: "FILE",
    description: "Afterwards, write what 'certs check' would report as textfile metrics to FILE (*.prom).",
  },
  "reset-sans": {
    type: "boolean",
    description:
      "Server and peer cover exactly this host's current names and --san, dropping old names they had.",
  },
  "dry-run": {
    type: "boolean",
    description:
      "Print which certificates would be reissued and why, and every file written; change nothing.",
    flagOnly: true,
  },
  ...reissueFlags,
  ...backdate,
  ...reloadFlags,
  ...common,
} satisfies Record<string, FlagSpec>;

/** The flags of `certs issue-client`. */
export const issueClientFlags = {
  ...whereFlags,
  cn: { type: "string", value: "CN", description: "Subject common name.", defaultText: "NAME" },
  org: { type: "string", value: "O", description: "Subject organization (e.g. system:masters)." },
  days: { type: "string", value: "N", parse: "days", default: "365", description: "Validity in days." },
  out: {
    type: "string",
    value: "DIR",
    description: "Directory for NAME.crt and NAME.key.",
    defaultText: "the PKI directory; with --for-user ~USER/.config/etcdup",
  },
  "for-user": {
    type: "string",
    value: "USER",
    description:
      "Issue the pair for this non-root user: owned by USER (key 0600), etcdctl set up in USER's login shells.",
  },
  "key-algorithm": pkiFlags["key-algorithm"],
  ...backdate,
  ...common,
} satisfies Record<string, FlagSpec>;

/** The flags of `certs rotate-ca`. */
export const rotateCaFlags = {
  ...whereFlags,
  finish: { type: "boolean", description: "Drop the old CA from the trust bundle (last step)." },
  stage: {
    type: "boolean",
    description: "Cluster first step: trust the new CA beside the current one, change no certificate.",
  },
  out: {
    type: "string",
    value: "FILE",
    description: "With --stage and a generated CA: where to write its export (0600) for the other members.",
  },
  force: { type: "boolean", description: "Overwrite --out if it exists." },
  "ca-from": pkiFlags["ca-from"],
  "ca-cert": pkiFlags["ca-cert"],
  "ca-key": pkiFlags["ca-key"],
  "ca-days": pkiFlags["ca-days"],
  "dry-run": {
    type: "boolean",
    description:
      "Print the phase this run would do and every file it writes; change nothing (no export either).",
    flagOnly: true,
  },
  ...reissueFlags,
  ...backdate,
  ...reloadFlags,
  ...common,
} satisfies Record<string, FlagSpec>;

/** The flags of `certs export`. */
export const exportFlags = {
  ...whereFlags,
  out: {
    type: "string",
    value: "FILE",
    description: "Where to write the export (created 0600 root; never under --root).",
  },
  force: { type: "boolean", description: "Overwrite --out if it exists." },
  ...common,
} satisfies Record<string, FlagSpec>;

/** `etcdup certs check`. */
export const certsCheckSpec: CommandSpec = {
  name: "certs check",
  summary: "Inspect every certificate: expiry, chain, key match, SAN drift, file modes. Exit 6 on problems.",
  usage: "etcdup certs check [flags]",
  details: `Checks the CA, server, peer and admin certificates (kubeadm layout: also apiserver-etcd-client)
and every other NAME.crt/NAME.key pair in the PKI directory. Problems: expired, expiring within --warn-days,
not chaining to the CA, key not matching, SANs not covering this host's current names and addresses (plus
--san), a group/world-readable key, a key owned by the wrong user. Exit status 6 when any is found, so it
can run from a timer or a monitoring check. Examples:
etcdup certs check
etcdup certs check --warn-days 60 --json`,
  flags: checkFlags,
};

/** `etcdup certs renew`. */
export const certsRenewSpec: CommandSpec = {
  name: "certs renew",
  summary: "Reissue leaf certificates from the existing CA, then restart etcd and wait for health.",
  usage: "etcdup certs renew [all|server|peer|admin|apiserver-client|NAME...] [flags]",
  details: `Keeps each certificate's subject, SANs and key usages, adds --san names and this host's current
names and addresses to server and peer, with new keys unless --reuse-keys. Names the host no longer has
(after a rename) stay on purpose, as clients may still use them; --reset-sans drops them: server and peer
then cover exactly the host's current names and --san. NAME renews a client pair made by 'certs
issue-client', keeping its key algorithm and lifetime unless --key-algorithm/--cert-days. Old files are
kept under <pki-dir>/backup/<UTC time>/. New certificates are verified
against the CA and their keys before anything is replaced; when etcd is running it is restarted and must
answer healthy over mTLS with the new admin certificate, else the old files are put back.
Examples:
etcdup certs renew                  # all of the layout's certificates
etcdup certs renew server peer --san etcd.example.com
etcdup certs renew server peer --reset-sans   # after a rename: drop the old host name
etcdup certs renew --if-expiring --window 30   # from a timer: only what expires, else nothing
etcdup certs renew --dry-run        # what would be reissued, why, and the files written`,
  positionals: { min: 0, name: "certificate" },
  flags: renewFlags,
};

/** `etcdup certs issue-client`. */
export const certsIssueClientSpec: CommandSpec = {
  name: "certs issue-client",
  summary: "Issue a client certificate for another program (kube-apiserver, backups, monitoring).",
  usage: "etcdup certs issue-client NAME [flags]",
  details: `Writes NAME.crt (0644 root) and NAME.key (0600 root) into --out (default: the PKI directory, where
'certs check', 'certs renew NAME' and 'rotate-ca' find it), and prints the etcdctl flags, ETCDCTL_*
variables and kube-apiserver flags that use it. With --for-user USER the pair is USER's (in
~USER/.config/etcdup unless --out) and /etc/profile.d/etcdctl-USER.sh points USER's etcdctl at it. Examples:
etcdup certs issue-client backup --cn etcd-backup --days 90
etcdup certs issue-client alice --for-user alice`,
  positionals: { min: 1, max: 1, name: "NAME" },
  flags: issueClientFlags,
};

/** `etcdup certs rotate-ca`. */
export const certsRotateCaSpec: CommandSpec = {
  name: "certs rotate-ca",
  summary:
    "Replace the CA without downtime: trust both CAs, reissue leaves, restart; --finish drops the old.",
  usage: "etcdup certs rotate-ca [--finish] [flags]",
  details: `Single node: 'rotate-ca' then 'rotate-ca --finish'. The first makes a new CA (or takes the one
given with --ca-from / --ca-cert + --ca-key), turns the CA file into a bundle trusting the new and the old
CA, reissues every leaf and client pair in the PKI directory from the new CA and restarts etcd. Clients
holding old-CA certificates keep working; give them the new CA file and new certificates. '--finish'
checks every leaf chains to the new CA, drops the old CA and restarts etcd: old-CA clients are refused.
Cluster (no member ever presents a certificate a peer does not trust):
node1: etcdup certs rotate-ca --stage --out /root/new-ca.pem     # new CA trusted beside the old one
other members: etcdup certs rotate-ca --stage --ca-from new-ca.pem
every member, one at a time: etcdup certs rotate-ca --ca-from new-ca.pem
every member: etcdup certs rotate-ca --finish`,
  flags: rotateCaFlags,
};

/** `etcdup certs export`. */
export const certsExportSpec: CommandSpec = {
  name: "certs export",
  summary: "Write the CA certificate and key to one 0600 file for 'install --ca-from' on other nodes.",
  usage: "etcdup certs export --out FILE [flags]",
  details: `The file holds the CA private key: move it over a secure channel and delete it once used. Example:
etcdup certs export --out /root/etcd-ca.pem && scp /root/etcd-ca.pem node2: && ssh node2 etcdup install --ca-from etcd-ca.pem`,
  flags: exportFlags,
};
