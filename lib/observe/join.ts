/**
 * Join's observation of the cluster, for `join --dry-run`: whether this host already has the client
 * certificate a join asks the cluster with (an earlier join, or an interrupted one, issued it), and then
 * the member list read from the endpoints (serializably: answered without a quorum too) with, for
 * `--replace`, each member's probe; and whether the data dir holds a member. Nothing is changed: a dry run
 * that cannot read the member list says why instead.
 */
import * as path from "node:path";
import { ClusterApi, EtcdApiError } from "../cluster/api.ts";
import type { JoinObserved, SeenCluster } from "../cluster/join_observed.ts";
import { probeMembers } from "../cluster/liveness.ts";
import { adminTlsClient } from "../etcd/admin_client.ts";
import { EtcdupError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { PkiPaths } from "../pki/layout.ts";

/** Reads the member list (and the probes when `probe`) over mutual TLS with the admin client pair. */
async function readCluster(
  host: HostRoot,
  pki: PkiPaths,
  endpoints: string[],
  probe: boolean,
): Promise<SeenCluster> {
  const api = new ClusterApi(adminTlsClient(host, pki, endpoints));
  try {
    const { members } = await api.memberList(false);
    return { kind: "read", members, probes: probe ? await probeMembers(api, members) : {} };
  } catch (err) {
    if (!(err instanceof EtcdupError || err instanceof EtcdApiError)) throw err;
    return { kind: "unread", why: `asking ${endpoints.join(", ")} failed: ${err.message}` };
  } finally {
    await api.close();
  }
}

/**
 * Observes `host` for joining the cluster at `endpoints` with the PKI at `pki` and the data dir `dataDir`;
 * `replace`: `--replace` was given (the members are probed).
 */
export async function observeJoin(
  host: HostRoot,
  pki: PkiPaths,
  o: { endpoints: string[]; dataDir: string; replace: boolean },
): Promise<JoinObserved> {
  const present = [pki.caCert, pki.adminCert, pki.adminKey].every((p) => host.stat(p)?.isFile);
  return {
    endpoints: o.endpoints,
    clientCert: { path: pki.adminCert, present },
    cluster: present ? await readCluster(host, pki, o.endpoints, o.replace) : {
      kind: "unread",
      why: `the client certificate ${pki.adminCert} is not there yet (this join issues it from the CA)`,
    },
    dataDirHasMember: host.stat(path.posix.join(o.dataDir, "member")) !== undefined,
  };
}
