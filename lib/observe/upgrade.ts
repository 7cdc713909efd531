/**
 * Upgrade's observation: every host read its diff (lib/daytwo/upgrade_diff.ts) needs, made once before
 * anything is decided, into plain data: the host facts, the release the flags name with its local source
 * resolved, digest, owner and mode of each file an upgrade can replace or remove (the binaries, the env file,
 * the completion), the env file's and the operator's override file's bytes, and whether the unit runs.
 */
import * as path from "node:path";
import type { HostFacts } from "../facts.ts";
import { gatherFacts } from "../host/facts.ts";
import { currentFile } from "../host/file_writes.ts";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../host/state.ts";
import type { ServiceManager } from "../host/systemd.ts";
import type { PlannedRelease } from "../plan/types.ts";
import type { UpgradeFiles, UpgradeObserved } from "../daytwo/upgrade_observed.ts";
import { BINARIES } from "../release/binary_names.ts";

/**
 * Observes `host` for an upgrade of the install `state` records. `resolveRelease` plans the release flags
 * from the facts and resolves a local source (it reads the tarball, bundle or mirror CA the flags name).
 */
export async function observeUpgrade(
  host: HostRoot,
  svc: ServiceManager,
  state: InstallState,
  paths: UpgradeFiles,
  resolveRelease: (facts: HostFacts) => PlannedRelease,
): Promise<UpgradeObserved> {
  const release = resolveRelease(gatherFacts(host));
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
