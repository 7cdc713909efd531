/**
 * Which snapshots retention keeps: the newest one in each of the newest N hours, N days and N ISO weeks
 * (UTC) that have one, like borg's and restic's `--keep-hourly/daily/weekly`; the newest snapshot always.
 * Pure: a function of the snapshot times and the policy, unit-tested on faked times.
 */

/** How many hours, days and weeks keep a snapshot. */
export interface RetentionPolicy {
  hourly: number;
  daily: number;
  weekly: number;
}

/** The ISO 8601 week of a UTC time, e.g. "2026-W49". */
export function isoWeek(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the Thursday of this week decides its year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Each kind of bucket: its name in a reason, and the bucket of a time. */
const BUCKETS: [keyof RetentionPolicy, string, (t: Date) => string][] = [
  ["hourly", "hour", (t) => t.toISOString().slice(0, 13)],
  ["daily", "day", (t) => t.toISOString().slice(0, 10)],
  ["weekly", "week", isoWeek],
];

/**
 * Splits `snapshots` into those the policy keeps and those it prunes (each newest first), with why each kept
 * one is kept (its first reason: "the newest", "the newest of hour 2026-12-02T09", of day ..., of week ...):
 * what `backup --dry-run` shows.
 * @example retain([{ time: a }, { time: b }], { hourly: 1, daily: 0, weekly: 0 }).keep // the newer one
 */
export function retain<T extends { time: Date }>(
  snapshots: readonly T[],
  policy: RetentionPolicy,
): { keep: T[]; prune: T[]; why: Map<T, string> } {
  const sorted = [...snapshots].sort((a, b) => b.time.getTime() - a.time.getTime());
  const why = new Map<T, string>(sorted.slice(0, 1).map((s) => [s, "the newest"]));
  for (const [kind, unit, bucketOf] of BUCKETS) {
    const seen = new Set<string>();
    for (const s of sorted) {
      const bucket = bucketOf(s.time);
      if (seen.has(bucket)) continue;
      if (seen.size >= policy[kind]) break;
      seen.add(bucket);
      if (!why.has(s)) why.set(s, `the newest of ${unit} ${bucket}`);
    }
  }
  return { keep: sorted.filter((s) => why.has(s)), prune: sorted.filter((s) => !why.has(s)), why };
}

/**
 * The policy `backup`'s typed options give (`--keep-hourly/--keep-daily/--keep-weekly`: whole numbers, 0
 * allowed, checked and defaulted by their spec's `keep` rule).
 */
export function retentionOf(
  options: { readonly "keep-hourly": number; readonly "keep-daily": number; readonly "keep-weekly": number },
): RetentionPolicy {
  return { hourly: options["keep-hourly"], daily: options["keep-daily"], weekly: options["keep-weekly"] };
}
