/**
 * The local release source, observed before anything is decided from it: install's and join's planning
 * (lib/install/plan_install.ts) and upgrade's observation (lib/observe/upgrade.ts) both resolve the release
 * the flags name here, so a wrong path is refused (exit 2) before anything is written, by `--dry-run` too.
 */
import type { PlannedSource } from "../release_source.ts";
import type { Arch } from "./manifest.ts";
import { bundleTarball, checkTarball } from "./obtain.ts";
import { readMirrorCa } from "./mirror_ca.ts";

/** What a planned release says of its source (lib/plan/types.ts's PlannedRelease has these fields). */
interface LocalRelease {
  version: string;
  arch: Arch;
  source: PlannedSource;
  bundle?: string;
}

/**
 * Resolves a local release source: a `--bundle DIR` becomes the tarball it holds for the release's arch (the
 * `--version` asked for, or the newest one there), and the files a source names (a `--tarball`, a
 * `--mirror-ca`) must be readable. Other releases are returned as they are.
 * @example resolveLocalRelease(plan.release, options.version !== undefined).source // { kind: "tarball", ... }
 */
export function resolveLocalRelease<R extends LocalRelease>(release: R, versionGiven: boolean): R {
  const src = release.source;
  if (src.kind === "tarball") checkTarball(src.path);
  if (src.kind === "mirror" && src.caFile) readMirrorCa(src.caFile);
  if (src.kind !== "bundle") return release;
  const picked = bundleTarball(src.dir, versionGiven ? release.version : undefined, release.arch);
  return {
    ...release,
    version: picked.version,
    source: { kind: "tarball", path: picked.path },
    bundle: src.dir,
  };
}
