/**
 * `etcdup restore FILE`: this member comes back from a snapshot as a new one-member cluster. Observe (the
 * snapshot file's digest and record, an encrypted one's identity, a bucket's object in the dry run, an
 * unfinished restore's marker, the data dir, the unit; lib/observe/restore.ts) -> plan
 * (lib/backup/restore_plan.ts: the names, the member, the steps, what the run would refuse) -> print it
 * (`--dry-run`: a local file is also checked, which only reads) or carry it out (lib/backup/restore.ts): the
 * file made a plaintext snapshot and checked, the new data dir built beside the old one, etcd stopped, the
 * old data dir moved aside (never deleted), the new one put in place, etcd started and checked. A restore
 * interrupted at any point is finished by running the same command again.
 */
import * as fs from "node:fs";
import type { ContextOf } from "../specs/spec.ts";
import type { restoreFlags } from "../specs/backup.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { requireInstalled } from "../observe/installed.ts";
import { checkSnapshotFile, refuseLiveCluster, runRestore } from "../backup/restore.ts";
import { RESTORE_MARKER } from "../backup/marker.ts";
import {
  newMarker,
  planRestore,
  refuseOtherPending,
  renderRestorePlan,
  type RestorePlan,
} from "../backup/restore_plan.ts";
import type { RestoreObserved } from "../backup/observed.ts";
import type { HostRoot } from "../host/fs.ts";
import { backupDir } from "../backup/names.ts";
import { observeRestore, observeSnapshotFile } from "../observe/restore.ts";
import { restoreInput } from "../offsite/restore_prep.ts";

type Ctx = ContextOf<typeof restoreFlags>;

/** Runs `etcdup restore`: observe -> plan -> print it (`--dry-run`) or carry it out. */
export async function run(ctx: Ctx): Promise<ExitCode> {
  const { options } = ctx;
  const host = hostOf(options);
  const state = requireInstalled(host, "restore");
  requireRoot(host, "restore");
  const dryRun = options["dry-run"];
  const observed = await observeRestore(host, state, {
    arg: ctx.positionals[0],
    latest: options.latest,
    dryRun,
    options,
    env: ctx.env,
  });
  const markerFile = host.resolve(RESTORE_MARKER);
  const plan = planRestore(
    observed,
    { force: options.force, identity: options.identity, markerFile },
    new Date(),
  );
  return dryRun ? await printPlan(ctx, host, observed, plan) : await carryOut(ctx, host, observed, plan);
}

/**
 * The dry run: what the run checks before it changes anything is checked too where it only reads (a local
 * plaintext file: digest, who may write it, snapshot status, version; the cluster), then the plan is
 * printed. An encrypted file or a bucket's object was refused by the plan already where the run would refuse
 * it (its identity, record, digest and age header were read by the observation).
 */
async function printPlan(
  ctx: Ctx,
  host: HostRoot,
  observed: RestoreObserved,
  plan: RestorePlan,
): Promise<ExitCode> {
  const { out } = ctx;
  const { state, source, pending } = observed;
  const local = source.kind === "file" && !source.snapshot.encrypted ? source.snapshot : undefined;
  const checked = local ? await checkSnapshotFile(host, state, local, out) : undefined;
  if (checked) refuseOtherPending(pending, checked.file, host.resolve(RESTORE_MARKER), checked.sha256);
  if (plan.checkCluster) await refuseLiveCluster(host, state);
  const status = checked?.status;
  out.result(
    { dryRun: true, plan, ...(status ? { revision: status.revision, keys: status.totalKey } : {}) },
    renderRestorePlan(plan) +
      (status ? `\nthe snapshot holds revision ${status.revision}, ${status.totalKey} keys` : ""),
  );
  return Exit.ok;
}

/**
 * The run: the source made a plaintext snapshot (lib/offsite/restore_prep.ts), checked, and restored with
 * the plan's names (or the unfinished restore's), then etcd started and checked.
 */
async function carryOut(
  ctx: Ctx,
  host: HostRoot,
  observed: RestoreObserved,
  plan: RestorePlan,
): Promise<ExitCode> {
  const { options, out } = ctx;
  const { state, pending } = observed;
  const markerFile = host.resolve(RESTORE_MARKER);
  const input = await restoreInput(
    host,
    options,
    observed.source,
    ctx.positionals[0],
    ctx.env,
    backupDir(host, {}, state),
  );
  const file = input.file;
  refuseOtherPending(pending, file, markerFile);
  const snapshot = observed.source.kind === "file" && observed.source.snapshot.file === file
    ? observed.source.snapshot
    : await observeSnapshotFile(file);
  const checked = await checkSnapshotFile(host, state, snapshot, out);
  refuseOtherPending(pending, file, markerFile, checked.sha256);
  if (pending) out.info(`finishing the restore of ${file} begun at ${pending.startedAt}`);
  else if (plan.checkCluster) await refuseLiveCluster(host, state);
  const marker = pending ?? newMarker(plan, checked);
  const done = await runRestore(host, state, marker, { healthTimeoutMs: options["health-timeout"] }, out);
  if (input.workDir) fs.rmSync(host.resolve(input.workDir), { recursive: true, force: true });
  const where = done.revision === undefined ? "not started (--root)" : `healthy at revision ${done.revision}`;
  out.result(
    {
      restored: true,
      file,
      from: input.from,
      sha256: checked.sha256,
      snapshotRevision: marker.revision,
      servedRevision: done.revision,
      keys: checked.status.totalKey,
      dataDir: state.dataDir,
      oldDataDir: done.movedAside ? marker.aside : undefined,
      clusterToken: marker.clusterToken,
    },
    `restored ${state.name} from ${input.from} (revision ${marker.revision}, ${checked.status.totalKey} keys): ${where}. ` +
      (done.movedAside ? `The old data dir is kept in ${marker.aside}. ` : "") +
      `This member is now a one-member cluster; other members rejoin with 'etcdup join --replace'.`,
  );
  return Exit.ok;
}
