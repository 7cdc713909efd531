/**
 * Upgrade's observation: every host read its diff (lib/daytwo/upgrade_diff.ts) needs, made once before
 * anything is decided, into plain data: the state record, the host facts, the release the flags name with its local source
 * resolved, digest, owner and mode of each file an upgrade can replace or remove (the binaries, the env file,
 * the completion), the env file's and the operator's override file's bytes, and whether the unit runs.
 */
import * as path from "node:path";
import { gatherFacts } from "../host/facts.ts";
import { currentFile } from "../host/file_writes.ts";
import type { HostRoot } from "../host/fs.ts";
import { requireInstalled } from "./installed.ts";
import type { ServiceManager } from "../host/systemd.ts";
import { planRelease, type ReleaseOptions } from "../plan/build.ts";
import type { UpgradeFiles, UpgradeObserved } from "../daytwo/upgrade_observed.ts";
import { BINARIES } from "../release/binary_names.ts";
import { resolveLocalRelease } from "../release/local_source.ts";
import { resolveVersion } from "../release/manifest.ts";

/**
 * Observes `host` for an upgrade to the release `flags` name: the state record first (refused when etcdup
 * installed nothing here, lib/observe/installed.ts), then the release planned from the host facts and the
 * recorded arch, its local source resolved (the tarball, bundle or mirror CA the flags name is read).
 */
export async function observeUpgrade(
  host: HostRoot,
  svc: ServiceManager,
  paths: UpgradeFiles,
  flags: Omit<ReleaseOptions, "arch">,
): Promise<UpgradeObserved> {
  const state = requireInstalled(host, "upgrade");
  const planned = planRelease({ ...flags, arch: state.arch }, gatherFacts(host), resolveVersion);
  const release = resolveLocalRelease(planned, flags.version !== undefined);
  const filePaths = [
    ...BINARIES.map((b) => path.posix.join(state.binDir, b)),
    paths.envFile,
    paths.completionFile,
  ];
  return {
    state,
    release,
    paths,
    files: Object.fromEntries(filePaths.map((p) => [p, currentFile(host, p)])),
    env: host.readText(paths.envFile),
    envLocal: host.readText(paths.envLocalFile),
    unit: { live: svc.live, active: svc.live && await svc.isActive(state.unit) },
  };
}
