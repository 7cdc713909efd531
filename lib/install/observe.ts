/**
 * Install's observation: every host read its diff needs, made once before anything is decided, into plain
 * data (lib/install/diff.ts's {@link InstallObserved}): the etcd account, each file path the plan can write
 * (config files, etcdup itself, the completion, the binaries) with digest, owner and mode, the directories,
 * the enabled units, when the binaries stay the completion the installed etcdctl gives, the PKI's files and
 * the CA source files the plan names (lib/pki/observe.ts), and for the dry run how the release will be
 * verified. The facts and the state record are read by planning (lib/install/plan_install.ts).
 */
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import { lookupUser } from "../host/accounts.ts";
import { currentFile } from "../host/file_writes.ts";
import { selfFile } from "../host/self.ts";
import type { InstallState } from "../host/state.ts";
import { configFiles } from "../plan/desired.ts";
import type { InstallPlan } from "../plan/types.ts";
import { pkiPaths } from "../pki/layout.ts";
import { observePki } from "../pki/observe.ts";
import { describeVerification } from "../release/obtain.ts";
import { requiredBinaries } from "../release/unpack.ts";
import { checkCalendars } from "../timers/systemd.ts";
import { bashCompletion } from "./completion.ts";
import { binaryChanges, type DirState, type InstallObserved } from "./diff.ts";
import { pkiRequest } from "./pki.ts";
import { enabledUnits } from "./service.ts";

/** How `plan`'s release will be verified, in words (a local tarball is hashed; nothing is fetched). */
function verificationOf(plan: InstallPlan): Promise<string> | undefined {
  const source = plan.release.source; // a --bundle is resolved to its tarball while planning
  return source.kind === "bundle" ? undefined : describeVerification({ ...plan.release, source });
}

/**
 * Observes `host` for `plan` (`previous`: the state record planning read); `dryRun` adds how the release
 * will be verified, which only the dry run shows (the run verifies it when it fetches it). The timers'
 * calendars are checked first: a schedule systemd rejects is refused before anything is decided.
 */
export async function observeInstall(
  host: HostRoot,
  plan: InstallPlan,
  previous: InstallState | undefined,
  dryRun = false,
): Promise<InstallObserved> {
  await checkCalendars(host, plan.timers);
  const account = lookupUser(host, plan.user.name);
  const etcd = account ? { uid: account.uid, gid: account.gid } : undefined;
  const req = pkiRequest(plan);
  const self = selfFile();
  const filePaths = [
    ...configFiles(plan, pkiPaths(plan.pki.layout, plan.pki.pkiDir)).map((f) => f.path),
    self.path,
    plan.paths.completionFile,
    ...requiredBinaries(plan.release.version).map((b) => path.posix.join(plan.paths.binDir, b)),
  ];
  const files = Object.fromEntries(filePaths.map((p) => [p, currentFile(host, p)]));
  const dirPaths = [
    plan.paths.dataDir,
    ...(plan.paths.walDir ? [plan.paths.walDir] : []),
    plan.pki.pkiDir,
    ...plan.timers.flatMap((j) => j.writePaths),
  ];
  const dirs: Record<string, DirState | undefined> = {};
  for (const d of dirPaths) {
    // A directory linked elsewhere inside the root is that directory (install writes through it).
    const st = host.exists(d) ? Deno.statSync(host.resolve(d)) : undefined;
    dirs[d] = st ? { uid: st.uid ?? 0, gid: st.gid ?? 0, mode: (st.mode ?? 0) & 0o7777 } : undefined;
  }
  // The installed etcdctl of the release that stays makes the completion the run would write: compare it.
  const binariesStay = binaryChanges(plan, previous, files).every((b) => b.action !== "install");
  return {
    previous,
    account: etcd,
    files,
    dirs,
    enabled: [...await enabledUnits(plan, host)],
    self,
    completion: binariesStay ? await bashCompletion(plan, host) : undefined,
    ...(dryRun ? { verification: await verificationOf(plan) } : {}),
    pkiRequest: req,
    pki: observePki(host, req, etcd ? { etcd } : {}),
  };
}
