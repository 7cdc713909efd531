/**
 * The configuration files the plan wants on the host (unit, /etc/default/etcd, etcdctl profile), with
 * content, owner and mode. Pure: rendering from the plan and the PKI paths only.
 */
import * as path from "node:path";
import { type EtcdConfig, renderEnvFile } from "../etcd/env.ts";
import { renderProfile, renderUnit } from "../etcd/unit.ts";
import type { PkiPaths } from "../pki/layout.ts";
import { rootFile } from "./diff.ts";
import type { DesiredFile } from "../files.ts";
import type { InstallPlan } from "./types.ts";
import { timerFiles } from "./timer_units.ts";
import { urlHost } from "./validate.ts";

/**
 * Where etcd's WAL lives inside a `--wal-dir`: etcd creates its WAL directory atomically, as a sibling
 * `<wal>.tmp` renamed into place, so it needs the directory *above* the WAL writable. Inside the dedicated
 * directory (etcd:etcd 0700, in ReadWritePaths=) it has that, as it has inside the data dir (`member/wal`).
 */
export const WAL_SUBDIR = "wal";

/** etcd's configuration from the plan and the PKI paths. */
export function etcdConfig(plan: InstallPlan, pki: PkiPaths): EtcdConfig {
  const m = plan.member;
  return {
    name: m.name,
    dataDir: plan.paths.dataDir,
    ...(plan.paths.walDir ? { walDir: path.join(plan.paths.walDir, WAL_SUBDIR) } : {}),
    listenClientUrls: m.listenClientUrls,
    advertiseClientUrls: m.advertiseClientUrls,
    listenPeerUrls: m.listenPeerUrls,
    advertisePeerUrls: m.advertisePeerUrls,
    listenMetricsUrls: [`http://${urlHost(m.metricsAddress)}:${m.metricsPort}`],
    initialCluster: m.initialCluster,
    initialClusterState: m.initialClusterState,
    initialClusterToken: m.clusterToken,
    caFile: pki.caCert,
    serverCert: pki.serverCert,
    serverKey: pki.serverKey,
    peerCert: pki.peerCert,
    peerKey: pki.peerKey,
    ...plan.care,
  };
}

/** The client URL etcdctl and the health check use: the loopback listener (in the server cert's SANs). */
export function localClientUrl(plan: InstallPlan): string {
  return plan.member.listenClientUrls[plan.member.listenClientUrls.length - 1];
}

/**
 * The unit, env file, profile and the units of etcdup's timers for `plan` (all root 0644; they hold paths,
 * no secrets).
 */
export function configFiles(plan: InstallPlan, pki: PkiPaths): DesiredFile[] {
  const p = plan.paths;
  return [
    rootFile(
      p.unitFile,
      renderUnit({
        unitFile: p.unitFile,
        etcdBin: path.join(p.binDir, "etcd"),
        dataDir: p.dataDir,
        ...(p.walDir ? { walDir: p.walDir } : {}),
        envFile: p.envFile,
        envLocalFile: p.envLocalFile,
      }),
      0o644,
      true,
    ),
    rootFile(
      p.envFile,
      renderEnvFile(etcdConfig(plan, pki), plan.release.version, p),
      0o644,
      true,
    ),
    rootFile(
      p.profileFile,
      renderProfile({
        profileFile: p.profileFile,
        endpoints: [localClientUrl(plan)],
        caCert: pki.caCert,
        cert: pki.adminCert,
        key: pki.adminKey,
      }),
      0o644,
      false,
    ),
    ...plan.timers.flatMap(timerFiles),
  ];
}
