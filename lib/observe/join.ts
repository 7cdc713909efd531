/**
 * Join's observation of the cluster: whether this host already has the client certificate a join asks the
 * cluster with (an earlier join, or an interrupted one, issued it; the run observes once it has placed it),
 * and then the member list read from the endpoints with, for `--replace`, each member's probe; and whether
 * the data dir holds a member. Nothing is changed. A dry run reads the list serializably (answered without
 * a quorum too) and, when it cannot read it, says why; the run reads it linearizably (a member just added is
 * never missed; serializably with `--replace`, so a cluster that lost quorum gets the arithmetic rather than
 * a timeout) and fails when no endpoint answers (`cluster-unreachable`, exit 5).
 */
import * as path from "node:path";
import { ClusterApi, EtcdApiError } from "../cluster/api.ts";
import type { JoinObserved, SeenCluster } from "../cluster/join_observed.ts";
import { probeMembers } from "../cluster/liveness.ts";
import { adminTlsClient } from "../etcd/admin_client.ts";
import { EtcdupError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { PkiPaths } from "../pki/layout.ts";

/**
 * Reads the member list (and the probes when `probe`) over mutual TLS with the admin client pair; `run`: for
 * the join itself (see the module's comment).
 */
async function readCluster(
  host: HostRoot,
  pki: PkiPaths,
  endpoints: string[],
  o: { probe: boolean; run: boolean },
): Promise<SeenCluster> {
  const api = new ClusterApi(adminTlsClient(host, pki, endpoints));
  try {
    const { members } = await api.memberList(o.run && !o.probe);
    return { kind: "read", members, probes: o.probe ? await probeMembers(api, members) : {} };
  } catch (err) {
    if (o.run || !(err instanceof EtcdupError || err instanceof EtcdApiError)) throw err;
    return { kind: "unread", why: `asking ${endpoints.join(", ")} failed: ${err.message}` };
  } finally {
    await api.close();
  }
}

/**
 * Observes `host` for joining the cluster at `endpoints` with the PKI at `pki` and the data dir `dataDir`;
 * `replace`: `--replace` was given (the members are probed); `run`: for the join itself, not its dry run.
 */
export async function observeJoin(
  host: HostRoot,
  pki: PkiPaths,
  o: { endpoints: string[]; dataDir: string; replace: boolean; run: boolean },
): Promise<JoinObserved> {
  const present = [pki.caCert, pki.adminCert, pki.adminKey].every((p) => host.stat(p)?.isFile);
  return {
    endpoints: o.endpoints,
    clientCert: { path: pki.adminCert, present },
    cluster: present ? await readCluster(host, pki, o.endpoints, { probe: o.replace, run: o.run }) : {
      kind: "unread",
      why: `the client certificate ${pki.adminCert} is not there yet (this join issues it from the CA)`,
    },
    dataDirHasMember: host.stat(path.posix.join(o.dataDir, "member")) !== undefined,
  };
}
