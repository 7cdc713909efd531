/**
 * Re-rendering /etc/default/etcd for the version an upgrade installs. The settings are read back from the
 * file etcdup wrote (so whatever install decided is kept) and rendered again with install's version-aware
 * renderer: a flag the new version dropped or renamed (3.6: --enable-v2, --experimental-*) comes out right.
 */
import { EtcdupError, Exit } from "../errors.ts";
import { type EtcdConfig, parseEnvFile, renderEnvFile } from "../etcd/env.ts";
import { DEFAULT_QUOTA_BYTES, TUNING_PRESETS } from "../plan/care.ts";

const list = (s: string | undefined): string[] => (s ?? "").split(",").map((x) => x.trim()).filter(Boolean);

/**
 * The {@link EtcdConfig} an env file written by etcdup describes; `where` names the file in errors. A file
 * from before etcdup wrote compaction, quota and timing gets install's defaults for them.
 * @example configFromEnv(parseEnvFile(text), "/etc/default/etcd").name // "n1"
 */
export function configFromEnv(vars: Record<string, string>, where: string): EtcdConfig {
  const need = (k: string): string => {
    const v = vars[k];
    if (v === undefined || v === "") {
      throw new EtcdupError({
        code: "env-incomplete",
        message: `${where} has no ${k}, so it cannot be rendered for the new etcd version`,
        hint: "Restore the file etcdup wrote (or re-run 'etcdup install' with the same flags), then upgrade.",
        exit: Exit.precondition,
      });
    }
    return v;
  };
  return {
    name: need("ETCD_NAME"),
    dataDir: need("ETCD_DATA_DIR"),
    ...(vars.ETCD_WAL_DIR ? { walDir: vars.ETCD_WAL_DIR } : {}),
    listenClientUrls: list(need("ETCD_LISTEN_CLIENT_URLS")),
    advertiseClientUrls: list(need("ETCD_ADVERTISE_CLIENT_URLS")),
    listenPeerUrls: list(need("ETCD_LISTEN_PEER_URLS")),
    advertisePeerUrls: list(need("ETCD_INITIAL_ADVERTISE_PEER_URLS")),
    listenMetricsUrls: list(vars.ETCD_LISTEN_METRICS_URLS),
    initialCluster: need("ETCD_INITIAL_CLUSTER"),
    initialClusterState: need("ETCD_INITIAL_CLUSTER_STATE") === "existing" ? "existing" : "new",
    initialClusterToken: need("ETCD_INITIAL_CLUSTER_TOKEN"),
    caFile: need("ETCD_TRUSTED_CA_FILE"),
    serverCert: need("ETCD_CERT_FILE"),
    serverKey: need("ETCD_KEY_FILE"),
    peerCert: need("ETCD_PEER_CERT_FILE"),
    peerKey: need("ETCD_PEER_KEY_FILE"),
    compactionRetention: vars.ETCD_AUTO_COMPACTION_RETENTION ?? "1h",
    quotaBackendBytes: Number(vars.ETCD_QUOTA_BACKEND_BYTES ?? DEFAULT_QUOTA_BYTES),
    heartbeatMs: Number(vars.ETCD_HEARTBEAT_INTERVAL ?? TUNING_PRESETS.lan.heartbeatMs),
    electionMs: Number(vars.ETCD_ELECTION_TIMEOUT ?? TUNING_PRESETS.lan.electionMs),
  };
}

/**
 * The env file etcdup's `current` text becomes for `version`, with the settings in `change` replaced
 * (`recover`: the initial cluster); unchanged text when nothing differs.
 * @example rerenderEnv(text, "v3.6.6", files).includes("ETCD_FEATURE_GATES") // true
 */
export function rerenderEnv(
  current: string,
  version: string,
  files: { envFile: string; envLocalFile: string },
  change: Partial<EtcdConfig> = {},
): string {
  return renderEnvFile({ ...configFromEnv(parseEnvFile(current), files.envFile), ...change }, version, files);
}
