/**
 * Measuring how fast a filesystem makes small writes durable, the way etcd's WAL does: sequential writes of
 * about one WAL entry, each followed by fdatasync (fio's etcd test: `--rw=write --ioengine=sync
 * --fdatasync=1 --bs=2300`). Bounded in count and time; the probe file is removed whatever happens.
 */
import * as path from "node:path";

/** How long one probe may run. */
export interface FsyncProbe {
  /** Bytes per write (fio's etcd test: 2300). */
  writeBytes: number;
  /** At most this many write+fdatasync rounds. */
  iterations: number;
  /** And at most this long, in ms (the rounds done by then count). */
  maxMs: number;
}

/** fio's etcd test, cut to at most 200 rounds or 2 s. */
export const DEFAULT_PROBE: FsyncProbe = { writeBytes: 2300, iterations: 200, maxMs: 2000 };

/**
 * Writes and fdatasyncs a probe file in `dir` (a REAL path) and returns each round's latency in ms.
 * @example const ms = measureFsync("/var/lib/etcd"); // e.g. [0.9, 1.1, ...]
 */
export function measureFsync(dir: string, probe: FsyncProbe = DEFAULT_PROBE): number[] {
  const file = path.join(dir, `.etcdup-fsync-probe-${Deno.pid}`);
  const block = new Uint8Array(probe.writeBytes).fill(0x65);
  const latencies: number[] = [];
  const f = Deno.openSync(file, { write: true, create: true, truncate: true, mode: 0o600 });
  try {
    const deadline = performance.now() + probe.maxMs;
    while (latencies.length < probe.iterations && performance.now() < deadline) {
      const t0 = performance.now();
      let written = 0;
      while (written < block.length) written += f.writeSync(block.subarray(written));
      f.syncDataSync();
      latencies.push(performance.now() - t0);
    }
  } finally {
    f.close();
    Deno.removeSync(file);
  }
  return latencies;
}
