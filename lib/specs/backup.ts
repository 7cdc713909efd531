/** Flags of `etcdup backup`, `etcdup backup list` and `etcdup restore`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, healthTimeout, outputFlags, rootFlag } from "./common.ts";
import { encryptFlags, identityFlag, s3AccessFlags, s3Flags } from "./offsite.ts";

/** Where the snapshots are; shared by the three commands. */
const dirFlag = {
  dir: {
    type: "string",
    value: "DIR",
    description: "The backup directory (root 0700; snapshots root 0600).",
    defaultText: "/var/backups/etcd",
  },
} satisfies Record<string, FlagSpec>;

/** The flags of `etcdup backup`. */
export const backupFlags = {
  ...dirFlag,
  "keep-hourly": {
    type: "string",
    value: "N",
    description: "Keep the newest snapshot of each of the newest N hours.",
    parse: "keep",
    default: "24",
  },
  "keep-daily": {
    type: "string",
    value: "N",
    description: "Keep the newest snapshot of each of the newest N days.",
    parse: "keep",
    default: "7",
  },
  "keep-weekly": {
    type: "string",
    value: "N",
    description: "Keep the newest snapshot of each of the newest N ISO weeks.",
    parse: "keep",
    default: "4",
  },
  prometheus: {
    type: "string",
    value: "FILE",
    description:
      "Afterwards, write the snapshot's time, size and revision as node_exporter textfile metrics to FILE (*.prom).",
  },
  "dry-run": {
    type: "boolean",
    description:
      "Print the snapshot's name, encryption, upload and what retention keeps and removes (and why), then exit; nothing is written.",
    flagOnly: true,
  },
  ...encryptFlags,
  ...s3Flags,
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup backup`: a verified snapshot now, then retention. */
export const backupSpec: CommandSpec = {
  name: "backup",
  summary: "Snapshot this member now (verified, SHA-256 recorded) into the backup directory, then prune.",
  usage: "etcdup backup [--dir DIR] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [flags]",
  details:
    `The snapshot is taken over mutual TLS with the admin certificate, written under a hidden temp name, read
back with 'etcdutl snapshot status' (etcdctl on etcd 3.4) and renamed to
etcdup-<UTC time>-<member>-<etcd version>.db only then, with its record (<name>.json: SHA-256, revision,
keys, sizes) beside it. A snapshot that cannot be read back is deleted and backup exits 3.
Retention keeps the newest snapshot of each of the newest N hours, days and ISO weeks (UTC) and always the
newest; it only ever looks at files named by etcdup. 'etcdup-backup.timer' runs this hourly.
--dry-run prints that plan (the snapshot taken now counted as the newest); the run removes exactly those.`,
  flags: backupFlags,
};

/** The flags of `etcdup backup list`. */
export const backupListFlags = {
  ...dirFlag,
  remote: {
    type: "boolean",
    description:
      "List the snapshots in the bucket (--upload, or the one recorded by the last backup) instead.",
  },
  ...s3Flags,
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup backup list`. */
export const backupListSpec: CommandSpec = {
  name: "backup list",
  summary: "List the snapshots in the backup directory: time, revision, keys, size, age, digest checked.",
  usage: "etcdup backup list [--dir DIR] [flags]",
  details: `Every snapshot's SHA-256 is computed again and compared with its record; exits 6 when one differs
or has no record.`,
  flags: backupListFlags,
};

/** The flags of `etcdup restore`. */
export const restoreFlags = {
  "health-timeout": {
    ...healthTimeout,
    description: "How long to wait for etcd to be healthy after the restore.",
  },
  force: {
    type: "boolean",
    description: "Restore although this member's etcd runs in a cluster with other members (splits it off).",
    flagOnly: true, // overrides a safety refusal: never from an exported ETCDUP_FORCE or a shared config file
  },
  latest: {
    type: "boolean",
    description: "Restore the newest etcdup snapshot under the s3://BUCKET/PREFIX given (or recorded).",
  },
  "dry-run": {
    type: "boolean",
    description:
      "Print what the restore would do (the names it takes, the member, the steps), then exit; FILE or the bucket's object is checked (reads only), nothing is changed.",
    flagOnly: true,
  },
  ...identityFlag,
  ...s3AccessFlags,
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup restore FILE`. */
export const restoreSpec: CommandSpec = {
  name: "restore",
  summary: "Restore this member from a snapshot file as a new one-member cluster (old data dir kept aside).",
  usage:
    "etcdup restore FILE|s3://BUCKET/PREFIX/NAME [--identity FILE] [flags]\n       etcdup restore --latest [s3://BUCKET/PREFIX] [--identity FILE] [flags]",
  details: `Checks FILE (its SHA-256 against the record beside it, 'snapshot status', an etcd version this
member runs), builds the new data dir beside the old one with 'etcdutl snapshot restore' (etcdctl on 3.4)
as this member with a new cluster token, stops etcd, renames the old data dir to
<data-dir>.before-restore-<time> (never deleted), puts the new one in place (etcd:etcd 0700), starts etcd
and waits for health over mutual TLS and the snapshot's revision. Writes made after the snapshot are not in
it. Interrupted, run the same command again: it finishes. In a cluster, the other members then rejoin with
'etcdup join --replace'. --dry-run prints those steps with the names the run takes and refuses what the
run would refuse, reading only: a local FILE's digest and 'snapshot status', an encrypted one's identity and
age header, a bucket's object (its record and first bytes; nothing is downloaded).`,
  positionals: { min: 0, max: 1, name: "FILE" },
  flags: restoreFlags,
};
