/**
 * `etcdup join ENDPOINT... --ca-from FILE`: install's sequence (plan, observe, PKI from the cluster's CA,
 * diff, execute: release, user, binaries, PKI, config, service, health) with the cluster steps hooked in.
 * Once the PKI is in place (the member list is read with its admin client pair): observe the cluster
 * (lib/observe/join.ts), plan the steps (lib/cluster/join_plan.ts), carry out those before etcd's
 * configuration is written (lib/cluster/join_execute.ts: with `--replace NAME` the dead member removed and
 * a former member's data dir moved aside; this node added; the initial cluster); once etcd is healthy, the
 * promotion. The result lists the steps done (`steps`), in the dry run's shape. `--dry-run` prints install's
 * diff and the same plan, from what this host can see (lib/cluster/join_view.ts).
 */
import type { ContextOf } from "../specs/spec.ts";
import type { joinFlags } from "../specs/join.ts";
import { Exit, type ExitCode, usageError } from "../errors.ts";
import { adminTlsClient } from "../etcd/admin_client.ts";
import { parseJoinEndpoints } from "../cluster/join.ts";
import { planFromContext, type Planned } from "../install/plan_install.ts";
import type { InstallObserved } from "../install/observed.ts";
import { observeJoin } from "../observe/join.ts";
import { planJoinCluster } from "../cluster/join_plan.ts";
import type { JoinClusterStep, JoinRequest } from "../cluster/join_steps.ts";
import {
  type BeforeStart,
  joinAfterHealthy,
  joinBeforeStart,
  type JoinRun,
} from "../cluster/join_execute.ts";
import { renderJoinCluster } from "../cluster/join_view.ts";
import { type PkiPaths, pkiPaths } from "../pki/layout.ts";
import { hostOf } from "../daytwo/preconditions.ts";
import { observeInstall } from "../observe/install.ts";
import { executeInstall } from "../install/execute.ts";
import type { InstallPlan } from "../plan/types.ts";

/** What this node asks of the cluster, from its plan and the flags. */
function joinRequest(ctx: ContextOf<typeof joinFlags>, plan: InstallPlan): JoinRequest {
  const replace = ctx.options.replace;
  return {
    name: plan.member.name,
    peerUrls: plan.member.advertisePeerUrls,
    learner: !ctx.options["no-learner"],
    ...(replace !== undefined ? { replace } : {}),
    dataDir: plan.paths.dataDir,
    unit: plan.service.unit,
    // After an earlier join, the plan keeps the initial cluster it recorded (planFromContext).
    ...(plan.member.initialClusterState === "existing"
      ? { previousInitialCluster: plan.member.initialCluster }
      : {}),
  };
}

/** `--root DIR` is for a dry run only: a join adds this host to a live cluster. */
function refuseRootRun(ctx: ContextOf<typeof joinFlags>): void {
  if (ctx.options["dry-run"] || hostOf(ctx.values).isLive) return;
  throw usageError(
    "join-root-needs-dry-run",
    `etcdup join --root ${ctx.options.root} runs only with --dry-run: a join adds this host to a live cluster`,
    "Run 'etcdup join' on the host itself; to bake an image, use 'etcdup install --root DIR --no-start'.",
  );
}

/**
 * `--dry-run`: install's plan (the same diff `install --dry-run` prints) and the cluster step, planned from
 * what this host can see of the cluster (lib/observe/join.ts, lib/cluster/join_plan.ts); nothing changes.
 */
async function printDryRun(
  ctx: ContextOf<typeof joinFlags>,
  planned: Planned,
  observed: InstallObserved,
  endpoints: string[],
): Promise<ExitCode> {
  const { host, plan } = planned;
  const seen = await observeJoin(host, pkiPaths(plan.pki.layout, plan.pki.pkiDir), {
    endpoints,
    dataDir: plan.paths.dataDir,
    replace: ctx.options.replace !== undefined,
    run: false,
  });
  const install = await (await import("../install/dry_run.ts")).dryRunOutputOf(plan, observed, ctx.out);
  const cluster = planJoinCluster(joinRequest(ctx, plan), seen);
  ctx.out.result({ ...install.data, cluster }, `${install.text}\n${renderJoinCluster(cluster)}`);
  return Exit.ok;
}

/** Runs `etcdup join`. */
export async function run(ctx: ContextOf<typeof joinFlags>): Promise<ExitCode> {
  const endpoints = parseJoinEndpoints(ctx.positionals);
  refuseRootRun(ctx);
  const replace = ctx.options.replace; // a member name (its rule, exit 2)
  // the planner parses the raw values (with the recorded settings): --name defaults to NAME there
  if (replace && ctx.options.name === undefined) ctx = { ...ctx, values: { ...ctx.values, name: replace } };
  const planned = planFromContext(ctx, "join");
  const { host, plan, previous } = planned;
  if (!plan.pki.caSource && !previous) {
    throw usageError(
      "join-needs-ca",
      "etcdup join needs the cluster's CA: --ca-from FILE (or --ca-cert and --ca-key)",
      "On a member, run 'etcdup certs export --out FILE', carry FILE here, and pass --ca-from FILE.",
    );
  }
  const observed = await observeInstall(host, plan, previous, ctx.options["dry-run"]);
  if (ctx.options["dry-run"]) return await printDryRun(ctx, planned, observed, endpoints);
  for (const n of plan.notes) ctx.out.info(n);
  const joinRun = (p: InstallPlan, pki: PkiPaths): JoinRun => ({
    host,
    client: adminTlsClient(host, pki, endpoints),
    name: p.member.name,
    timeoutMs: p.service.healthTimeoutMs,
    out: ctx.out,
  });
  let before: BeforeStart | undefined;
  const done: JoinClusterStep[] = [];
  return await executeInstall(plan, observed, host, ctx.out, {
    // The PKI is in place: the member list can be read with the admin client pair.
    member: async (p, pki) => {
      const seen = await observeJoin(host, pki, {
        endpoints,
        dataDir: p.paths.dataDir,
        replace: replace !== undefined,
        run: true,
      });
      const cluster = planJoinCluster(joinRequest(ctx, p), seen);
      for (const n of cluster.notes) ctx.out.info(n);
      before = await joinBeforeStart(joinRun(p, pki), cluster);
      done.push(...before.done);
      const initialCluster = before.initialCluster;
      return initialCluster === undefined
        ? p
        : { ...p, member: { ...p.member, initialCluster, initialClusterState: "existing" } };
    },
    healthy: async (p, pki) => {
      if (before?.promote) done.push(await joinAfterHealthy(joinRun(p, pki), before.promote));
    },
    result: () => ({ changed: done.length > 0, data: { steps: done } }),
  });
}
