/**
 * Carrying out an uninstall diff (lib/daytwo/uninstall_plan.ts), exactly as `--dry-run` printed it: the
 * service steps in order, the files and trees removed, the emptied directories, the snapshots
 * (`--purge-backups`), then the records: the remains record written (or, purging, removed with the offsite
 * settings) and the state record removed last, so an interrupted uninstall can simply be run again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { OFFSITE_RECORD } from "../../offsite/paths.ts";
import type { Output } from "../../output.ts";
import { ClusterApi } from "../../cluster/api.ts";
import { removeSelf } from "../../cluster/membership.ts";
import type { HostRoot } from "../../host/fs.ts";
import { removeOrphanTemps } from "../../host/file_writes.ts";
import { writeRemains } from "../../host/state.ts";
import { type InstallState, REMAINS_FILE, STATE_DIR, STATE_FILE } from "../../state_record.ts";
import { type ServiceManager, serviceManager } from "../../host/systemd.ts";
import { purgeBackups } from "../../backup/store.ts";
import { adminClient } from "../../etcd/admin_client.ts";
import { remainsAfter, type ServiceStep, type UninstallDiff } from "../../daytwo/uninstall_plan.ts";

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
  step: Extract<ServiceStep, { action: "leave-cluster" }>,
  state: InstallState,
  host: HostRoot,
  out: Output,
): Promise<void> {
  if (!step.running) {
    out.warn(
      `etcd is not running, so member ${step.member} was not removed from its cluster: run 'etcdctl member remove <ID>' on another member`,
    );
    return;
  }
  const api = new ClusterApi(adminClient(host, state));
  try {
    const outcome = await removeSelf(api, state.peerUrls);
    if (outcome.kind === "removed") {
      out.step(
        `removed member ${step.member} (${outcome.id}) from the cluster; ${outcome.remaining} member(s) remain`,
      );
    }
  } finally {
    await api.close();
  }
}

/** Runs the service steps of `diff` (timers, leaving the cluster, the unit) in order. */
async function runServiceSteps(
  steps: ServiceStep[],
  state: InstallState,
  svc: ServiceManager,
  host: HostRoot,
  out: Output,
): Promise<void> {
  for (const s of steps) {
    if (s.action === "leave-cluster") {
      await leaveCluster(s, state, host, out);
    } else if (s.action === "stop") {
      out.step(`stopping ${s.unit}`);
      await svc.stop(s.unit);
    } else {
      out.step(`disabling ${s.unit}`);
      await svc.disable(s.unit);
    }
  }
}

/** Carries out `diff` (kind "uninstall") on `host`; `state` is the state record it was planned from. */
export async function executeUninstall(
  diff: UninstallDiff,
  state: InstallState | undefined,
  host: HostRoot,
  out: Output,
): Promise<void> {
  const { plan, footprint: fp, purge, backups } = diff;
  const svc = serviceManager(host);
  if (state) await runServiceSteps(diff.service, state, svc, host, out);
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
  if (diff.daemonReload) await svc.daemonReload();
  for (const p of plan.keptEdited) out.warn(`kept ${p}: edited since etcdup wrote it`, { path: p });
  if (purge) host.remove(REMAINS_FILE);
  if (purge) host.remove(OFFSITE_RECORD); // the recorded upload settings (no secrets) go with the backups
  else writeRemains(host, remainsAfter(fp, plan, new Date()));
  host.remove(STATE_FILE);
  removeIfEmpty(host, STATE_DIR);
}

/** Removes etcdup's snapshots when nothing else is recorded (`uninstall --purge-backups` after an uninstall). */
export async function purgeSnapshotsOnly(diff: UninstallDiff, host: HostRoot): Promise<void> {
  if (diff.backups.purge && diff.backups.snapshots.length > 0) await purgeBackups(host, diff.backups.dir);
}
