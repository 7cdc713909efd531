/**
 * `etcdup uninstall`: stops and disables the unit, then removes the files the state record says etcdup wrote,
 * except the ones whose content changed since (kept and reported); the data dir, the PKI and the upgrade
 * backups stay unless `--purge`, and a record of them (/var/lib/etcdup/uninstalled.json) lets a later
 * `--purge` remove them; etcdup's snapshots in /var/backups/etcd stay even then, unless `--purge-backups`. A cluster member first leaves its cluster (unless `--keep-member`). The state record is removed
 * last, so an interrupted uninstall can simply be run again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { OFFSITE_RECORD } from "../offsite/paths.ts";
import type { ContextOf } from "../specs/spec.ts";
import type { uninstallFlags } from "../specs/uninstall.ts";
import type { Output } from "../output.ts";
import { ClusterApi } from "../cluster/api.ts";
import { removeSelf } from "../cluster/membership.ts";
import { Exit, type ExitCode } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { removeOrphanTemps } from "../host/file_writes.ts";
import {
  type InstallState,
  readRemains,
  readState,
  REMAINS_FILE,
  STATE_DIR,
  STATE_FILE,
  writeRemains,
} from "../host/state.ts";
import { type ServiceManager, serviceManager } from "../host/systemd.ts";
import { stopTimer } from "../timers/systemd.ts";
import { DEFAULT_BACKUP_DIR } from "../plan/dirs.ts";
import { listSnapshots, purgeBackups } from "../backup/store.ts";
import { compareFiles, observeFiles } from "../daytwo/drift.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { pkiLeftovers } from "../daytwo/pki_leftovers.ts";
import { footprint, planUninstall, remainsAfter, type UninstallPlan } from "../daytwo/uninstall_plan.ts";

/** Removes a directory if it is empty; returns whether it was removed. */
function removeIfEmpty(host: HostRoot, dir: string): boolean {
  try {
    fs.rmdirSync(host.resolve(dir));
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes this member from its cluster (etcd's member API, asked through the other members) before it
 * stops; a single-member cluster has nothing to leave. Without a running etcd it can only say what to do.
 */
async function leaveCluster(
  state: InstallState,
  host: HostRoot,
  active: boolean,
  out: Output,
): Promise<void> {
  const peers = state.initialCluster.split(",").filter((m) => m.trim() !== "").length;
  if (!active) {
    if (peers > 1) {
      out.warn(
        `etcd is not running, so member ${state.name} was not removed from its cluster: run 'etcdctl member remove <ID>' on another member`,
      );
    }
    return;
  }
  const api = new ClusterApi(adminClient(host, state));
  try {
    const outcome = await removeSelf(api, state.peerUrls);
    if (outcome.kind === "removed") {
      out.step(
        `removed member ${state.name} (${outcome.id}) from the cluster; ${outcome.remaining} member(s) remain`,
      );
    }
  } finally {
    await api.close();
  }
}

/** What happens to etcdup's snapshots in the backup directory: removed with --purge-backups, else kept. */
interface BackupsPlan {
  dir: string;
  snapshots: string[];
  purge: boolean;
}

/** A plan that removes nothing (only the backups are left to purge). */
function emptyPlan(): UninstallPlan {
  return planUninstall(footprint(undefined, undefined), [], { purge: false });
}

/** The human summary of a plan (dry run) or of what was done. */
function describe(plan: UninstallPlan, done: boolean, backups?: BackupsPlan): string {
  const lines: string[] = [];
  const list = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(title, ...items.map((p) => `  ${p}`));
  };
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

/**
 * Stops and disables etcdup's timers and the unit of an installation, after leaving its cluster (unless
 * --keep-member).
 */
async function stopService(
  state: InstallState,
  host: HostRoot,
  keepMember: boolean,
  out: Output,
): Promise<ServiceManager> {
  const svc = serviceManager(host);
  for (const timer of state.timers ?? []) {
    out.step(`stopping and disabling ${timer}`);
    await stopTimer(svc, timer);
  }
  const active = await svc.isActive(state.unit);
  if (!keepMember) await leaveCluster(state, host, active, out);
  if (active) {
    out.step(`stopping ${state.unit}`);
    await svc.stop(state.unit);
  }
  if (await svc.isEnabled(state.unit)) {
    out.step(`disabling ${state.unit}`);
    await svc.disable(state.unit);
  }
  return svc;
}

/** Runs `etcdup uninstall`. */
export async function run(ctx: ContextOf<typeof uninstallFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const { purge } = options;
  const state = readState(host);
  const remains = readRemains(host);
  const backups: BackupsPlan = {
    dir: DEFAULT_BACKUP_DIR,
    snapshots: listSnapshots(host, DEFAULT_BACKUP_DIR).map((s) => s.path),
    purge: options["purge-backups"],
  };
  if (!state && !remains) {
    if (backups.purge && !options["dry-run"] && backups.snapshots.length > 0) {
      requireRoot(host, "uninstall");
      await purgeBackups(host, backups.dir);
    }
    const gone = backups.purge && backups.snapshots.length > 0
      ? `\n${describe(emptyPlan(), !options["dry-run"], backups)}`
      : "";
    out.result(
      { uninstalled: false, reason: "no-state", backups },
      `Nothing to uninstall: ${
        host.resolve(STATE_FILE)
      } does not exist (etcdup installed nothing here, or it was already removed).${gone}`,
    );
    return Exit.ok;
  }
  const recorded = footprint(state, remains);
  const fp = { ...recorded, unrecordedPki: pkiLeftovers(host, recorded.pkiDirs, recorded.files) };
  const plan = planUninstall(fp, compareFiles(fp.files, observeFiles(host, fp.files)), { purge });
  if (!state && remains && !purge && !backups.purge) {
    out.result(
      { uninstalled: false, reason: "already-uninstalled", plan, backups },
      `Nothing to uninstall: etcdup uninstalled etcd here at ${remains.uninstalledAt}.\n${
        describe(plan, false, backups)
      }`,
    );
    return Exit.ok;
  }
  if (options["dry-run"]) {
    out.result({ dryRun: true, plan, backups }, describe(plan, false, backups));
    return Exit.ok;
  }
  requireRoot(host, "uninstall");

  const svc = state ? await stopService(state, host, options["keep-member"], out) : undefined;
  for (const p of plan.remove) host.remove(p);
  for (const t of plan.removeTrees) fs.rmSync(host.resolve(t), { recursive: true, force: true });
  removeOrphanTemps(host, [
    STATE_DIR,
    ...plan.removeIfEmpty,
    ...Object.keys(fp.files).map((p) => path.dirname(p)),
  ]);
  for (const d of plan.removeIfEmpty) removeIfEmpty(host, d);
  if (backups.purge) await purgeBackups(host, backups.dir);
  out.step(
    `removed ${plan.remove.length} file(s) etcdup wrote${purge ? ", the data dir, PKI and backups" : ""}`,
  );
  if (svc?.live) await svc.daemonReload();
  for (const p of plan.keptEdited) out.warn(`kept ${p}: edited since etcdup wrote it`, { path: p });
  if (purge) host.remove(REMAINS_FILE);
  if (purge) host.remove(OFFSITE_RECORD); // the recorded upload settings (no secrets) go with the backups
  else writeRemains(host, remainsAfter(fp, plan, new Date()));
  host.remove(STATE_FILE);
  removeIfEmpty(host, STATE_DIR);
  out.result({ uninstalled: true, purge, plan, backups }, describe(plan, true, backups));
  return Exit.ok;
}
