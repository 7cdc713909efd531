/** Flags of `etcdup recover`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, outputFlags } from "./common.ts";
import { hostFlags } from "./install.ts";

/** The flags of `etcdup recover`. */
export const recoverFlags = {
  "health-timeout": hostFlags["health-timeout"],
  "dry-run": {
    type: "boolean",
    description: "Ask the members, decide, print the steps and the commands; change nothing.",
    flagOnly: true,
  },
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup recover`: quorum lost for good, this member's data fine: force a new one-member cluster, once. */
export const recoverSpec: CommandSpec = {
  name: "recover",
  summary: "After losing quorum for good: make this member a one-member cluster with all its data.",
  usage: "etcdup recover [--dry-run] [flags]",
  details: `For a cluster that lost a majority of its members for good (disks or hosts gone) while this
member's data is fine. Asks every member over mutual TLS first and refuses (exit 7, cluster-has-quorum)
while any member follows a leader or enough members answer to form a quorum. Then restarts etcd ONCE with
--force-new-cluster (a runtime drop-in, removed again), waits until it is a healthy one-member cluster
with all its data, records that (state record and /etc/default/etcd: the initial cluster is this member),
restarts it normally, and prints the 'etcdup join --replace NAME ENDPOINT' commands that bring the other
members back on new hosts. Interrupted at any point, run it again: it finishes the job.

Only run it when the other members are gone for good: a member that comes back later belongs to the old
cluster, which no longer exists for this one (wipe its host or 'join --replace' it).

Examples:
  etcdup recover --dry-run    # what it would do and which members it drops
  etcdup recover`,
  flags: recoverFlags,
};
