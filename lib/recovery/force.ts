/**
 * etcd's `--force-new-cluster`, given once. It lives in two runtime files (under /run, so even a reboot
 * forgets it): a drop-in that makes etcd's unit read an optional environment file, and that file with
 * `ETCD_FORCE_NEW_CLUSTER=true`. The drop-in's `ExecStartPost` deletes the file as soon as etcd reports ready
 * (Type=notify), and an environment file is read at every start, so the flag cannot outlive the first start
 * that worked even when etcdup is killed right after it; `recover` then removes the drop-in as well. Until
 * that first good start (a crash restarts etcd forced again) no other member can join this one.
 */
import * as path from "node:path";
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import type { ServiceManager } from "../host/systemd.ts";

/** The environment file holding the flag (target path). */
export const FORCE_ENV_FILE = "/run/etcdup/force-new-cluster.env";

/** The drop-in of `unit` that reads {@link FORCE_ENV_FILE} (target path). */
export function forceDropIn(unit: string): string {
  return `/run/systemd/system/${unit}.d/50-etcdup-force-new-cluster.conf`;
}

/** The drop-in's content: read the flag file if present, delete it once etcd is ready. */
export function renderForceDropIn(): string {
  return [
    "# Written by 'etcdup recover' for one start with --force-new-cluster; removed when it is done.",
    "[Service]",
    `EnvironmentFile=-${FORCE_ENV_FILE}`,
    `ExecStartPost=-+/bin/rm -f ${FORCE_ENV_FILE}`,
    "",
  ].join("\n");
}

const ROOT_DIR = { uid: 0, gid: 0, mode: 0o755 };

/** Which of the two files are on the host. */
export function forceFiles(host: HostRoot, unit: string): { dropIn: boolean; flag: boolean } {
  return {
    dropIn: host.stat(forceDropIn(unit)) !== undefined,
    flag: host.stat(FORCE_ENV_FILE) !== undefined,
  };
}

/** Writes the drop-in and the flag file (root 0644 and 0600); the caller reloads systemd. */
export function placeForce(host: HostRoot, unit: string): void {
  const dropIn = forceDropIn(unit);
  host.ensureDir(path.posix.dirname(dropIn), ROOT_DIR);
  host.writeAtomic(dropIn, renderForceDropIn(), { uid: 0, gid: 0, mode: 0o644 });
  host.ensureDir(path.posix.dirname(FORCE_ENV_FILE), { uid: 0, gid: 0, mode: 0o700 });
  host.writeAtomic(FORCE_ENV_FILE, "ETCD_FORCE_NEW_CLUSTER=true\n", { uid: 0, gid: 0, mode: 0o600 });
}

/**
 * Removes the flag file, then the drop-in; returns whether anything was there (the caller then reloads
 * systemd, so the unit no longer names the file).
 */
export function clearForce(host: HostRoot, unit: string): boolean {
  const flag = host.remove(FORCE_ENV_FILE);
  return host.remove(forceDropIn(unit)) || flag;
}

/**
 * For every etcdup run that (re)starts etcd outside `recover` (install, join): removes a flag an
 * interrupted `recover` left, so that start does not force a new cluster; says so, naming the way back.
 */
export async function dropStaleForce(
  host: HostRoot,
  unit: string,
  svc: ServiceManager,
  out: Output,
): Promise<void> {
  if (!clearForce(host, unit)) return;
  if (svc.live) await svc.daemonReload();
  out.warn(
    `removed the --force-new-cluster setting an interrupted 'etcdup recover' left (${FORCE_ENV_FILE}); ` +
      "run 'etcdup recover' again to finish a recovery",
  );
}
