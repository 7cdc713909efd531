/**
 * The InstallPlan: every decision `etcdup install` makes, taken once from flags and host facts and
 * validated, before anything touches the host. Everything after planning reads only this.
 */
import type { KeyAlgorithm } from "../pki/algorithms.ts";
import type { TimerJob } from "./timer_units.ts";
import type { PlannedCare } from "../care.ts";
import type { PlannedSource } from "../release_source.ts";

/** The release to install. */
export interface PlannedRelease {
  /** Exact version, e.g. "v3.6.6" (aliases are resolved while planning). */
  version: string;
  arch: "amd64" | "arm64";
  /** Whether the release's binaries run on this machine (same arch): then etcdup runs them to check. */
  native: boolean;
  source: PlannedSource;
  /** The `--bundle` directory `source`'s tarball was picked from, recorded as the source for re-runs. */
  bundle?: string;
  /** Operator-given SHA-256 (`--sha256`), which wins over the manifest. */
  sha256?: string;
}

/** This member and the cluster it bootstraps. */
export interface PlannedMember {
  name: string;
  /** The IP other members and clients reach this node on. */
  advertiseAddress: string;
  clientPort: number;
  peerPort: number;
  /** Port for /metrics and /health over plain http. */
  metricsPort: number;
  /** Where that listener binds: loopback unless `--metrics-address` (then scrapable from other hosts). */
  metricsAddress: string;
  listenClientUrls: string[];
  advertiseClientUrls: string[];
  listenPeerUrls: string[];
  advertisePeerUrls: string[];
  /** `name=https://ip:port,...`, this member included. */
  initialCluster: string;
  initialClusterState: "new" | "existing";
  clusterToken: string;
}

/** How the PKI is made. */
export interface PlannedPki {
  layout: "etcd" | "kubeadm";
  pkiDir: string;
  algorithm: KeyAlgorithm;
  certDays: number;
  caDays: number;
  /** SANs of the server and peer certificates. */
  sans: { dns: string[]; ips: string[] };
  /** Where an existing CA comes from, if not generated here. */
  caSource?: { kind: "export"; file: string } | { kind: "pair"; certFile: string; keyFile: string };
}

/** Target paths of everything install writes. */
export interface PlannedPaths {
  binDir: string;
  dataDir: string;
  /** A dedicated WAL directory (`--wal-dir`); without it etcd keeps its WAL inside the data dir. */
  walDir?: string;
  unitFile: string;
  envFile: string;
  /** The operator's overrides, read after envFile; etcdup never writes it. */
  envLocalFile: string;
  profileFile: string;
  completionFile: string;
}

/** What happens to the service. */
export interface PlannedService {
  unit: string;
  /** Start (or restart) and wait for health; false with --no-start or --root. */
  start: boolean;
  healthTimeoutMs: number;
}

/** The whole, validated plan of `etcdup install`. */
export interface InstallPlan {
  /** Host root: "/" or the --root directory. */
  root: string;
  release: PlannedRelease;
  member: PlannedMember;
  pki: PlannedPki;
  paths: PlannedPaths;
  service: PlannedService;
  /** Measure the data dir's fsync latency before a first install (live host, no --skip-disk-check). */
  diskCheck: boolean;
  /** Compaction, quota and raft timing (lib/plan/care.ts). */
  care: PlannedCare;
  /** The system account etcd runs as. */
  user: { name: string; home: string };
  /** `--metrics-textfile-dir`: where the certs timer refreshes its textfile metrics (kept across re-runs). */
  metricsTextfileDir?: string;
  /** etcdup's scheduled jobs (oneshot service + timer each), lib/plan/timers.ts. */
  timers: TimerJob[];
  /** Things the planner decided that the operator should know (e.g. a fallback address). */
  notes: string[];
}
