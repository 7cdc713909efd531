/**
 * Snapshots of the local member: `etcdctl snapshot save` over mutual TLS, verified by reading the file back
 * with `etcdutl snapshot status` (etcd 3.4 has no etcdutl: `etcdctl snapshot status` there). The upgrade's
 * backup goes into a dated directory, and a snapshot that cannot be read back stops the upgrade before
 * anything is replaced; `etcdup backup` (lib/backup/take.ts) uses the same two steps.
 */
import * as path from "node:path";
import { EtcdupError, Exit } from "../errors.ts";
import type { TlsClient } from "../etcd/admin_client.ts";
import type { SnapshotStatus } from "../etcd/snapshot_status.ts";
import { connectionFlags, runTool } from "./etcdctl.ts";

/** A saved and verified snapshot. */
export interface Snapshot {
  /** Real path of the snapshot file. */
  file: string;
  status: SnapshotStatus;
  /** The tool that read it back. */
  verifiedWith: "etcdutl" | "etcdctl";
}

/** Where the backups of one upgrade go, under etcdup's state directory (target path). */
export const BACKUP_ROOT = "/var/lib/etcdup/backups";

/**
 * The dated backup directory (target path) of an upgrade started at `now` from `fromVersion`.
 * @example backupDirFor(new Date("2026-11-25T15:43:40Z"), "v3.4.23")
 * // "/var/lib/etcdup/backups/20261125T154340Z-v3.4.23"
 */
export function backupDirFor(now: Date, fromVersion: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${BACKUP_ROOT}/${stamp}-${fromVersion}`;
}

/**
 * Reads a snapshot file back with `snapshot status -w json`: etcdutl when `realBinDir` has it, etcdctl
 * otherwise (etcd 3.4). Throws `snapshot-unverified` (exit 3) naming the file when it cannot be read; `hint`
 * says what the caller's failure means.
 */
export async function snapshotStatus(
  realBinDir: string,
  file: string,
  hint: string,
): Promise<{ status: SnapshotStatus; verifiedWith: "etcdutl" | "etcdctl" }> {
  const reader = await snapshotTool(realBinDir);
  const read = await runTool(realBinDir, reader, ["snapshot", "status", file, "-w", "json"]);
  let status: SnapshotStatus | undefined;
  try {
    status = read.code === 0 ? JSON.parse(read.stdout) as SnapshotStatus : undefined;
  } catch {
    status = undefined;
  }
  if (!status || typeof status.revision !== "number") {
    throw new EtcdupError({
      code: "snapshot-unverified",
      message: `${reader} snapshot status ${file} could not read the snapshot back: ${
        (read.stderr || read.stdout).trim() || `exit ${read.code}`
      }`,
      hint,
      exit: Exit.verification,
    });
  }
  return { status, verifiedWith: reader };
}

/** The tool that reads and restores snapshot files: etcdutl, or etcdctl where there is none (etcd 3.4). */
export async function snapshotTool(realBinDir: string): Promise<"etcdutl" | "etcdctl"> {
  const hasEtcdutl = await Deno.stat(path.join(realBinDir, "etcdutl")).then(() => true, () => false);
  return hasEtcdutl ? "etcdutl" : "etcdctl";
}

/**
 * Saves a snapshot of the member at `client.endpoints[0]` to `file` (a real path in an existing private
 * directory) with the etcdctl in `realBinDir` (etcdctl writes `file.part` and renames it to `file`). Throws
 * `snapshot-failed` (exit 1) when etcd cannot give one; `hint` says what to check.
 */
export async function takeSnapshot(
  realBinDir: string,
  client: TlsClient,
  file: string,
  hint: string,
): Promise<void> {
  const saved = await runTool(realBinDir, "etcdctl", [...connectionFlags(client), "snapshot", "save", file]);
  if (saved.code !== 0) {
    throw new EtcdupError({
      code: "snapshot-failed",
      message: `etcdctl snapshot save ${file} failed (exit ${saved.code}): ${
        (saved.stderr || saved.stdout).trim()
      }`,
      hint,
      exit: Exit.failure,
    });
  }
}

/**
 * Saves a snapshot of the member at `client.endpoints[0]` to `file` (a real path in an existing private
 * directory) with the etcdctl in `realBinDir`, and reads it back with etcdutl (or etcdctl when there is none).
 */
export async function saveSnapshot(realBinDir: string, client: TlsClient, file: string): Promise<Snapshot> {
  await takeSnapshot(
    realBinDir,
    client,
    file,
    "etcd must be running and healthy before an upgrade; check 'etcdup status' and 'journalctl -u etcd'.",
  );
  const read = await snapshotStatus(
    realBinDir,
    file,
    "Nothing was changed. Check free space in /var/lib/etcdup and etcd's health, then retry.",
  );
  return { file, ...read };
}
