/**
 * The words of an uninstall diff (lib/daytwo/uninstall_plan.ts): what `--dry-run` prints (future tense) and
 * what the run reports once done. Pure.
 */
import type { BackupsPlan, ServiceStep, UninstallDiff, UninstallPlan } from "./uninstall_plan.ts";

/** One service step as a line. */
export function serviceLine(s: ServiceStep): string {
  if (s.action !== "leave-cluster") return `${s.action} ${s.unit}`;
  return s.running
    ? `remove member ${s.member} from its cluster (through the other members; nothing when it is the last)`
    : `member ${s.member} cannot leave its cluster itself (etcd is not running): run 'etcdctl member remove <ID>' on another member`;
}

/** The human summary of a plan (dry run: `done` false) or of what was done. */
export function describeUninstall(
  plan: UninstallPlan,
  done: boolean,
  backups?: BackupsPlan,
  service: ServiceStep[] = [],
): string {
  const lines: string[] = [];
  const list = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(title, ...items.map((p) => `  ${p}`));
  };
  if (!done) list("Would:", service.map(serviceLine));
  list(done ? "Removed:" : "Would remove:", [
    ...plan.remove,
    ...plan.removeTrees.map((t) => `${t}/ (everything)`),
  ]);
  list("Kept, edited since etcdup wrote them:", plan.keptEdited);
  list("Kept (use --purge to delete):", [...plan.keptDirs.map((d) => `${d}/`), ...plan.keptPki]);
  list("Already gone:", plan.alreadyGone);
  if (backups && backups.snapshots.length > 0) {
    lines.push(
      backups.purge
        ? `${
          done ? "Removed" : "Would remove"
        } ${backups.snapshots.length} snapshot(s) in ${backups.dir} (--purge-backups)`
        : `Kept (use --purge-backups to delete): ${backups.snapshots.length} snapshot(s) in ${backups.dir}/`,
    );
  }
  return lines.join("\n");
}

/** The `--json` data of a dry run: the whole diff but the footprint (the records' own words). */
export function dryRunData(diff: UninstallDiff) {
  return { dryRun: true, plan: diff.plan, service: diff.service, backups: diff.backups };
}
