/** Writing the state record after an install or join: what etcdup owns now and how the member was set up. */
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { HostRoot } from "../host/fs.ts";
import { sha256Hex } from "../hash.ts";
import { sha256File } from "../host/hash.ts";
import type { FileDecision } from "../files.ts";
import { type InstallState, writeState } from "../host/state.ts";
import type { OwnedFile } from "../files.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { PkiPlan } from "../pki/plan.ts";
import type { EtcdIds } from "../pki/types.ts";
import { ownerIds } from "../pki/write.ts";
import { requiredBinaries } from "../release/unpack.ts";
import { timerUnit } from "../plan/timer_units.ts";
import { recordedSource } from "./remembered.ts";

/** Hashes, owners and modes of the installed binaries of the plan's release. */
function binaryRecords(host: HostRoot, plan: InstallPlan): Record<string, OwnedFile> {
  const out: Record<string, OwnedFile> = {};
  for (const b of requiredBinaries(plan.release.version)) {
    const p = path.join(plan.paths.binDir, b);
    const st = host.stat(p);
    if (st?.isFile) out[p] = { sha256: sha256File(host.resolve(p)), uid: st.uid, gid: st.gid, mode: st.mode };
  }
  return out;
}

/** The recorded directories made for non-root users' client pairs (`certs issue-client --for-user`), kept. */
function userClientDirs(previous: InstallState | undefined): string[] {
  const clients = previous?.userClients ?? [];
  return (previous?.dirs ?? []).filter((d) => clients.some((c) => c.certPath.startsWith(`${d}/`)));
}

/**
 * Records what etcdup owns now (binaries, PKI, config files) and the member's settings, the initial cluster
 * join settled included; files kept because the operator edited them keep their old record, and the client
 * pairs issued for non-root users stay recorded. A record that
 * would say what the previous one says is not rewritten (its `updatedAt` is the last change's time).
 */
export function recordState(
  host: HostRoot,
  plan: InstallPlan,
  tarballSha256: string,
  pki: PkiPlan,
  etcd: EtcdIds,
  decisions: FileDecision[],
  previous: InstallState | undefined,
): void {
  const files: Record<string, OwnedFile> = { ...binaryRecords(host, plan) };
  for (const f of pki.files) {
    files[f.path] = { sha256: sha256Hex(f.content), ...ownerIds(f.owner, etcd), mode: f.mode };
  }
  for (const { file, action } of decisions) {
    if (action !== "keep-edited") {
      files[file.path] = { sha256: file.sha256, uid: file.uid, gid: file.gid, mode: file.mode };
    } else if (previous?.files[file.path]) files[file.path] = previous.files[file.path];
  }
  for (const c of previous?.userClients ?? []) {
    for (const p of [c.certPath, c.keyPath, c.profile]) if (previous?.files[p]) files[p] = previous.files[p];
  }
  const r = plan.release;
  const state: InstallState = {
    schema: 1,
    version: r.version,
    arch: r.arch,
    tarballSha256,
    ...recordedSource(r),
    binDir: plan.paths.binDir,
    dataDir: plan.paths.dataDir,
    ...(plan.paths.walDir ? { walDir: plan.paths.walDir } : {}),
    pkiDir: plan.pki.pkiDir,
    layout: plan.pki.layout,
    keyAlgorithm: plan.pki.algorithm,
    name: plan.member.name,
    clientUrls: plan.member.advertiseClientUrls,
    peerUrls: plan.member.advertisePeerUrls,
    sans: plan.pki.sans,
    initialCluster: plan.member.initialCluster,
    initialClusterState: plan.member.initialClusterState,
    clusterToken: plan.member.clusterToken,
    unit: plan.service.unit,
    timers: plan.timers.map(timerUnit),
    ...(plan.metricsTextfileDir ? { metricsTextfileDir: plan.metricsTextfileDir } : {}),
    care: plan.care,
    metricsAddress: plan.member.metricsAddress,
    files,
    dirs: [
      plan.paths.dataDir,
      ...(plan.paths.walDir ? [plan.paths.walDir] : []),
      plan.pki.pkiDir,
      ...userClientDirs(previous),
    ],
    ...(previous?.userClients ? { userClients: previous.userClients } : {}),
    updatedAt: previous?.updatedAt ?? "",
  };
  if (previous !== undefined && isDeepStrictEqual(state, previous)) return;
  writeState(host, { ...state, updatedAt: new Date().toISOString() });
}
