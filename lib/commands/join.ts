/**
 * `etcdup join ENDPOINT... --ca-from FILE`: install's sequence (plan, observe, PKI from the cluster's CA,
 * diff, execute: release, user, binaries, PKI, config, service, health) with two steps of lib/cluster/join.ts hooked in: settle the
 * membership before etcd's configuration is rendered, promote the learner once etcd is healthy.
 * With `--replace NAME` (the member name then defaults to NAME), the dead member NAME is removed first
 * (lib/cluster/replace.ts) and a data dir left from this host's former membership is moved aside.
 * `--dry-run` prints install's diff and the cluster step planned from what this host can see of the
 * cluster (lib/observe/join.ts -> lib/cluster/join_plan.ts -> lib/cluster/join_view.ts).
 */
import * as path from "node:path";
import type { ContextOf } from "../specs/spec.ts";
import type { joinFlags } from "../specs/join.ts";
import { EtcdupError, Exit, type ExitCode, usageError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { adminTlsClient, type TlsClient } from "../etcd/admin_client.ts";
import { finishJoin, parseJoinEndpoints, type Settled, settleMembership } from "../cluster/join.ts";
import { replaceMember } from "../cluster/replace.ts";
import { planFromContext, type Planned } from "../install/plan_install.ts";
import type { InstallObserved } from "../install/observed.ts";
import { observeJoin } from "../observe/join.ts";
import { planJoinCluster } from "../cluster/join_plan.ts";
import { renderJoinCluster } from "../cluster/join_view.ts";
import { pkiPaths } from "../pki/layout.ts";
import { hostOf } from "../daytwo/preconditions.ts";
import { observeInstall } from "../observe/install.ts";
import { executeInstall } from "../install/execute.ts";
import { moveAside } from "../host/aside.ts";
import { serviceManager } from "../host/systemd.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { Output } from "../output.ts";

/**
 * The dead member's removal and, when this host's member is no longer in the cluster, its data dir moved
 * aside (etcd stopped first: it may be crash-looping on that directory).
 */
async function replaceStep(
  host: HostRoot,
  plan: InstallPlan,
  client: TlsClient,
  name: string,
  learner: boolean,
  out: Output,
): Promise<void> {
  const replaced = await replaceMember({
    client,
    name,
    peerUrls: plan.member.advertisePeerUrls,
    learner,
    timeoutMs: plan.service.healthTimeoutMs,
    out,
  });
  const dataDir = plan.paths.dataDir;
  if (replaced.stillMember || host.stat(path.join(dataDir, "member")) === undefined) return;
  const svc = serviceManager(host);
  if (await svc.isActive(plan.service.unit)) {
    out.step(`stopping ${plan.service.unit}: it runs on the data dir of the former member`);
    await svc.stop(plan.service.unit);
  }
  const to = moveAside(host, dataDir, "replace", new Date());
  out.step(`moved the data dir of the former member aside to ${to} (etcdup never deletes one)`);
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
  const replace = ctx.options.replace;
  const seen = await observeJoin(host, pkiPaths(plan.pki.layout, plan.pki.pkiDir), {
    endpoints,
    dataDir: plan.paths.dataDir,
    replace: replace !== undefined,
  });
  const install = await (await import("../install/dry_run.ts")).dryRunOutputOf(plan, observed, ctx.out);
  const cluster = planJoinCluster({
    name: plan.member.name,
    peerUrls: plan.member.advertisePeerUrls,
    learner: !ctx.options["no-learner"],
    ...(replace !== undefined ? { replace } : {}),
    dataDir: plan.paths.dataDir,
    unit: plan.service.unit,
    ...(plan.member.initialClusterState === "existing"
      ? { previousInitialCluster: plan.member.initialCluster }
      : {}),
  }, seen);
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
  const timeoutMs = plan.service.healthTimeoutMs;
  let settled: Settled | undefined;
  return await executeInstall(plan, observed, host, ctx.out, {
    member: async (p, pki) => {
      const learner = !ctx.options["no-learner"];
      if (replace) {
        await replaceStep(host, p, adminTlsClient(host, pki, endpoints), replace, learner, ctx.out);
      }
      settled = await settleMembership({
        client: adminTlsClient(host, pki, endpoints),
        name: p.member.name,
        peerUrls: p.member.advertisePeerUrls,
        learner,
        dataDirHasMember: host.stat(path.join(p.paths.dataDir, "member")) !== undefined,
        // After an earlier join, the plan keeps the initial cluster it recorded (planFromContext).
        previousInitialCluster: p.member.initialClusterState === "existing"
          ? p.member.initialCluster
          : undefined,
        timeoutMs,
        out: ctx.out,
      });
      return {
        ...p,
        member: { ...p.member, initialCluster: settled.initialCluster, initialClusterState: "existing" },
      };
    },
    healthy: async (_p, pki) => {
      if (!settled) {
        throw new EtcdupError({ code: "internal", message: "join: membership was never settled" });
      }
      await finishJoin(adminTlsClient(host, pki, endpoints), settled, { timeoutMs, out: ctx.out });
    },
  });
}
