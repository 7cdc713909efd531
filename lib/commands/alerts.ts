/**
 * `etcdup alerts`: prints the embedded alerting rules (assets/etcd-alerts.yml), or with `--scrape-config` a
 * scrape job for the members of the cluster this node was installed into (from the state record).
 */
import { stringify } from "yaml";
import rules from "../../assets/etcd-alerts.yml" with { type: "text" };
import type { ContextOf } from "../specs/spec.ts";
import type { alertsFlags } from "../specs/alerts.ts";
import { Exit, type ExitCode } from "../errors.ts";
import type { InstallState } from "../state_record.ts";
import { parseInitialCluster } from "../plan/cluster.ts";
import { METRICS_PORT } from "../plan/build.ts";
import { urlHost } from "../plan/validate.ts";
import { hostOf } from "../daytwo/preconditions.ts";
import { requireInstalled } from "../observe/installed.ts";

/**
 * A scrape config for the cluster's members: each member's advertised host at the metrics port, plain http.
 * @example scrapeConfig(state).scrape_configs[0].static_configs[0].targets // ["10.0.0.1:2381", ...]
 */
export function scrapeConfig(state: InstallState): { scrape_configs: unknown[] } {
  const targets = parseInitialCluster(state.initialCluster).map((m) => `${urlHost(m.host)}:${METRICS_PORT}`);
  return {
    scrape_configs: [{
      job_name: "etcd",
      scheme: "http",
      metrics_path: "/metrics",
      static_configs: [{ targets }],
    }],
  };
}

/** Runs `etcdup alerts`. */
export function run(ctx: ContextOf<typeof alertsFlags>): Promise<ExitCode> {
  if (ctx.options["scrape-config"]) {
    const state = requireInstalled(hostOf(ctx.options), "describe");
    const config = scrapeConfig(state);
    const text = "# Prometheus scrape config for etcd (etcdup alerts --scrape-config).\n" +
      "# Members must listen for metrics where Prometheus can reach them: install --metrics-address IP.\n" +
      stringify(config);
    ctx.out.result(config, text);
  } else ctx.out.result({ rules }, rules);
  return Promise.resolve(Exit.ok);
}
