/**
 * Bench results as data and as a Markdown table (pasted as-is into bench/README.md): medians, ranges,
 * the ratio to the manual baseline, peak RSS, and whether the issue's target was met. Targets are
 * reported, never enforced: a bench fails only when something breaks.
 */
import type { Measurement } from "./measure.ts";
import { ratio } from "./stats.ts";

/** Issue 17's bound on every etcdup process's peak resident memory, in MiB (tests/release/peak_rss_test.ts). */
export const RSS_TARGET_MIB = 96;

/** A goal from the issues: a ratio to the baseline, an absolute wall time, a peak RSS (medians). */
export interface Target {
  /** etcdup median / baseline median must be at most this. */
  maxRatio?: number;
  /** etcdup median wall time must be below this many milliseconds. */
  maxMs?: number;
  /** etcdup median peak RSS must be below this many MiB. */
  maxRssMiB?: number;
}

/** One measured case, optionally compared with the manual procedure. */
export interface Row {
  /** Which bench, e.g. "fetch+verify+extract". */
  bench: string;
  /** What was measured, e.g. "etcd 3.5.30 tarball (20 MiB)". */
  case: string;
  ours: Measurement;
  /** The manual procedure, when the case has one. */
  baseline?: Measurement;
  /** What the baseline is, e.g. "curl + sha256sum -c + tar xzf". */
  baselineLabel?: string;
  target?: Target;
}

/** Milliseconds as "85 ms" or "1.23 s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A ratio with two significant digits: "0.42x", "1.2x", "0.015x", "25x". */
export function formatRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(0) : r.toPrecision(2)}x`;
}

/** KiB as "41.2 MiB". */
export function formatKiB(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

function timeCell(m: Measurement | undefined): string {
  if (!m) return "";
  return `${formatMs(m.ms.median)} (${formatMs(m.ms.min)}–${formatMs(m.ms.max)}, n=${m.ms.n})`;
}

function rssCell(m: Measurement | undefined): string {
  return m?.rssKiB ? formatKiB(m.rssKiB.median) : "";
}

/** Whether a row met its target: "yes", "NO" or "" when it has none. */
export function verdict(row: Row): string {
  const t = row.target;
  if (!t) return "";
  const okRatio = t.maxRatio === undefined ||
    (row.baseline !== undefined && ratio(row.ours.ms, row.baseline.ms) <= t.maxRatio);
  const okMs = t.maxMs === undefined || row.ours.ms.median < t.maxMs;
  const okRss = t.maxRssMiB === undefined ||
    (row.ours.rssKiB !== undefined && row.ours.rssKiB.median / 1024 < t.maxRssMiB);
  return okRatio && okMs && okRss ? "yes" : "NO";
}

function targetText(t: Target | undefined): string {
  if (!t) return "";
  return [
    t.maxRatio !== undefined ? `≤ ${t.maxRatio}x` : "",
    t.maxMs !== undefined ? `< ${formatMs(t.maxMs)}` : "",
    t.maxRssMiB !== undefined ? `RSS < ${t.maxRssMiB} MiB` : "",
  ]
    .filter((s) => s !== "").join(", ");
}

/** The rows as one Markdown table. */
export function renderTable(rows: readonly Row[]): string {
  const head = [
    "bench",
    "case",
    "etcdup median (range)",
    "manual median (range)",
    "ratio",
    "etcdup peak RSS",
    "manual peak RSS",
    "target",
    "met",
  ];
  const lines = rows.map((r) => [
    r.bench,
    r.case,
    timeCell(r.ours),
    r.baseline ? `${timeCell(r.baseline)}${r.baselineLabel ? ` — ${r.baselineLabel}` : ""}` : "",
    r.baseline ? formatRatio(ratio(r.ours.ms, r.baseline.ms)) : "",
    rssCell(r.ours),
    rssCell(r.baseline),
    targetText(r.target),
    verdict(r),
  ]);
  return [head, head.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}
