/**
 * `etcdup join ENDPOINT... --ca-from FILE`: install's sequence (release, user, binaries, PKI from the
 * cluster's CA, config, service, health) with two steps of lib/cluster/join.ts hooked in: settle the
 * membership before etcd's configuration is rendered, promote the learner once etcd is healthy.
 */
import * as path from "node:path";
import type { CommandContext } from "../cli/spec.ts";
import { EtcdupError, type ExitCode, usageError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { PkiPaths } from "../pki/layout.ts";
import type { TlsClient } from "../etcd/health.ts";
import { finishJoin, parseJoinEndpoints, type Settled, settleMembership } from "../cluster/join.ts";
import { planFromContext } from "../install/context.ts";
import { apply } from "../install/apply.ts";

/** The admin client of `pki` on `host`, talking to `endpoints`. */
function adminClient(host: HostRoot, pki: PkiPaths, endpoints: string[]): TlsClient {
  return {
    endpoints,
    caFile: host.resolve(pki.caCert),
    certFile: host.resolve(pki.adminCert),
    keyFile: host.resolve(pki.adminKey),
  };
}

/** Runs `etcdup join`. */
export async function run(ctx: CommandContext): Promise<ExitCode> {
  const endpoints = parseJoinEndpoints(ctx.positionals);
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
  return await apply(plan, host, previous, ctx.out, {
    member: async (p, pki) => {
      settled = await settleMembership({
        client: adminClient(host, pki, endpoints),
        name: p.member.name,
        peerUrls: p.member.advertisePeerUrls,
        learner: ctx.values["no-learner"] !== true,
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
      await finishJoin(adminClient(host, pki, endpoints), settled, { timeoutMs, out: ctx.out });
    },
  });
}
