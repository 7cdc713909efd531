/** Flags of `etcdup join`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";
import { careFlags, hostFlags, memberFlags, pkiFlags, releaseFlags, timerFlags } from "./install.ts";

/** The flags of `etcdup join`: install's but the bootstrap and host-only ones, with --replace and --no-learner. */
export const joinFlags = {
  ...releaseFlags,
  "bin-dir": hostFlags["bin-dir"],
  "data-dir": hostFlags["data-dir"],
  "wal-dir": hostFlags["wal-dir"],
  "health-timeout": hostFlags["health-timeout"],
  "skip-disk-check": hostFlags["skip-disk-check"],
  ...pkiFlags,
  name: memberFlags.name,
  "advertise-address": memberFlags["advertise-address"],
  "client-port": memberFlags["client-port"],
  "peer-port": memberFlags["peer-port"],
  replace: {
    type: "string",
    value: "NAME",
    parse: "memberName",
    description:
      "Replace the dead member NAME: remove it (only if it is dead and quorum holds), then join (--name defaults to NAME).",
    flagOnly: true,
  },
  ...careFlags,
  "no-learner": {
    type: "boolean",
    description: "Add this node as a voting member at once instead of a learner promoted when caught up.",
  },
  ...timerFlags,
  "dry-run": {
    type: "boolean",
    description:
      "Print install's plan and the cluster steps (what each would ask the member; the member list read when this host has the client certificate); change nothing.",
    flagOnly: true,
  },
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup join`: install this node as a new member of a running cluster, through etcd's member API. */
export const joinSpec: CommandSpec = {
  name: "join",
  summary: "Install etcd here and add this node to a running cluster (learner first, then promoted).",
  usage: "etcdup join https://MEMBER:2379 [https://MEMBER2:2379 ...] --ca-from FILE [--replace NAME] [flags]",
  details:
    `Does everything 'etcdup install' does, with the cluster's CA (--ca-from, from 'etcdup certs export'
on a member), then: finds this node in the member list by its peer URL or adds it (as a learner unless
--no-learner), writes ETCD_INITIAL_CLUSTER_STATE=existing with the live member list, starts etcd, waits
until it is healthy, and promotes the learner once it has caught up with the leader.

Interrupted at any point, run the same command again: it finds the member it added and does only what
remains (e.g. the promotion).
It never deletes a data directory; one left by a former membership stops the join with a hint instead.

--replace NAME replaces a member that is dead for good (disk lost, host rebuilt), also under its old name
(the default --name): NAME is removed from the cluster first, only if it does not answer and the members
that do keep a quorum after the removal and the addition (refused otherwise, exit 7); a data dir left from
this host's former membership is moved aside to <data-dir>.before-replace-<time>, never deleted.

--dry-run prints what install would change here and the cluster steps the join would take: the member add
(as a learner) and the promotion, with what each asks the member at ENDPOINT; the member list is read
(nothing changed) when this host already has the client certificate (an earlier join), otherwise the plan
says it is not read. The join reports the same steps once done (--json: result.steps).
--root DIR (a tree, not the live host) only with --dry-run.

Examples:
  etcdup certs export --out /tmp/ca.export                     # on a member
  etcdup join https://10.0.0.1:2379 --ca-from /tmp/ca.export --dry-run   # what it would do
  etcdup join https://10.0.0.1:2379 --ca-from /tmp/ca.export   # on the new node
  etcdup join --replace n2 https://10.0.0.1:2379 --ca-from /tmp/ca.export   # n2's disk is gone`,
  positionals: { min: 1, name: "ENDPOINT" },
  flags: joinFlags,
};
