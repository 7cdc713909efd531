/**
 * How a recovery's plan (lib/recovery/plan.ts) reads: the `--dry-run` listing of its steps with their
 * reasons (text and `--json`), and the summary of a finished recovery. Pure: data in, text out.
 */
import { memberLabel } from "../cluster/quorum.ts";
import type { InstallState } from "../state_record.ts";
import type { RecoveryRecord } from "./observed.ts";
import type { RecoverPlan, RecoverStep } from "./plan.ts";

/** A recovery that goes ahead. */
type Going = Extract<RecoverPlan, { kind: "recover" }>;

/** `recover --dry-run`'s data: the stage, who is dropped, every step, the commands to run next. */
export function dryRunData(plan: Going): Record<string, unknown> {
  return {
    dryRun: true,
    stage: plan.stage,
    removed: plan.record.removed.map((m) => m.name),
    steps: plan.steps,
    commands: plan.commands,
  };
}

/** `recover --dry-run`'s text: what it would do, step by step with the reason, then the commands. */
export function describeDryRun(plan: Going, name: string): string {
  const removed = plan.record.removed.map(memberLabel).join(", ");
  return [
    plan.stage === "force"
      ? `Would make ${name} a one-member cluster with all its data, dropping ${removed || "nobody"}:`
      : `${name} is already a one-member cluster (an interrupted recover); would finish:`,
    ...plan.steps.flatMap((s, i) => [`  ${i + 1}. ${s.action}`, `     (${s.reason})`]),
    ...(plan.commands.length > 0
      ? ["Then the commands for the dropped members:", ...plan.commands.map((c) => `  ${c}`)]
      : []),
  ].join("\n");
}

/** A refused dry run's clean-up, as the warnings it prints before the refusal. */
export function describeRefusedCleanup(steps: readonly RecoverStep[]): string[] {
  return steps.map((s) => `would ${s.action} (${s.reason})`);
}

/** The human summary of a recovery. */
export function describeDone(state: InstallState, record: RecoveryRecord, commands: string[]): string {
  const names = record.removed.map(memberLabel).join(", ");
  return [
    `${state.name} is a healthy one-member cluster with all its data (dropped: ${names || "nobody"}).`,
    ...(commands.length > 0
      ? [
        "Bring the other members back on new hosts (fresh disks), one at a time:",
        `  ${commands[0]}    # here; copy the file to each new host`,
        ...commands.slice(1).map((c) => `  ${c}    # on the new host`),
      ]
      : []),
  ].join("\n");
}
