/**
 * The static-bootstrap member list (`--initial-cluster name=https://ip:port,...`): parsing with errors
 * that name the flag, rendering back, and the cluster token derived from it; and keeping the recorded
 * settings of a member that has data or joined a cluster.
 */
import { createHash } from "node:crypto";
import { isIP, isIPv6 } from "node:net";
import { usageError } from "../errors.ts";
import { canonicalIp, unreachableAddress } from "./validate.ts";
import type { InstallPlan, PlannedMember } from "./types.ts";

/** One member of an initial cluster. */
export interface ClusterMember {
  name: string;
  /** Peer URL, e.g. `https://10.0.0.1:2380`. */
  peerUrl: string;
  /** The URL's host without brackets. */
  host: string;
}

/**
 * Parses an initial-cluster list. Peer URLs must be https with an explicit IP and port; names are unique.
 * @example parseInitialCluster("n1=https://10.0.0.1:2380")[0].host // "10.0.0.1"
 */
export function parseInitialCluster(raw: string, flag = "initial-cluster"): ClusterMember[] {
  const hint = "Write name1=https://10.0.0.1:2380,name2=https://10.0.0.2:2380 (this node included).";
  const members: ClusterMember[] = [];
  for (const item of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    const name = item.slice(0, eq).trim();
    const url = item.slice(eq + 1).trim();
    if (eq <= 0 || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
      throw usageError("bad-initial-cluster", `--${flag}: '${item}' is not name=URL`, hint);
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw usageError("bad-initial-cluster", `--${flag}: '${url}' (member ${name}) is not a URL`, hint);
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
    if (parsed.protocol !== "https:" || isIP(host) === 0 || parsed.port === "" || parsed.pathname !== "/") {
      throw usageError(
        "bad-initial-cluster",
        `--${flag}: '${url}' (member ${name}) must be https://IP:PORT`,
        "Peers talk TLS with certificates issued for their IP addresses; give the address and port.",
      );
    }
    if (members.some((m) => m.name === name)) {
      throw usageError("bad-initial-cluster", `--${flag}: member '${name}' is listed twice`, hint);
    }
    const normHost = isIPv6(host) ? host.toLowerCase() : host;
    const unreachable = unreachableAddress(normHost);
    if (unreachable) {
      throw usageError(
        "bad-initial-cluster",
        `--${flag}: '${url}' (member ${name}) ${unreachable}, which no peer can reach`,
        "Give each member's own address on the network its peers use.",
      );
    }
    const peerUrl = `https://${isIPv6(host) ? `[${normHost}]` : host}:${parsed.port}`;
    const same = (m: ClusterMember) =>
      canonicalIp(m.host) === canonicalIp(normHost) && m.peerUrl.endsWith(`:${parsed.port}`);
    const twin = members.find(same);
    if (twin) {
      throw usageError(
        "duplicate-peer-url",
        `--${flag}: members '${twin.name}' and '${name}' have the same peer URL ${peerUrl}`,
        "Each member needs its own address (or port): etcd would take them for one member.",
      );
    }
    members.push({ name, host: normHost, peerUrl });
  }
  if (members.length === 0) throw usageError("bad-initial-cluster", `--${flag} is empty`, hint);
  return members;
}

/** Renders members back to etcd's `name=url,...` form. */
export function formatInitialCluster(members: ClusterMember[]): string {
  return members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
}

/**
 * Whether two `ETCD_INITIAL_CLUSTER` values name the same members at the same peer URLs, in any order (etcd
 * matches them as a set; the member list comes in ID order, a joining member's ID is known only once added).
 * @example sameInitialCluster("a=https://x:2380,b=https://y:2380", "b=https://y:2380,a=https://x:2380") // true
 */
export function sameInitialCluster(a: string, b: string): boolean {
  const canon = (v: string) => v.split(",").sort().join(",");
  return canon(a) === canon(b);
}

/**
 * A cluster token every member derives alike from the same member list (order-independent), so the
 * operator need not invent one: "etcd-" and 16 hex digits of its SHA-256.
 */
export function deriveClusterToken(members: ClusterMember[]): string {
  const canon = members.map((m) => `${m.name}=${m.peerUrl}`).sort().join(",");
  return "etcd-" + createHash("sha256").update(canon).digest("hex").slice(0, 16);
}

/** The initial-cluster settings of a member, as the state record keeps them. */
export type RecordedCluster = Pick<PlannedMember, "initialCluster" | "initialClusterState" | "clusterToken">;

/**
 * Keeps the recorded initial-cluster settings of a member that has data (`hasData`: etcd reads them only on
 * its first start) or that joined a running cluster (state `existing`: the member list join settled; a plan
 * from flags alone would bootstrap a new one-member cluster instead). A re-run of install or join then
 * rewrites nothing and restarts nothing. Other plans pass unchanged.
 * @example keepRecordedCluster(plan, state, false).member.initialClusterState // "existing" on a joined member
 */
export function keepRecordedCluster(
  plan: InstallPlan,
  recorded: RecordedCluster | undefined,
  hasData: boolean,
): InstallPlan {
  const m = plan.member;
  if (
    !recorded || !(hasData || recorded.initialClusterState === "existing") ||
    (m.initialCluster === recorded.initialCluster &&
      m.initialClusterState === recorded.initialClusterState && m.clusterToken === recorded.clusterToken)
  ) return plan;
  const why = hasData
    ? `${plan.paths.dataDir} holds etcd's data, and etcd reads it only on its first start`
    : "this member joined a running cluster";
  return {
    ...plan,
    member: {
      ...m,
      initialCluster: recorded.initialCluster,
      initialClusterState: recorded.initialClusterState,
      clusterToken: recorded.clusterToken,
    },
    notes: [
      ...plan.notes,
      `the initial cluster stays as recorded (${recorded.initialClusterState}: ${recorded.initialCluster}): ${why}`,
    ],
  };
}
