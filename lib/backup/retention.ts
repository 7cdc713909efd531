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

const BUCKETS: [keyof RetentionPolicy, (t: Date) => string][] = [
  ["hourly", (t) => t.toISOString().slice(0, 13)],
  ["daily", (t) => t.toISOString().slice(0, 10)],
  ["weekly", isoWeek],
];

/**
 * Splits `snapshots` into those the policy keeps and those it prunes (each newest first).
 * @example retain([{ time: a }, { time: b }], { hourly: 1, daily: 0, weekly: 0 }).keep // the newer one
 */
export function retain<T extends { time: Date }>(
  snapshots: readonly T[],
  policy: RetentionPolicy,
): { keep: T[]; prune: T[] } {
  const sorted = [...snapshots].sort((a, b) => b.time.getTime() - a.time.getTime());
  const kept = new Set<T>(sorted.slice(0, 1));
  for (const [kind, bucketOf] of BUCKETS) {
    const seen = new Set<string>();
    for (const s of sorted) {
      const bucket = bucketOf(s.time);
      if (seen.has(bucket)) continue;
      if (seen.size >= policy[kind]) break;
      seen.add(bucket);
      kept.add(s);
    }
  }
  return { keep: sorted.filter((s) => kept.has(s)), prune: sorted.filter((s) => !kept.has(s)) };
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
