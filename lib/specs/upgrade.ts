/** Flags of `etcdup upgrade`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";
import { hostFlags, releaseFlags } from "./install.ts";

/** The flags of `etcdup upgrade`. */
export const upgradeFlags = {
  version: releaseFlags.version,
  mirror: releaseFlags.mirror,
  "mirror-ca": releaseFlags["mirror-ca"],
  tarball: releaseFlags.tarball,
  bundle: releaseFlags.bundle,
  sha256: releaseFlags.sha256,
  "allow-downgrade": {
    type: "boolean",
    description:
      "Allow going to an older version, following etcd's downgrade procedure (one minor at a time).",
  },
  "health-timeout": hostFlags["health-timeout"],
  "dry-run": {
    type: "boolean",
    description: "Check the path and print every change it would make, with its reason; change nothing.",
    flagOnly: true,
  },
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup upgrade`: snapshot, swap binaries, restart, verify; roll back on failure. */
export const upgradeSpec: CommandSpec = {
  name: "upgrade",
  summary: "Upgrade this member's etcd along etcd's supported paths: snapshot first, roll back on failure.",
  usage: "etcdup upgrade --version V [flags]",
  details:
    `Steps: check the path (patch, or one minor at a time from etcd's documented minimum patch), save and
verify a snapshot in /var/lib/etcdup/backups/<date>-<old version>/, get and verify the release like install,
keep the old binaries and env file beside the snapshot, swap the binaries atomically, re-render the env file for
the new version, restart and wait for health over mutual TLS. If etcd does not come back healthy, the old
binaries and env file are put back, etcd is restarted on them, and etcdup exits non-zero.
In a cluster this upgrades this member only: run it on each member in turn, the leader last.

Examples:
  etcdup upgrade --version v3.5.32
  etcdup upgrade --version latest-3.6
  etcdup upgrade --tarball ./etcd-v3.6.6-linux-amd64.tar.gz`,
  flags: upgradeFlags,
};
