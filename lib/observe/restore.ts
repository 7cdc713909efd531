/**
 * `restore`'s observation (lib/backup/observed.ts's {@link RestoreObserved}): the snapshot file named (its
 * type, SHA-256 and the record beside it: reads, which the dry run makes too), the marker of an unfinished
 * restore, the data dir and etcd's unit. A bucket is not contacted: only the run fetches from it.
 */
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import { sha256FileAsync } from "../host/hash.ts";
import type { InstallState } from "../state_record.ts";
import { serviceManager } from "../host/systemd.ts";
import { readMarker } from "../backup/marker.ts";
import type { ObservedSnapshotFile, RestoreObserved, RestoreSource } from "../backup/observed.ts";
import { readRecordAt } from "../backup/store.ts";

/**
 * The snapshot file at real path `file`: a regular file's record and digest (unless `digest` is false), or
 * why it is none.
 */
export async function observeSnapshotFile(file: string, digest = true): Promise<ObservedSnapshotFile> {
  const encrypted = file.endsWith(".age");
  const st = await Deno.stat(file).catch(() => undefined);
  if (!st?.isFile) return { file, encrypted, missing: st ? "not a regular file" : "it does not exist" };
  const { record, problem } = readRecordAt(file);
  return {
    file,
    encrypted,
    ...(digest ? { sha256: await sha256FileAsync(file) } : {}),
    ...(record ? { record } : { recordProblem: problem }),
  };
}

/**
 * What restore's argument `arg` (and `--latest`) names. An encrypted file is hashed for the dry run only
 * (`dryRun`): the run's decryption step checks its digest itself (lib/offsite/restore_prep.ts).
 */
async function sourceOf(arg: string | undefined, latest: boolean, dryRun: boolean): Promise<RestoreSource> {
  if (latest || arg?.startsWith("s3://")) return { kind: "s3", url: arg, latest };
  if (arg === undefined) return { kind: "none" };
  const file = path.resolve(arg);
  return { kind: "file", snapshot: await observeSnapshotFile(file, dryRun || !file.endsWith(".age")) };
}

/** Observes the host for restoring the member `state` describes from `arg` (or `--latest`). */
export async function observeRestore(
  host: HostRoot,
  state: InstallState,
  source: { arg: string | undefined; latest: boolean; dryRun: boolean },
): Promise<RestoreObserved> {
  const svc = serviceManager(host);
  return {
    state,
    source: await sourceOf(source.arg, source.latest, source.dryRun),
    pending: readMarker(host),
    dataDirExists: host.stat(state.dataDir) !== undefined,
    unit: { live: svc.live, active: svc.live && await svc.isActive(state.unit) },
  };
}
