/** Flags of `etcdup maintain`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

/** The flags of `etcdup maintain`. */
export const maintainFlags = {
  force: { type: "boolean", description: "Defragment every member, worth it or not." },
  "min-db-size": {
    type: "string",
    value: "SIZE",
    parse: "size",
    default: "100MiB",
    description: "Never defragment a file smaller than this (e.g. 100MiB).",
  },
  "lock-timeout": {
    type: "string",
    value: "SECONDS",
    parse: "timeout",
    default: "600",
    description: "How long to wait for another maintain run to finish.",
  },
  "defrag-timeout": {
    type: "string",
    value: "SECONDS",
    parse: "timeout",
    default: "1800",
    description: "How long one member's defragmentation may take.",
  },
  "dry-run": {
    type: "boolean",
    description: "Print the sizes, alarms and what maintain would do, then exit; nothing is changed.",
    flagOnly: true,
  },
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup maintain`: alarms and DB sizes; defragment where worth it, leader last; recover from NOSPACE. */
export const maintainSpec: CommandSpec = {
  name: "maintain",
  summary: "Show alarms and DB sizes; defragment members where worth it (leader last); recover from NOSPACE.",
  usage: "etcdup maintain [flags]",
  details: `Asks every member (over mTLS with this node's admin certificate) for its DB size and in-use size,
and the cluster for its alarms. A member is defragmented when its file is at least --min-db-size and less
than half of it is in use (or with --force), one member at a time, the leader last, each only while all
others answer healthy. The whole run holds etcd's lock 'etcdup/maintain' (a lease kept alive, released at
the end), so runs started on several members at once take turns. After a NOSPACE alarm it compacts to the
current revision, defragments every member and disarms the alarm once every file is under the quota; when
the live data alone fills the quota it says so and exits 1 (nospace-not-freed).
Exit: 0 done (or nothing to do), 2 bad flag, 4 a member is down or there is no leader (nothing changed),
5 no member reachable, 1 the NOSPACE could not be cleared or the lock was not free in time, 7 not installed.
Examples:
  etcdup maintain --dry-run
  etcdup maintain --force --json`,
  flags: maintainFlags,
};
