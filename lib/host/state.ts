/**
 * Reading and writing etcdup's records on a host (their shapes and paths: lib/state_record.ts): the state
 * record /var/lib/etcdup/state.json and, after a non-purge uninstall, /var/lib/etcdup/uninstalled.json, both
 * root 0600 in a root 0700 directory, each written atomically.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "./fs.ts";
import { type InstallState, type Remains, REMAINS_FILE, STATE_DIR, STATE_FILE } from "../state_record.ts";

/** Reads the JSON `what` record at `file`, or undefined when it does not exist; `check` tells its shape. */
export function readRecord<T extends { schema: number }>(
  host: HostRoot,
  file: string,
  what: string,
  check: (data: T) => boolean,
): T | undefined {
  const text = host.readText(file);
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as T;
    if (!check(data)) throw new Error(`unknown schema ${data.schema}`);
    return data;
  } catch (err) {
    throw new EtcdupError({
      code: "state-unreadable",
      message: `${host.resolve(file)} is not a valid etcdup ${what}: ${(err as Error).message}`,
      hint: "Move it aside and re-run 'etcdup install' with the same flags to rebuild it.",
      exit: Exit.precondition,
      cause: err,
    });
  }
}

/** Writes a record atomically (root 0600, in the root 0700 state directory). */
export function writeRecord(host: HostRoot, file: string, data: unknown): void {
  host.ensureDir(STATE_DIR, { uid: 0, gid: 0, mode: 0o700 });
  host.writeAtomic(file, JSON.stringify(data, null, 2) + "\n", { uid: 0, gid: 0, mode: 0o600 });
}

/** Reads the state record, or undefined when etcdup never installed here. */
export function readState(host: HostRoot): InstallState | undefined {
  return readRecord<InstallState>(
    host,
    STATE_FILE,
    "state record",
    (d) => d.schema === 1 && typeof d.files === "object",
  );
}

/** Writes the state record atomically (root 0600). */
export function writeState(host: HostRoot, state: InstallState): void {
  writeRecord(host, STATE_FILE, state);
}

/** Reads the record of what an uninstall left behind, or undefined when there is none. */
export function readRemains(host: HostRoot): Remains | undefined {
  return readRecord<Remains>(
    host,
    REMAINS_FILE,
    "uninstall record",
    (d) => d.schema === 1 && Array.isArray(d.dataDirs) && typeof d.files === "object",
  );
}

/** Writes the record of what an uninstall left behind atomically (root 0600). */
export function writeRemains(host: HostRoot, remains: Remains): void {
  writeRecord(host, REMAINS_FILE, remains);
}
