/**
 * What `etcdup maintain` decides and does to a cluster: the survey (every member's DB size, in-use size,
 * role, health; the alarms), the plan (which members to defragment, the leader last; after NOSPACE: compact,
 * defragment all, disarm), and carrying it out one member at a time, each only while the others are
 * healthy. Deciding is pure ({@link planMaintenance}); {@link survey} and {@link carryOut} talk to etcd.
 */
import { EtcdupError, Exit } from "../errors.ts";
import { formatBytes } from "../text.ts";
import type { ClusterApi } from "./api.ts";
import { clusterStatus, hexId } from "./status.ts";

/** One member as maintain sees it. */
export interface MemberSize {
  /** Member ID, decimal as the API speaks it. */
  id: string;
  name: string;
  /** The client URL that answered. */
  endpoint: string;
  isLeader: boolean;
  dbSize: number;
  dbSizeInUse: number;
}

/** The cluster at one moment. */
export interface Survey {
  members: MemberSize[];
  /** Active alarms (`NOSPACE`, `CORRUPT`) with the member's decimal ID. */
  alarms: { memberId: string; alarm: string }[];
}

/** What the operator asked for. */
export interface MaintainOptions {
  /** Defragment every member, worth it or not. */
  force: boolean;
  /** A file smaller than this is never worth defragmenting. */
  minDbBytes: number;
  /** The backend quota (for the NOSPACE verdict and the report). */
  quotaBytes: number;
}

/** The steps maintain takes, in order. */
export interface MaintenancePlan {
  /** NOSPACE is raised: compact to the current revision first, and disarm once space is free. */
  nospace: boolean;
  /** Members to defragment, in order (the leader last), with why. */
  defrag: { member: MemberSize; reason: string }[];
  /** Members left alone, with why. */
  skip: { member: MemberSize; reason: string }[];
}

/** Whether a member's file is worth defragmenting: above the size floor and less than half in use. */
export function worthDefrag(m: MemberSize, minDbBytes: number): boolean {
  return m.dbSize >= minDbBytes && m.dbSizeInUse < m.dbSize / 2;
}

/**
 * The plan for a survey: under NOSPACE every member is defragmented (after the compaction); otherwise those
 * worth it, or all with `force`. The leader goes last (defragmenting it stalls the whole cluster's writes
 * for the duration, and a follower's turn first proves the procedure on this cluster).
 */
export function planMaintenance(s: Survey, o: MaintainOptions): MaintenancePlan {
  const nospace = s.alarms.some((a) => a.alarm === "NOSPACE");
  const defrag: MaintenancePlan["defrag"] = [];
  const skip: MaintenancePlan["skip"] = [];
  const ordered = [...s.members].sort((a, b) => Number(a.isLeader) - Number(b.isLeader));
  for (const m of ordered) {
    if (nospace) defrag.push({ member: m, reason: "NOSPACE alarm" });
    else if (o.force) defrag.push({ member: m, reason: "--force" });
    else if (worthDefrag(m, o.minDbBytes)) {
      defrag.push({ member: m, reason: `${pct(m.dbSizeInUse, m.dbSize)} of the file in use` });
    } else if (m.dbSize < o.minDbBytes) {
      skip.push({ member: m, reason: `file below --min-db-size ${formatBytes(o.minDbBytes)}` });
    } else skip.push({ member: m, reason: `${pct(m.dbSizeInUse, m.dbSize)} of the file in use` });
  }
  return { nospace, defrag, skip };
}

/** `part` of `whole` as a whole percentage. */
const pct = (part: number, whole: number): string => `${whole === 0 ? 0 : Math.round((100 * part) / whole)}%`;

/**
 * Whether an endpoint serves: healthy, or unhealthy only because of the NOSPACE alarm (etcd's /health says
 * so while the alarm is raised; reads, compaction and defragmentation still work, and maintain clears it).
 */
function serving(h: { healthy: boolean; error?: string }): boolean {
  return h.healthy || /ALARM NOSPACE/.test(h.error ?? "");
}

/**
 * The cluster now: every member's status through one of its healthy client URLs, the leader, the alarms.
 * Throws `member-unhealthy` (exit 4) naming the members with no healthy endpoint, before anything is changed.
 */
