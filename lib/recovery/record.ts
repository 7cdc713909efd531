/**
 * What `etcdup recover` keeps on disk between its steps, so a run killed at any point is finished by the
 * next: /var/lib/etcdup/recovery.json (root 0600; read by lib/observe/recover.ts) names the members the forced start drops, written before
 * anything changes and removed as the last step (after the forced start, etcd itself no longer knows them,
 * and the printed `join --replace` commands need their names). And the end state: the state record and the
 * env file say the initial cluster is this member alone, as install would render it, so a later
 * `install` re-run keeps it instead of writing the old member list back.
 */
import { rerenderEnv } from "../daytwo/env.ts";
import { currentFile } from "../host/file_writes.ts";
import type { HostRoot } from "../host/fs.ts";
import { writeRecord, writeState } from "../host/state.ts";
import type { InstallState } from "../state_record.ts";
import { formatInitialCluster } from "../plan/cluster.ts";
import { normalizeUrl } from "../cluster/urls.ts";
import { RECOVERY_FILE, type RecoveryRecord } from "./observed.ts";

/** Writes the record atomically (root 0600). */
export function writeRecovery(host: HostRoot, record: RecoveryRecord): void {
  writeRecord(host, RECOVERY_FILE, record);
}

/** Removes the record (the recovery is done). */
export function removeRecovery(host: HostRoot): void {
  host.remove(RECOVERY_FILE);
}

/**
 * The initial cluster of this member alone, from its advertised peer URLs.
 * @example soloCluster({ name: "n1", peerUrls: ["https://10.0.0.1:2380"] }) // "n1=https://10.0.0.1:2380"
 */
export function soloCluster(state: Pick<InstallState, "name" | "peerUrls">): string {
  return formatInitialCluster(state.peerUrls.map((u) => {
    const peerUrl = normalizeUrl(u, "peer URL");
    return { name: state.name, peerUrl, host: new URL(peerUrl).hostname.replace(/^\[(.*)\]$/, "$1") };
  }));
}

/** What {@link recordSolo} changed. */
export interface SoloRecorded {
  /** The state record changed. */
  state: boolean;
  /** The env file was rewritten. */
  envRewritten: boolean;
  /** The env file was edited by the operator, so it was kept. */
  envEdited: boolean;
}

/**
 * Records this member as a new one-member cluster: the env file (when etcdup's own content is still there)
 * re-rendered with `ETCD_INITIAL_CLUSTER` = this member and `ETCD_INITIAL_CLUSTER_STATE=new`, and the state
 * record saying the same with the env file's new hash (written after the file, so a kill between the two is
 * mended by the next run). `clusterToken` (restore: the restored cluster's new one) replaces the recorded
 * token too. Running it again changes nothing.
 */
export function recordSolo(
  host: HostRoot,
  state: InstallState,
  envFiles: {
    envFile: string;
    envLocalFile: string;
  },
  now: Date,
  clusterToken: string = state.clusterToken,
): SoloRecorded {
  const initialCluster = soloCluster(state);
  const files = { ...state.files };
  const result: SoloRecorded = { state: false, envRewritten: false, envEdited: false };
  const current = host.readText(envFiles.envFile);
  const st = host.stat(envFiles.envFile);
  const recorded = state.files[envFiles.envFile];
  if (current !== undefined && st) {
    const next = rerenderEnv(current, state.version, envFiles, {
      initialCluster,
      initialClusterState: "new",
      initialClusterToken: clusterToken,
    });
    const edited = recorded !== undefined && currentFile(host, envFiles.envFile)?.sha256 !== recorded.sha256;
    if (next !== current && edited) result.envEdited = true;
    else {
      if (next !== current) {
        host.writeAtomic(envFiles.envFile, next, { uid: st.uid, gid: st.gid, mode: st.mode });
        result.envRewritten = true;
      }
      // etcdup's content, also when a killed run wrote it without recording its hash.
      const owned = currentFile(host, envFiles.envFile);
      if (owned) files[envFiles.envFile] = owned;
    }
  }
  const envRecord = (f: InstallState["files"]) => JSON.stringify(f[envFiles.envFile] ?? null);
  if (
    state.initialCluster !== initialCluster || state.initialClusterState !== "new" ||
    state.clusterToken !== clusterToken || envRecord(files) !== envRecord(state.files)
  ) {
    writeState(host, {
      ...state,
      initialCluster,
      initialClusterState: "new",
      clusterToken,
      files,
      updatedAt: now.toISOString(),
    });
    result.state = true;
  }
  return result;
}
