/**
 * `etcdup uninstall`: stops and disables the unit, then removes the files the state record says etcdup wrote,
 * except the ones whose content changed since (kept and reported); the data dir, the PKI and the upgrade
 * backups stay unless `--purge`, and a record of them (/var/lib/etcdup/uninstalled.json) lets a later
 * `--purge` remove them; etcdup's snapshots in /var/backups/etcd stay even then, unless `--purge-backups`. A
 * cluster member first leaves its cluster (unless `--keep-member`). The state record is removed last, so an
 * interrupted uninstall can simply be run again.
 *
 * The walk: observe the host (lib/observe/uninstall.ts), decide everything as one diff
 * (lib/daytwo/uninstall_plan.ts), then print it (`--dry-run`, lib/daytwo/uninstall_view.ts) or carry out
 * exactly it (lib/commands/uninstall/execute.ts).
 */
import type { ContextOf } from "../specs/spec.ts";
import type { uninstallFlags } from "../specs/uninstall.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { STATE_FILE } from "../state_record.ts";
import { DEFAULT_BACKUP_DIR } from "../plan/dirs.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { observeUninstall, readRecords } from "../observe/uninstall.ts";
import { diffUninstall, uninstallWhere } from "../daytwo/uninstall_plan.ts";
import { describeUninstall, dryRunData } from "../daytwo/uninstall_view.ts";
import { executeUninstall, purgeSnapshotsOnly } from "./uninstall/execute.ts";

/** Runs `etcdup uninstall`. */
export async function run(ctx: ContextOf<typeof uninstallFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const dryRun = options["dry-run"];
  const records = readRecords(host);
  const observed = await observeUninstall(
    host,
    records,
    uninstallWhere(records, DEFAULT_BACKUP_DIR),
  );
  const diff = diffUninstall(observed, options);
  const { plan, backups, service } = diff;

  if (diff.kind === "nothing") {
    if (!dryRun && backups.purge && backups.snapshots.length > 0) {
      requireRoot(host, "uninstall");
      await purgeSnapshotsOnly(diff, host);
    }
    const gone = backups.purge && backups.snapshots.length > 0
      ? `\n${describeUninstall(plan, !dryRun, backups)}`
      : "";
    out.result(
      { uninstalled: false, reason: "no-state", backups },
      `Nothing to uninstall: ${
        host.resolve(STATE_FILE)
      } does not exist (etcdup installed nothing here, or it was already removed).${gone}`,
    );
    return Exit.ok;
  }
  if (diff.kind === "already-uninstalled") {
    out.result(
      { uninstalled: false, reason: "already-uninstalled", plan, backups },
      `Nothing to uninstall: etcdup uninstalled etcd here at ${records.remains!.uninstalledAt}.\n${
        describeUninstall(plan, false, backups)
      }`,
    );
    return Exit.ok;
  }
  if (dryRun) {
    out.result(dryRunData(diff), describeUninstall(plan, false, backups, service));
    return Exit.ok;
  }
  requireRoot(host, "uninstall");
  await executeUninstall(diff, records.state, host, out);
  out.result(
    { uninstalled: true, purge: diff.purge, plan, service, backups },
    describeUninstall(plan, true, backups),
  );
  return Exit.ok;
}
