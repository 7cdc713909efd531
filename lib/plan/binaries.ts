/**
 * What an install does to each binary, decided without fetching the release: pure, so the observation
 * (lib/observe/install.ts: runs the installed etcdctl only when it stays) and the diff (lib/install/diff.ts)
 * decide it by the same rule.
 */
import * as path from "node:path";
import type { OwnedFile } from "../files.ts";
import { manifestDigest } from "../release/manifest.ts";
import { requiredBinaries } from "../release/binary_names.ts";
import type { InstallPlan } from "./types.ts";

/** What applying does to one binary. */
export interface BinaryChange {
  path: string;
  action: "install" | "keep" | "fix-owner-mode";
  reason: string;
}

/** What the rule reads of the state record of an earlier install (lib/host/state.ts's InstallState). */
export interface RecordedRelease {
  version: string;
  arch: string;
  binDir: string;
  tarballSha256?: string;
  files: Record<string, { sha256: string }>;
}

/** Owner and mode of installed binaries. */
export const BINARY_OWN = { uid: 0, gid: 0, mode: 0o755 };

/**
 * The binaries' actions by one rule: kept when the state record is of this same release (version, arch, bin
 * dir, and the tarball digest the plan trusts, when it names one) and each installed binary has the digest
 * recorded for it; installed otherwise.
 */
export function binaryChanges(
  plan: InstallPlan,
  previous: RecordedRelease | undefined,
  files: Record<string, OwnedFile | undefined>,
): BinaryChange[] {
  const r = plan.release;
  const trusted = r.sha256?.toLowerCase() ?? manifestDigest(r.version, r.arch);
  const sameRelease = previous !== undefined && previous.version === r.version && previous.arch === r.arch &&
    previous.binDir === plan.paths.binDir && (trusted === undefined || previous.tarballSha256 === trusted);
  return requiredBinaries(r.version).map((b) => {
    const p = path.posix.join(plan.paths.binDir, b);
    const now = files[p];
    const install = (reason: string): BinaryChange => ({ path: p, action: "install", reason });
    if (!sameRelease) return install(`from etcd ${r.version}`);
    if (now === undefined) return install(`missing; from etcd ${r.version}`);
    if (now.sha256 !== previous.files[p]?.sha256) return install("not what etcdup installed; reinstalled");
    const right = now.uid === BINARY_OWN.uid && now.gid === BINARY_OWN.gid && now.mode === BINARY_OWN.mode;
    return { path: p, action: right ? "keep" : "fix-owner-mode", reason: "same release as installed" };
  });
}
