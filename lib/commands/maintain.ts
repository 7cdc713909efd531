/**
 * `etcdup maintain`: observe this member's quota (lib/observe/maintain.ts) and survey the cluster (sizes,
 * alarms, health) -> plan (lib/cluster/maintain.ts) -> print it (`--dry-run` stops here) -> under etcd's
 * lock 'etcdup/maintain', survey again (another run may just have done the work) and carry out: NOSPACE
 * compaction, defragmentation leader last, disarm.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { maintainFlags } from "../specs/maintain.ts";
import { formatBytes } from "../text.ts";
import { ClusterApi } from "../cluster/api.ts";
import { withLock } from "../cluster/lock.ts";
import {
  carryOut,
  type MaintainOptions,
  type MaintenanceDone,
  type MaintenancePlan,
  planMaintenance,
  type Survey,
  survey,
} from "../cluster/maintain.ts";
import { hexId } from "../cluster/status.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { localQuota } from "../observe/maintain.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { requireInstalled } from "../observe/installed.ts";

/** The name of the cluster-wide lock every maintain run holds. */
export const MAINTAIN_LOCK = "etcdup/maintain";

/** The survey and plan as a table and a list of steps. */
function render(s: Survey, plan: MaintenancePlan, o: MaintainOptions, dryRun: boolean): string {
  const rows = s.members.map((m) => [
    m.name,
    hexId(m.id),
    m.isLeader ? "leader" : "follower",
    formatBytes(m.dbSize),
    formatBytes(m.dbSizeInUse),
    `${Math.round((100 * m.dbSize) / o.quotaBytes)}%`,
    m.endpoint,
  ]);
  const head = ["NAME", "ID", "ROLE", "DB", "IN USE", "OF QUOTA", "ENDPOINT"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  const verb = dryRun ? "would" : "will";
  return [
    `quota ${formatBytes(o.quotaBytes)}; alarms: ${
      s.alarms.length === 0 ? "none" : s.alarms.map((a) => `${a.alarm} on ${hexId(a.memberId)}`).join(", ")
    }`,
    line(head),
    ...rows.map(line),
    ...(plan.nospace ? [`${verb} compact to the current revision (NOSPACE)`] : []),
    ...plan.defrag.map((d) =>
      `${verb} defragment ${d.member.name}${d.member.isLeader ? " (leader, last)" : ""}: ${d.reason}`
    ),
    ...plan.skip.map((d) => `leaves ${d.member.name} alone: ${d.reason}`),
    ...(plan.nospace ? [`${verb} disarm NOSPACE once every member is under the quota`] : []),
  ].join("\n");
}

/** Runs `etcdup maintain`. */
export async function run(ctx: ContextOf<typeof maintainFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const minDbBytes = options["min-db-size"];
  const lockWaitMs = options["lock-timeout"];
  const defragWaitMs = options["defrag-timeout"];
  const host = hostOf(options);
  const state = requireInstalled(host, "maintain");
  requireRoot(host, "maintain");
  const o: MaintainOptions = { force: options.force, minDbBytes, quotaBytes: localQuota(host) };
  const api = new ClusterApi(adminClient(host, state));
  try {
    const first = await survey(api);
    const firstPlan = planMaintenance(first, o);
    if (options["dry-run"]) {
      out.result(
        { dryRun: true, quotaBytes: o.quotaBytes, ...first, plan: firstPlan },
        render(first, firstPlan, o, true),
      );
      return Exit.ok;
    }
    const work = async () => {
      const s = await survey(api);
      const plan = planMaintenance(s, o);
      out.info(render(s, plan, o, false));
      const done: MaintenanceDone = plan.defrag.length === 0 && !plan.nospace
        ? { defragmented: [], disarmed: [] }
        : await carryOut(api, s, plan, { ...o, defragWaitMs }, out);
      return { s, plan, done };
    };
    // Under NOSPACE etcd takes no writes, a lease and a lock included: recovery cannot wait for one.
    if (firstPlan.nospace) {
      out.warn(`NOSPACE: etcd refuses the lease for the cluster lock, recovering without it`);
    }
    const { s, plan, done } = firstPlan.nospace ? await work() : await withLock(api, MAINTAIN_LOCK, {
      ttlSeconds: 60,
      waitMs: lockWaitMs,
      onWait: () => out.info(`waiting for the cluster lock '${MAINTAIN_LOCK}' (another maintain is running)`),
    }, work);
    const human = done.defragmented.length === 0 && !plan.nospace
      ? "nothing to do: no member is worth defragmenting and no alarm is raised"
      : `defragmented ${done.defragmented.map((d) => d.name).join(", ") || "nothing"}` +
        (done.disarmed.length > 0 ? `; disarmed ${done.disarmed.join(", ")}` : "");
    out.result({ dryRun: false, quotaBytes: o.quotaBytes, ...s, plan, ...done }, human);
    return Exit.ok;
  } finally {
    await api.close();
  }
}
