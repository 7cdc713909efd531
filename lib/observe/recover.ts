/**
 * Recover's observation: every host and cluster read `etcdup recover` decides from, made before anything is
 * decided, into plain data ({@link RecoverObserved}): this member's member list (read from its peer URL),
 * every member asked over mutual TLS, the record and the --force-new-cluster files a killed run left, and
 * the env file as it is now. lib/recovery/plan.ts decides from it alone.
 */
import { ClusterApi } from "../cluster/api.ts";
import { probeMembers } from "../cluster/liveness.ts";
import { findMemberByPeerUrls } from "../cluster/membership.ts";
import { EtcdupError, Exit } from "../errors.ts";
import type { TlsClient } from "../etcd/admin_client.ts";
import { currentFile } from "../host/file_writes.ts";
import type { HostRoot } from "../host/fs.ts";
import { readRecord } from "../host/state.ts";
import type { InstallState } from "../state_record.ts";
import { forceFiles } from "../recovery/force.ts";
import { type RecoverObserved, RECOVERY_FILE, type RecoveryRecord } from "../recovery/observed.ts";

/** What the member list and the probes say. */
type Asked = Pick<RecoverObserved, "members" | "self" | "probes">;

/**
 * Reads this member's member list from its peer URL (answered even when it is not ready for lack of a
 * quorum, e.g. after a restart, when its client API does not serve) and asks every member over its client
 * URLs, this one on loopback first: a member without quorum does not answer there, which is what it is.
 * Retries while etcd on this member does not answer yet (just (re)started), for up to `timeoutMs`.
 */
async function askMembers(client: TlsClient, state: InstallState, timeoutMs: number): Promise<Asked> {
  const api = new ClusterApi(client);
  const deadline = Date.now() + timeoutMs;
  try {
    while (true) {
      try {
        const members = await api.peerMembers(state.peerUrls[0]);
        const self = findMemberByPeerUrls(members, state.peerUrls);
        const probes = await probeMembers(api, members, self ? { [self.id]: client.endpoints } : {});
        // This member runs (it answered on its peer URL), ready or not.
        if (self) probes[self.id] = { leader: "0", ...probes[self.id], reachable: true };
        return { members, self, probes };
      } catch (err) {
        if (!(err instanceof EtcdupError) || err.code !== "cluster-unreachable") throw err;
        if (Date.now() >= deadline) {
          throw new EtcdupError({
            code: "local-member-unreachable",
            message: `etcd on this member does not answer: ${err.message}`,
            hint:
              `recover reads the member list from this member's etcd: start it ('systemctl start ${state.unit}'), ` +
              `check 'journalctl -u ${state.unit}', and run recover again.`,
            exit: Exit.health,
            cause: err,
          });
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await api.close();
  }
}

/**
 * Observes this member for a recovery: what a killed run left first (the record, the force files), then
 * the member list and the probes (waiting up to `timeoutMs` for etcd here to answer), then the env file.
 */
export async function observeRecover(
  host: HostRoot,
  state: InstallState,
  client: TlsClient,
  opts: { envFile: string; timeoutMs: number },
): Promise<RecoverObserved> {
  const record = readRecord<RecoveryRecord>(
    host,
    RECOVERY_FILE,
    "recovery record",
    (d) => d.schema === 1 && Array.isArray(d.removed),
  );
  const force = forceFiles(host, state.unit);
  const asked = await askMembers(client, state, opts.timeoutMs);
  return { state, ...asked, record, force, envFile: currentFile(host, opts.envFile) };
}
