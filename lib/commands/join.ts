/**
 * `etcdup join ENDPOINT... --ca-from FILE`: install's sequence (plan, observe, PKI from the cluster's CA,
 * diff, execute: release, user, binaries, PKI, config, service, health) with two steps of lib/cluster/join.ts hooked in: settle the
 * membership before etcd's configuration is rendered, promote the learner once etcd is healthy.
 * With `--replace NAME` (the member name then defaults to NAME), the dead member NAME is removed first
 * (lib/cluster/replace.ts) and a data dir left from this host's former membership is moved aside.
 */
import * as path from "node:path";
import type { ContextOf } from "../specs/spec.ts";
import type { joinFlags } from "../specs/join.ts";
import { EtcdupError, type ExitCode, usageError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { adminTlsClient, type TlsClient } from "../etcd/admin_client.ts";
import { finishJoin, parseJoinEndpoints, type Settled, settleMembership } from "../cluster/join.ts";
import { replaceMember } from "../cluster/replace.ts";
import { planFromContext } from "../install/plan_install.ts";
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

/** Runs `etcdup join`. */
export async function run(ctx: ContextOf<typeof joinFlags>): Promise<ExitCode> {
  const endpoints = parseJoinEndpoints(ctx.positionals);
  const replace = ctx.options.replace; // a member name (its rule, exit 2)
  // the planner parses the raw values (with the recorded settings): --name defaults to NAME there
  if (replace && ctx.options.name === undefined) ctx = { ...ctx, values: { ...ctx.values, name: replace } };
  const { host, plan, previous } = planFromContext(ctx, "join");
  if (!plan.pki.caSource && !previous) {
    throw usageError(
      "join-needs-ca",
      "etcdup join needs the cluster's CA: --ca-from FILE (or --ca-cert and --ca-key)",
      "On a member, run 'etcdup certs export --out FILE', carry FILE here, and pass --ca-from FILE.",
    );
  }
  for (const n of plan.notes) ctx.out.info(n);
  const timeoutMs = plan.service.healthTimeoutMs;
  let settled: Settled | undefined;
  const observed = await observeInstall(host, plan, previous);
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