export async function survey(api: ClusterApi): Promise<Survey> {
  const st = await clusterStatus(api);
  const down = st.members.filter((m) => !m.endpoints.some((e) => serving(e) && e.status));
  if (down.length > 0) {
    throw new EtcdupError({
      code: "member-unhealthy",
      message: `member(s) ${
        down.map((m) => `${m.name || "(unstarted)"} ${m.id}: ${m.endpoints.map((e) => e.error).join("; ")}`)
          .join(", ")
      } not healthy: nothing was changed`,
      hint: "maintain works only on a fully healthy cluster; bring the member back ('etcdup status' " +
        "on it, 'journalctl -u etcd') and run it again.",
      exit: Exit.health,
    });
  }
  const leaderHex = st.leaderId;
  const members = st.members.map((m) => {
    const e = m.endpoints.find((x) => serving(x) && x.status)!;
    return {
      id: e.status!.memberId,
      name: m.name,
      endpoint: e.endpoint,
      isLeader: m.id === leaderHex,
      dbSize: e.status!.dbSize,
      dbSizeInUse: e.status!.dbSizeInUse,
    };
  });
  if (!members.some((m) => m.isLeader)) {
    throw new EtcdupError({
      code: "no-leader",
      message: "the cluster has no leader: nothing was changed",
      hint: "Wait for an election (or see 'etcdup status'), then run maintain again.",
      exit: Exit.health,
    });
  }
  return {
    members,
    alarms: st.alarms.map((a) => ({ ...a, memberId: BigInt(`0x${a.memberId}`).toString() })),
  };
}

/** One defragmentation done. */
export interface DefragDone {
  name: string;
  id: string;
  endpoint: string;
  wasLeader: boolean;
  before: number;
  after: number;
  startedAt: string;
  endedAt: string;
}

/** What carrying out a plan did. */
export interface MaintenanceDone {
  /** The revision compacted to (NOSPACE). */
  compactedTo?: number;
  defragmented: DefragDone[];
  /** Alarms deactivated. */
  disarmed: string[];
}

/** Steps reported as they happen. */
export interface Progress {
  step(message: string): void;
}

/** Throws `member-unhealthy` (exit 4) unless every member but `except` answers healthy. */
async function othersHealthy(api: ClusterApi, members: MemberSize[], except: MemberSize, done: string) {
  for (const m of members) {
    if (m.id === except.id) continue;
    const h = await api.health(m.endpoint);
    if (!serving(h)) {
      throw new EtcdupError({
        code: "member-unhealthy",
        message: `member ${m.name} is not healthy (${h.error}): ${except.name} was not defragmented` +
          (done ? `; done before: ${done}` : "; nothing was changed"),
        hint: "A member is defragmented only while all others serve; bring it back and run maintain again.",
        exit: Exit.health,
      });
    }
  }
}

/**
 * Carries out `plan` on the surveyed cluster: compaction to the current revision (NOSPACE), then each
 * defragmentation in order, the others' health checked before each, then the NOSPACE alarms disarmed when
 * every member's file is back under the quota. Throws `nospace-not-freed` (exit 1) when it is not.
 */
export async function carryOut(
  api: ClusterApi,
  s: Survey,
  plan: MaintenancePlan,
  o: MaintainOptions & { defragWaitMs: number },
  progress: Progress,
): Promise<MaintenanceDone> {
  const done: MaintenanceDone = { defragmented: [], disarmed: [] };
  if (plan.nospace) {
    done.compactedTo = await api.revision();
    progress.step(`NOSPACE: compacting history up to revision ${done.compactedTo}`);
    await api.compact(done.compactedTo);
  }
  for (const { member: m } of plan.defrag) {
    await othersHealthy(api, s.members, m, done.defragmented.map((d) => d.name).join(", "));
    progress.step(`defragmenting ${m.name}${m.isLeader ? " (leader, last)" : ""} at ${m.endpoint}`);
    const startedAt = new Date().toISOString();
    await api.defragment(m.endpoint, o.defragWaitMs);
    const endedAt = new Date().toISOString();
    const after = (await api.status(m.endpoint)).dbSize;
    done.defragmented.push({
      name: m.name,
      id: hexId(m.id),
      endpoint: m.endpoint,
      wasLeader: m.isLeader,
      before: m.dbSize,
      after,
      startedAt,
      endedAt,
    });
    progress.step(`${m.name}: ${formatBytes(m.dbSize)} -> ${formatBytes(after)}`);
  }
  if (!plan.nospace) return done;
  const full = done.defragmented.filter((d) => d.after >= o.quotaBytes);
  if (full.length > 0) {
    throw new EtcdupError({
      code: "nospace-not-freed",
      message: `NOSPACE stays raised: after compaction and defragmentation ${
        full.map((d) => `${d.name} still holds ${formatBytes(d.after)}`).join(", ")
      } of a ${formatBytes(o.quotaBytes)} quota (the live data fills it)`,
      hint: "Delete keys you do not need, or raise the quota ('etcdup install --quota-backend-bytes SIZE' " +
        "on every member), then run 'etcdup maintain' again.",
      exit: Exit.failure,
    });
  }
  for (const a of s.alarms.filter((x) => x.alarm === "NOSPACE")) {
    await api.disarm(a.memberId, a.alarm);
    done.disarmed.push(`${a.alarm} on ${hexId(a.memberId)}`);
  }
  progress.step(`NOSPACE disarmed: every member is under the ${formatBytes(o.quotaBytes)} quota again`);
  return done;
}
