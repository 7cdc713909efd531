/**
 * `etcdup restore FILE`: this member comes back from a snapshot as a new one-member cluster. Observe (the
 * snapshot file's digest and record, an unfinished restore's marker, the data dir, the unit;
 * lib/observe/restore.ts) -> plan (lib/backup/restore_plan.ts: the names, the member, the steps) -> print it
 * (`--dry-run`: a local file is also checked, which only reads) or carry it out (lib/backup/restore.ts): the
 * file made a plaintext snapshot and checked, the new data dir built beside the old one, etcd stopped, the
 * old data dir moved aside (never deleted), the new one put in place, etcd started and checked. A restore
 * interrupted at any point is finished by running the same command again.
 */
import * as fs from "node:fs";
import type { ContextOf } from "../specs/spec.ts";
import type { restoreFlags } from "../specs/backup.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { hostOf, requireInstalled, requireRoot } from "../daytwo/preconditions.ts";
import { checkSnapshotFile, refuseLiveCluster, runRestore } from "../backup/restore.ts";
import { RESTORE_MARKER } from "../backup/marker.ts";
import { newMarker, planRestore, refuseOtherPending, renderRestorePlan } from "../backup/restore_plan.ts";
import { backupDir } from "../backup/names.ts";
import { loadIdentities } from "../backup/age.ts";
import { observeRestore, observeSnapshotFile } from "../observe/restore.ts";
import { restoreInput } from "../offsite/restore_prep.ts";

/** Runs `etcdup restore`. */
export async function run(ctx: ContextOf<typeof restoreFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const state = requireInstalled(host, "restore");
  requireRoot(host, "restore");
  const arg = ctx.positionals[0];
  const dryRun = options["dry-run"];
  const observed = await observeRestore(host, state, { arg, latest: options.latest, dryRun });
  const markerFile = host.resolve(RESTORE_MARKER);
  const plan = planRestore(
    observed,
    { force: options.force, identity: options.identity, markerFile },
    new Date(),
  );
  const { pending } = observed;
  if (dryRun) {
    const source = observed.source;
    const local = source.kind === "file" && !source.snapshot.encrypted ? source.snapshot : undefined;
    const checked = local ? await checkSnapshotFile(host, state, local, out) : undefined;
    // a local encrypted file's identity is read as the run reads it: a bad identity file is refused now
    if (source.kind === "file" && source.snapshot.encrypted && options.identity) {
      loadIdentities(options.identity);
    }
    if (checked) refuseOtherPending(pending, checked.file, markerFile, checked.sha256);
    if (plan.checkCluster) await refuseLiveCluster(host, state);
    out.result(
      {
        dryRun: true,
        plan,
        ...(checked ? { revision: checked.status.revision, keys: checked.status.totalKey } : {}),
      },
      renderRestorePlan(plan) +
        (checked
          ? `\nthe snapshot holds revision ${checked.status.revision}, ${checked.status.totalKey} keys`
          : ""),
    );
    return Exit.ok;
  }
  const input = await restoreInput(host, options, arg, ctx.env, backupDir(host, {}, state));
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
