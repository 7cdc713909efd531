/** How `join --dry-run` prints the cluster steps it planned (lib/cluster/join_plan.ts). Pure. */
import type { JoinClusterPlan } from "./join_steps.ts";

/** The cluster step as text, after install's plan. */
export function renderJoinCluster(plan: JoinClusterPlan): string {
  const list = plan.memberList;
  return [
    `Cluster (asking ${plan.endpoints.join(", ")}):`,
    list.read
      ? `  member list read: ${
        list.members.map((m) => `${m.name || `(unstarted ${m.id})`}${m.learner ? " (learner)" : ""}`).join(
          ", ",
        )
      }`
      : `  member list not read: ${list.why}; the run reads it and decides then`,
    ...plan.steps.flatMap((s, i) => [
      `  ${i + 1}. ${s.action}`,
      ...(s.asks ? [`     asks: ${s.asks}`] : []),
      `     (${s.reason})`,
    ]),
    ...plan.notes.map((n) => `  note: ${n}`),
  ].join("\n");
}
