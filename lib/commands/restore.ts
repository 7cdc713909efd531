/**
 * `etcdup restore FILE`: this member comes back from a snapshot as a new one-member cluster
 * (lib/backup/restore.ts): the file is checked, the new data dir built beside the old one, etcd stopped, the
 * old data dir moved aside (never deleted), the new one put in place, etcd started and checked. A restore
 * interrupted at any point is finished by running the same command again.
 */
import * as fs from "node:fs";
import type { ContextOf } from "../specs/spec.ts";
import type { restoreFlags } from "../specs/backup.ts";
import { EtcdupError, Exit, type ExitCode } from "../errors.ts";
import { hostOf, requireInstalled, requireRoot } from "../daytwo/preconditions.ts";
import {
  checkSnapshotFile,
  newMarker,
  readMarker,
  refuseLiveCluster,
  RESTORE_MARKER,
  runRestore,
} from "../backup/restore.ts";
import { backupDir } from "../backup/names.ts";
import { restoreInput } from "../offsite/restore_prep.ts";

/** Runs `etcdup restore`. */
export async function run(ctx: ContextOf<typeof restoreFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const timeoutMs = options["health-timeout"];
  const state = requireInstalled(host, "restore");
  requireRoot(host, "restore");
  const input = await restoreInput(host, options, ctx.positionals[0], ctx.env, backupDir(host, {}, state));
  const file = input.file;
  const pending = readMarker(host);
  if (pending && pending.file !== file) {
    throw new EtcdupError({
      code: "restore-in-progress",
      message: `a restore of ${pending.file} began at ${pending.startedAt} and did not finish (${
        host.resolve(RESTORE_MARKER)
      })`,
      hint:
        `Finish it first: 'etcdup restore ${pending.file}'. The data dir before it is kept in ${pending.aside}.`,
      exit: Exit.precondition,
    });
  }
  const checked = await checkSnapshotFile(host, state, file, out);
  if (pending && pending.sha256 !== checked.sha256) {
    throw new EtcdupError({
      code: "restore-in-progress",
      message: `${file} changed since the unfinished restore of it began at ${pending.startedAt}`,
      hint: `Put the snapshot back as it was, or move ${host.resolve(RESTORE_MARKER)} aside to start over.`,
      exit: Exit.precondition,
    });
  }
  if (pending) out.info(`finishing the restore of ${file} begun at ${pending.startedAt}`);
  else if (!options.force) await refuseLiveCluster(host, state);
  const marker = pending ?? newMarker(host, state, checked, new Date());
  const done = await runRestore(host, state, marker, { healthTimeoutMs: timeoutMs }, out);
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
