/**
 * The bin dir's side of a release: staging it there (stale staging dirs of dead runs removed first), then
 * moving the verified binaries in: each one chowned root:root, 0755 and fsynced in the staging dir (same
 * filesystem), then renamed over the old one, so a crash or SIGKILL never leaves a partial binary.
 * Byte-identical binaries are left alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Output } from "../output.ts";
import { HostRoot, processAlive, syncDir } from "../host/fs.ts";
import type { Arch } from "./manifest.ts";
import { obtainRelease, type ReleaseSource, type StagedRelease, STAGING_PREFIX } from "./obtain.ts";
import { BINARIES } from "./binary_names.ts";

/** Whether two files have the same bytes (compared in blocks, flat memory). */
function sameContent(a: string, b: string): boolean {
  const sa = fs.statSync(a);
  const sb = fs.statSync(b);
  if (sa.size !== sb.size) return false;
  const fa = fs.openSync(a, "r");
  const fb = fs.openSync(b, "r");
  try {
    const ba = new Uint8Array(1 << 16);
    const bb = new Uint8Array(1 << 16);
    for (let pos = 0; pos < sa.size;) {
      const n = fs.readSync(fa, ba, 0, ba.length, pos);
      if (n === 0 || fs.readSync(fb, bb, 0, n, pos) !== n) return false;
      for (let i = 0; i < n; i++) if (ba[i] !== bb[i]) return false;
      pos += n;
    }
    return true;
  } finally {
    fs.closeSync(fa);
    fs.closeSync(fb);
  }
}

/**
 * Installs the staged etcd, etcdctl and etcdutl into `binDir` (a target path) as root:root 0755 by atomic
 * rename; skips byte-identical ones (their owner and mode are still corrected). The staging dir must be on
 * the bin dir's filesystem (see ReleaseRequest.stagingParent). Returns the target paths changed and not.
 */
export function installBinaries(
  staged: StagedRelease,
  host: HostRoot,
  binDir: string,
): { changed: string[]; unchanged: string[] } {
  if (!host.exists(binDir)) host.ensureDir(binDir, { uid: 0, gid: 0, mode: 0o755 });
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const name of BINARIES) {
    const file = staged.files[name];
    if (file === undefined) continue; // etcdutl: none before 3.5
    const target = path.posix.join(binDir, name);
    const real = host.resolveEntry(target);
    const existing = host.stat(target);
    if (existing?.isFile && sameContent(file, real)) {
      host.setOwnership(target, { uid: 0, gid: 0, mode: 0o755 });
      unchanged.push(target);
      continue;
    }
    const fd = fs.openSync(file, "r");
    try {
      fs.fchownSync(fd, 0, 0);
      fs.fchmodSync(fd, 0o755);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(file, real);
    changed.push(target);
  }
  if (changed.length > 0) syncDir(host.resolve(binDir));
  return { changed, unchanged };
}

/**
 * The staging dirs left in `dir` (a target path) by runs that died (SIGKILL, power loss): those whose
 * process id no longer runs, as target paths. Reads only (`download --dry-run` lists them).
 */
export function staleStaging(host: HostRoot, dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(host.resolve(dir));
  } catch {
    return [];
  }
  return names.filter((name) => {
    const pid = Number(
      name.startsWith(STAGING_PREFIX) ? name.slice(STAGING_PREFIX.length).split("-")[0] : NaN,
    );
    return Number.isInteger(pid) && pid !== Deno.pid && !processAlive(pid);
  }).map((name) => path.posix.join(dir, name));
}

/** Removes the staging dir at target path `p` with everything in it (the entry itself, not where it leads). */
export function removeStaging(host: HostRoot, p: string): void {
  const real = path.join(host.resolve(path.posix.dirname(p)), path.posix.basename(p));
  fs.rmSync(real, { recursive: true, force: true });
}

/**
 * Removes the staging dirs left in `binDir` (a target path) by runs that died ({@link staleStaging}).
 * Returns the removed target paths.
 */
export function cleanStaleStaging(host: HostRoot, binDir: string): string[] {
  const stale = staleStaging(host, binDir);
  for (const p of stale) removeStaging(host, p);
  return stale;
}

/** The release install or upgrade decided on. */
export interface ChosenRelease {
  version: string;
  arch: Arch;
  /** Whether its binaries run on this machine (then `etcd --version` is checked). */
  native: boolean;
  /** A `--bundle` directory must already be resolved to its tarball (see bundleTarball). */
  source: ReleaseSource | { kind: "bundle"; dir: string };
  /** Operator-given SHA-256, which wins over the manifest. */
  sha256?: string;
}

/**
 * Obtains and verifies `release` into a staging dir inside `binDir` (a target path, created root 0755 if
 * missing), after removing the staging dirs of dead runs there; ready for {@link installBinaries}.
 */
export async function stageInBinDir(
  release: ChosenRelease,
  host: HostRoot,
  binDir: string,
  out: Output,
): Promise<StagedRelease> {
  const source = release.source;
  if (source.kind === "bundle") throw new Error(`internal: --bundle ${source.dir} not resolved to a tarball`);
  if (!host.exists(binDir)) host.ensureDir(binDir, { uid: 0, gid: 0, mode: 0o755 });
  for (const stale of cleanStaleStaging(host, binDir)) out.info(`removed stale staging dir ${stale}`);
  return await obtainRelease({
    version: release.version,
    arch: release.arch,
    source,
    ...(release.sha256 ? { sha256: release.sha256 } : {}),
    stagingParent: host.resolve(binDir),
    checkVersion: release.native,
  }, out);
}
