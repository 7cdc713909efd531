/**
 * The disk check before a first install: etcd's most common production failure is a disk too slow to make
 * its WAL durable, so the data dir's filesystem is measured (lib/host/fsync.ts) and a p99 above etcd's
 * 10 ms guidance is a warning. It never fails the install. Skipped with `--skip-disk-check`, under `--root`
 * (an image's filesystem is not the disk the node will run on) and on re-runs (the data dir is etcd's then,
 * and a re-run that changes nothing writes nothing).
 */
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import { DEFAULT_PROBE, measureFsync } from "../host/fsync.ts";
import type { InstallState } from "../state_record.ts";
import type { InstallPlan } from "../plan/types.ts";
import { diskCheckSkipped } from "./disk_skip.ts";

/** etcd's guidance: 99% of WAL fsyncs under 10 ms (etcd hardware docs; wal_fsync_duration_seconds). */
export const FSYNC_P99_LIMIT_MS = 10;

/** What a probe measured. */
export interface FsyncSummary {
  rounds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The nearest-rank percentile `p` (0..100) of `values`.
 * @example percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error("internal: percentile of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Summarizes the latencies of one probe. */
export function summarize(latencies: number[]): FsyncSummary {
  return {
    rounds: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
  };
}

/** Whether the measured p99 is slower than etcd's guidance. */
export function tooSlow(s: FsyncSummary, limitMs = FSYNC_P99_LIMIT_MS): boolean {
  return s.p99Ms > limitMs;
}

const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

/**
 * Measures the WAL's filesystem (the data dir's, or --wal-dir's; already created) and says what it found: a step when fast enough,
 * a warning naming the p99 and the consequence when not. Errors of the probe itself are a warning too.
 * `measure` is the probe (tests give a fixed one).
 */
export function checkDisk(
  plan: InstallPlan,
  host: HostRoot,
  previous: InstallState | undefined,
  out: Output,
  measure: (dir: string) => number[] = (dir) => measureFsync(dir, DEFAULT_PROBE),
): FsyncSummary | undefined {
  const skipped = diskCheckSkipped(plan, previous);
  if (skipped) return undefined;
  // etcd fsyncs its WAL: with --wal-dir that is the filesystem that matters.
  const dir = plan.paths.walDir ?? plan.paths.dataDir;
  let s: FsyncSummary;
  try {
    s = summarize(measure(host.resolve(dir)));
  } catch (err) {
    out.warn(`disk check in ${dir} failed: ${(err as Error).message} (install goes on)`);
    return undefined;
  }
  const data = { diskCheck: { dir, ...s, limitMs: FSYNC_P99_LIMIT_MS } };
  const what = `fdatasync p99 ${ms(s.p99Ms)} (p50 ${ms(s.p50Ms)}, ${s.rounds} writes of ` +
    `${DEFAULT_PROBE.writeBytes} bytes) in ${dir}`;
  if (tooSlow(s)) {
    out.warn(
      `disk check: ${what} is above etcd's ${FSYNC_P99_LIMIT_MS} ms guidance: expect slow writes, missed ` +
        "heartbeats and leader elections; put the data dir on an SSD/NVMe (or pass --skip-disk-check)",
      data,
    );
  } else out.step(`disk check: ${what}, within etcd's ${FSYNC_P99_LIMIT_MS} ms guidance`, data);
  return s;
}
