/**
 * Which members are alive, asked over mutual TLS with the admin certificate: each member's own
 * `/v3/maintenance/status` on its advertised client URLs (served by that member alone, even without a
 * leader), in parallel and bounded by the client's connect and header timeouts (3 s). An answer, even an
 * error from etcd, means the member runs; the leader it reports tells whether the cluster has quorum.
 */
import { type ClusterApi, EtcdApiError, type Member } from "./api.ts";

/** What asking one member over mutual TLS found. */
export interface Probe {
  /** It answered `/v3/maintenance/status` on one of its client URLs. */
  reachable: boolean;
  /** The leader it follows ("0": none), when it answered. */
  leader?: string;
  /** Why it did not answer. */
  error?: string;
}

/** Asks one member on each of its client URLs (or `endpoints` instead) until one answers. */
async function probeMember(api: ClusterApi, endpoints: readonly string[]): Promise<Probe> {
  const errors: string[] = [];
  for (const endpoint of endpoints) {
    try {
      const st = await api.status(endpoint);
      return { reachable: true, leader: st.leader };
    } catch (err) {
      if (err instanceof EtcdApiError) return { reachable: true, leader: "0", error: err.message };
      errors.push((err as Error).message);
    }
  }
  return { reachable: false, error: errors.join("; ") || "no client URL" };
}

/**
 * Probes every member of `members` at once, by ID. `override` gives the endpoints to ask for some IDs
 * (this member's loopback URL, which works whatever its advertised address does).
 * @example const probes = await probeMembers(api, list.members, { [self.id]: ["https://127.0.0.1:2379"] });
 */
export async function probeMembers(
  api: ClusterApi,
  members: readonly Member[],
  override: Readonly<Record<string, readonly string[]>> = {},
): Promise<Record<string, Probe>> {
  const probes = await Promise.all(members.map((m) => probeMember(api, override[m.id] ?? m.clientUrls)));
  return Object.fromEntries(members.map((m, i) => [m.id, probes[i]]));
}
