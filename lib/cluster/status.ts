/**
 * The cluster as `etcdup status` shows it: every member with its role, and for each of its client URLs the
 * health, version, raft term and index, and database size it reports; the leader; the active alarms.
 * Gathering asks each endpoint in parallel and never throws for one member being down: that member's
 * endpoints carry the error instead, so a degraded cluster is still shown whole.
 */
import type { Alarm, ClusterApi, Member, MemberStatusReport } from "./api.ts";

/** One client URL of a member, as it answered. */
export interface EndpointView {
  endpoint: string;
  healthy: boolean;
  /** Why it is not healthy or did not report its status. */
  error?: string;
  /** What the member reported, when it answered. */
  status?: MemberStatusReport;
}

/** One member: the member list's fields, its ID in hex, and what its endpoints answered. */
export interface MemberView extends Omit<Member, "id"> {
  /** Member ID as etcdctl prints it (hex). */
  id: string;
  /** Added but never started (it has no name yet). */
  started: boolean;
  isLeader: boolean;
  endpoints: EndpointView[];
}

/** The whole cluster. */
export interface ClusterStatus {
  /** Cluster ID (hex). */
  clusterId: string;
  /** Leader's member ID (hex), when the answering members agree on one. */
  leaderId?: string;
  members: MemberView[];
  alarms: Alarm[];
  /** A leader, every started member has a healthy endpoint, no alarm. */
  healthy: boolean;
}

/**
 * A uint64 ID given as a decimal string, as etcdctl prints it (hex).
 * @example hexId("11431579719218725400") // "9ea5213001978218"
 */
export function hexId(decimal: string): string {
  return BigInt(decimal).toString(16);
}

/**
 * Gathers the status of the cluster `api` reaches: the member list from the first endpoint that answers,
 * then health and status of every member's client URLs, and the alarms.
 */
export async function clusterStatus(api: ClusterApi): Promise<ClusterStatus> {
  const list = await api.memberList(false);
  const views = await Promise.all(list.members.map(async (m) => {
    const endpoints = await Promise.all(m.clientUrls.map(async (endpoint): Promise<EndpointView> => {
      const [health, status] = await Promise.all([
        api.health(endpoint),
        api.status(endpoint).then((s) => ({ s }), (err: Error) => ({ err })),
      ]);
      const error = health.error ?? ("err" in status ? status.err.message : undefined);
      return {
        endpoint,
        healthy: health.healthy,
        ...(error ? { error } : {}),
        ...("s" in status ? { status: status.s } : {}),
      };
    }));
    return { m, endpoints };
  }));
  const leaders = new Set(
    views.flatMap((v) => v.endpoints.map((e) => e.status?.leader)).filter((l) => l && l !== "0"),
  );
  const leader = leaders.size === 1 ? [...leaders][0] : undefined;
  const alarms = await api.alarms().catch(() => []);
  const members: MemberView[] = views.map(({ m, endpoints }) => ({
    id: hexId(m.id),
    name: m.name,
    peerUrls: m.peerUrls,
    clientUrls: m.clientUrls,
    isLearner: m.isLearner,
    started: m.name !== "",
    isLeader: m.id === leader,
    endpoints,
  }));
  return {
    clusterId: hexId(list.clusterId),
    ...(leader ? { leaderId: hexId(leader) } : {}),
    members,
    alarms: alarms.map((a) => ({ memberId: hexId(a.memberId), alarm: a.alarm })),
    healthy: leader !== undefined && alarms.length === 0 &&
      members.every((m) => m.started && m.endpoints.some((e) => e.healthy)),
  };
}

/** Bytes as a short human size: 20 KiB, 1.5 MiB. */
function size(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 || v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/**
 * Renders a status as an aligned table, one line per member endpoint, then the alarms.
 * @example console.log(formatClusterStatus(await clusterStatus(api)));
 */
export function formatClusterStatus(s: ClusterStatus): string {
  const head = ["NAME", "ID", "ROLE", "HEALTH", "VERSION", "DB (IN USE)", "TERM", "INDEX", "ENDPOINT"];
  const rows = s.members.flatMap((m) => {
    const role = m.isLeader ? "leader" : m.isLearner ? "learner" : "follower";
    const endpoints = m.endpoints.length > 0
      ? m.endpoints
      : [{ endpoint: "-", healthy: false } as EndpointView];
    return endpoints.map((e) => [
      m.name || "(unstarted)",
      m.id,
      role,
      e.healthy ? "healthy" : `UNHEALTHY${e.error ? `: ${e.error}` : ""}`,
      e.status?.version ?? "-",
      e.status ? `${size(e.status.dbSize)} (${size(e.status.dbSizeInUse)})` : "-",
      e.status ? String(e.status.raftTerm) : "-",
      e.status ? String(e.status.raftIndex) : "-",
      e.endpoint,
    ]);
  });
  // A long error in the health column does not widen the whole table past 40 characters.
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i].length, 40))));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  const leader = s.members.find((m) => m.isLeader);
  return [
    `cluster ${s.clusterId}: ${s.members.length} member(s), leader ${
      leader ? leader.name || leader.id : "NONE"
    }, ` +
    (s.healthy ? "healthy" : "NOT healthy"),
    line(head),
    ...rows.map(line),
    s.alarms.length === 0
      ? "alarms: none"
      : `alarms: ${s.alarms.map((a) => `${a.alarm} on ${a.memberId}`).join(", ")}`,
  ].join("\n");
}
