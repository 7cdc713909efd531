/**
 * Install's observation (and join's): every host read its diff needs, made once before anything is decided,
 * into plain data ({@link InstallObserved}, declared beside the diff in lib/install/observed.ts): the etcd
 * account, each file path the plan can write (config files, etcdup itself, the completion, the binaries)
 * with digest, owner and mode, the directories, the enabled units, when the binaries stay the completion the
 * installed etcdctl gives, the PKI's files and the CA source files the plan names (lib/pki/observe.ts), and
 * for the dry run how the release will be verified. The facts and the state record are read by planning
 * (lib/install/plan_install.ts).
 */
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import { lookupUser } from "../host/accounts.ts";
import { bashCompletion } from "../host/etcdctl_completion.ts";
import { currentFile } from "../host/file_writes.ts";
import { selfFile } from "../host/self.ts";
import type { InstallState } from "../state_record.ts";
import type { DirState, InstallObserved } from "../install/observed.ts";
import { serviceManager } from "../host/systemd.ts";
import { binaryChanges } from "../plan/binaries.ts";
import { configFiles } from "../plan/desired.ts";
import { installPkiRequest } from "../plan/pki_request.ts";
import { timerUnit } from "../plan/timer_units.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { CaSource } from "../pki/export.ts";
import { pkiPaths } from "../pki/layout.ts";
import { observePki, readCaFlags } from "../pki/observe.ts";
import { describeVerification } from "../release/obtain.ts";
import { requiredBinaries } from "../release/binary_names.ts";
import { checkCalendars } from "../timers/systemd.ts";

/** How `plan`'s release will be verified, in words (a local tarball is hashed; nothing is fetched). */
function verificationOf(plan: InstallPlan): Promise<string> | undefined {
  const source = plan.release.source; // a --bundle is resolved to its tarball while planning
  return source.kind === "bundle" ? undefined : describeVerification({ ...plan.release, source });
}

/** The CA files `plan` names (`--ca-from`, or `--ca-cert`/`--ca-key`), read in; none when it names none. */
function namedCa(plan: InstallPlan): CaSource | undefined {
  const src = plan.pki.caSource;
  if (src?.kind === "export") return readCaFlags({ caFrom: src.file });
  if (src?.kind === "pair") return readCaFlags({ caCert: src.certFile, caKey: src.keyFile });
  return undefined;
}

/** The units of `plan` (etcd's and its timers') that systemd says are enabled now. */
async function enabledUnits(plan: InstallPlan, host: HostRoot): Promise<string[]> {
  const svc = serviceManager(host);
  const units = [plan.service.unit, ...plan.timers.map(timerUnit)];
  const on = await Promise.all(units.map((u) => svc.isEnabled(u).catch(() => false)));
  return units.filter((_, i) => on[i]);
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
  const req = installPkiRequest(plan, namedCa(plan), new Date());
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
  // (A binary that is not what etcdup installed is never run.)
  const binariesStay = binaryChanges(plan, previous, files).every((b) => b.action !== "install");
  return {
    previous,
    account: etcd,
    files,
    dirs,
    enabled: await enabledUnits(plan, host),
    self,
    completion: binariesStay ? await bashCompletion(plan, host) : undefined,
    ...(dryRun ? { verification: await verificationOf(plan) } : {}),
    pkiRequest: req,
    pki: observePki(host, req, etcd ? { etcd } : {}),
  };
}
