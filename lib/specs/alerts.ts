/** Flags of `etcdup alerts`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

/** The flags of `etcdup alerts`. */
export const alertsFlags = {
  "scrape-config": {
    type: "boolean",
    description: "Print a Prometheus scrape config for this cluster's members instead of the rules.",
  },
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup alerts`: Prometheus alerting rules for etcd, or a scrape config for this cluster. */
export const alertsSpec: CommandSpec = {
  name: "alerts",
  summary: "Print Prometheus alerting rules for etcd (or, with --scrape-config, a scrape config).",
  usage: "etcdup alerts [--scrape-config] [flags]",
  details:
    `The rules file is ready for Prometheus' rule_files as it is ('promtool check rules' accepts it): no
leader, frequent leader changes, slow WAL fsync and backend commits, DB near its quota, a fragmented DB,
certificates expiring (from 'certs check --prometheus'), stale certificate metrics, stale backups.
--scrape-config prints a scrape job "etcd" for the members of this node's cluster at port 2381 (install them
with --metrics-address so Prometheus can reach them).
Examples:
  etcdup alerts > /etc/prometheus/rules/etcd.yml
  etcdup alerts --scrape-config`,
  flags: alertsFlags,
};
