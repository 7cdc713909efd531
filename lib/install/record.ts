/** The state record an install or join leaves: what etcdup owns then and how the member was set up. Pure. */
import { sha256Hex } from "../hash.ts";
import type { FileDecision, OwnedFile } from "../files.ts";
import type { InstallState } from "../state_record.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { EtcdIds, PkiPlan } from "../pki/types.ts";
import { ownerIds } from "../pki/files.ts";
import { timerUnit } from "../plan/timer_units.ts";
import { recordedSource } from "./remembered.ts";

/** The recorded directories made for non-root users' client pairs (`certs issue-client --for-user`), kept. */
function userClientDirs(previous: InstallState | undefined): string[] {
  const clients = previous?.userClients ?? [];
  return (previous?.dirs ?? []).filter((d) => clients.some((c) => c.certPath.startsWith(`${d}/`)));
}

/**
 * The record of what etcdup owns after a run (`binaries` as installed, PKI, config files) and the member's
 * settings, the initial cluster join settled included; files kept because the operator edited them keep
 * their old record, and the client pairs issued for non-root users stay recorded. Its `updatedAt` is the
 * previous one's: the diff compares the two to tell whether the record changes (the writer stamps the time).
 * PKI files owned by name take their ids here (`etcd`: the etcd account's).
 */
export function stateRecord(
  plan: InstallPlan,
  binaries: Record<string, OwnedFile>,
  tarballSha256: string | undefined,
  pki: PkiPlan,
  etcd: EtcdIds,
  decisions: FileDecision[],
  previous: InstallState | undefined,
): InstallState {
  const files: Record<string, OwnedFile> = { ...binaries };
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
  return {
    schema: 1,
    version: r.version,
    arch: r.arch,
    ...(tarballSha256 ? { tarballSha256 } : {}),
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
}
