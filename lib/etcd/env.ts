/**
 * etcd's configuration as ETCD_* variables for /etc/default/etcd, rendered for the etcd version that
 * runs it: a flag etcd does not know in that version is never written, and renamed ones are written
 * under the version's name. All settings live here, none in the unit (etcd exits on a flag/variable clash).
 */
import envTemplate from "../../assets/etcd.env" with { type: "text" };
import { fillTemplate } from "./template.ts";
import { atLeast, parseEtcdVersion } from "./version.ts";
import type { PlannedCare } from "../care.ts";

/** Everything etcd is told, independent of version. Paths are target paths. */
export interface EtcdConfig extends PlannedCare {
  name: string;
  dataDir: string;
  /** ETCD_WAL_DIR: the WAL in a dedicated directory; without it etcd keeps the WAL in the data dir. */
  walDir?: string;
  listenClientUrls: string[];
  advertiseClientUrls: string[];
  listenPeerUrls: string[];
  advertisePeerUrls: string[];
  /** Plain-http listener for /metrics and /health, on loopback. */
  listenMetricsUrls: string[];
  initialCluster: string;
  initialClusterState: "new" | "existing";
  initialClusterToken: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  peerCert: string;
  peerKey: string;
}

/** TLS 1.2 AEAD suites: with only these offered, a TLS 1.0/1.1 handshake cannot succeed (etcd 3.4). */
const TLS12_SUITES = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
];

/**
 * The ETCD_* settings for `version`, in file order.
 * - 3.4: no --tls-min-version, so TLS 1.2 is enforced by offering only TLS 1.2 AEAD cipher suites; the
 *   default logger is the deprecated capnslog, so zap is asked for.
 * - 3.5+: ETCD_TLS_MIN_VERSION=TLS1.2.
 * - 3.6+: experimental flags became feature gates (InitialCorruptCheck); --enable-v2 is gone (never written).
 * - every version (3.4 on): periodic auto-compaction, the backend quota and the raft timing, which etcd
 *   3.4, 3.5 and 3.6 read under the same names (3.4 takes a Go duration as retention, as later ones do).
 * @example envSettings(cfg, "v3.6.6").find(([k]) => k === "ETCD_TLS_MIN_VERSION") // ["ETCD_TLS_MIN_VERSION", "TLS1.2"]
 */
export function envSettings(cfg: EtcdConfig, version: string): [string, string][] {
  const ver = parseEtcdVersion(version);
  const s: [string, string][] = [
    ["ETCD_NAME", cfg.name],
    ["ETCD_DATA_DIR", cfg.dataDir],
    ...(cfg.walDir ? [["ETCD_WAL_DIR", cfg.walDir] as [string, string]] : []),
    ["ETCD_LISTEN_CLIENT_URLS", cfg.listenClientUrls.join(",")],
    ["ETCD_ADVERTISE_CLIENT_URLS", cfg.advertiseClientUrls.join(",")],
    ["ETCD_LISTEN_PEER_URLS", cfg.listenPeerUrls.join(",")],
    ["ETCD_INITIAL_ADVERTISE_PEER_URLS", cfg.advertisePeerUrls.join(",")],
    ["ETCD_LISTEN_METRICS_URLS", cfg.listenMetricsUrls.join(",")],
    ["ETCD_INITIAL_CLUSTER", cfg.initialCluster],
    ["ETCD_INITIAL_CLUSTER_STATE", cfg.initialClusterState],
    ["ETCD_INITIAL_CLUSTER_TOKEN", cfg.initialClusterToken],
    ["ETCD_CLIENT_CERT_AUTH", "true"],
    ["ETCD_TRUSTED_CA_FILE", cfg.caFile],
    ["ETCD_CERT_FILE", cfg.serverCert],
    ["ETCD_KEY_FILE", cfg.serverKey],
    ["ETCD_PEER_CLIENT_CERT_AUTH", "true"],
    ["ETCD_PEER_TRUSTED_CA_FILE", cfg.caFile],
    ["ETCD_PEER_CERT_FILE", cfg.peerCert],
    ["ETCD_PEER_KEY_FILE", cfg.peerKey],
    ["ETCD_AUTO_COMPACTION_MODE", "periodic"],
    ["ETCD_AUTO_COMPACTION_RETENTION", cfg.compactionRetention],
    ["ETCD_QUOTA_BACKEND_BYTES", String(cfg.quotaBackendBytes)],
    ["ETCD_HEARTBEAT_INTERVAL", String(cfg.heartbeatMs)],
    ["ETCD_ELECTION_TIMEOUT", String(cfg.electionMs)],
  ];
  if (atLeast(ver, 3, 5)) s.push(["ETCD_TLS_MIN_VERSION", "TLS1.2"]);
  else s.push(["ETCD_CIPHER_SUITES", TLS12_SUITES.join(",")]);
  if (!atLeast(ver, 3, 5)) s.push(["ETCD_LOGGER", "zap"]);
  if (atLeast(ver, 3, 6)) s.push(["ETCD_FEATURE_GATES", "InitialCorruptCheck=true"]);
  else s.push(["ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK", "true"]);
  return s;
}

/** Quotes a value for a systemd EnvironmentFile when it needs it. */
function envValue(s: string): string {
  return /^[A-Za-z0-9_.,:/=@+\-[\]]*$/.test(s) ? s : `"${s.replace(/["\\]/g, "\\$&")}"`;
}

/** Renders /etc/default/etcd for `version` from the embedded template. */
export function renderEnvFile(
  cfg: EtcdConfig,
  version: string,
  files: { envFile: string; envLocalFile: string },
): string {
  const settings = envSettings(cfg, version).map(([k, val]) => `${k}=${envValue(val)}`).join("\n");
  return fillTemplate(envTemplate, {
    ENV_FILE: files.envFile,
    ENV_LOCAL_FILE: files.envLocalFile,
    ETCD_VERSION: version,
    SETTINGS: settings,
  });
}

/**
 * Parses an EnvironmentFile's KEY=VALUE lines (comments and blanks skipped, one level of quotes removed).
 * @example parseEnvFile("A=1\n# x\nB=\"two\"\n") // { A: "1", B: "two" }
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const raw = m[2].trim();
    out[m[1]] = /^".*"$/.test(raw)
      ? raw.slice(1, -1).replace(/\\(["\\])/g, "$1")
      : raw.replace(/^'(.*)'$/, "$1");
  }
  return out;
}
