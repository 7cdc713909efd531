/**
 * Measuring: a subprocess's wall time and peak RSS (GNU time's `%M`, the largest resident set of the
 * process and every descendant it waited for), in-process wall time, and repetition with warm-up runs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { summarize, type Summary } from "./stats.ts";

/** One measured run. */
export interface Sample {
  /** Wall time in milliseconds. */
  ms: number;
  /** Peak resident set in KiB (subprocess runs only). */
  rssKiB?: number;
}

/** Repeated runs of one side of a comparison. */
export interface Measurement {
  ms: Summary;
  rssKiB?: Summary;
}

/** Options for {@link runCommand}. */
export interface RunOptions {
  cwd?: string;
  /** Extra environment variables, merged over this process's. */
  env?: Record<string, string>;
}

/** GNU time, used for peak RSS; its absence only drops the RSS column. */
export const GNU_TIME = "/usr/bin/time";

/** Whether {@link GNU_TIME} is present (Debian package `time`). */
export function haveGnuTime(): boolean {
  return fs.existsSync(GNU_TIME);
}

/**
 * Runs `argv` once under GNU time and returns its wall time and peak RSS; throws naming the command and
 * its stderr when it fails (a bench breaks on errors, never on numbers).
 * @example const s = await runCommand(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir });
 */
export async function runCommand(argv: readonly string[], opts: RunOptions = {}): Promise<Sample> {
  const rssFile = path.join(os.tmpdir(), `etcdup-bench-rss-${crypto.randomUUID()}`);
  const wrapped = haveGnuTime() ? [GNU_TIME, "-f", "%M", "-o", rssFile, ...argv] : [...argv];
  try {
    const started = performance.now();
    const out = await new Deno.Command(wrapped[0], {
      args: wrapped.slice(1),
      cwd: opts.cwd,
      env: opts.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const ms = performance.now() - started;
    if (out.code !== 0) {
      const err = new TextDecoder().decode(out.stderr).trim();
      throw new Error(`${argv.join(" ")} exited ${out.code}\n${err}`);
    }
    const rss = haveGnuTime() ? Number(fs.readFileSync(rssFile, "utf8").trim().split("\n").pop()) : NaN;
    return { ms, rssKiB: Number.isFinite(rss) ? rss : undefined };
  } finally {
    fs.rmSync(rssFile, { force: true });
  }
}

/**
 * Times an in-process async function.
 * @example const s = await timeAsync(() => issueWholePki("ecdsa-p256"));
 */
export async function timeAsync(fn: () => Promise<unknown>): Promise<Sample> {
  const started = performance.now();
  await fn();
  return { ms: performance.now() - started };
}

/** How many runs to make. */
export interface Repeat {
  /** Measured runs. */
  runs: number;
  /** Discarded runs before them (caches, JIT). */
  warmup: number;
}

/**
 * Calls `once` warm-up + measured times and summarises the measured samples. `once` does its own
 * per-run setup outside the timed part and returns the sample of the timed part.
 */
export async function repeat(times: Repeat, once: (i: number) => Promise<Sample>): Promise<Measurement> {
  for (let i = 0; i < times.warmup; i++) await once(-1 - i);
  const samples: Sample[] = [];
  for (let i = 0; i < times.runs; i++) samples.push(await once(i));
  const rss = samples.map((s) => s.rssKiB).filter((r): r is number => r !== undefined);
  return {
    ms: summarize(samples.map((s) => s.ms)),
    rssKiB: rss.length === samples.length ? summarize(rss) : undefined,
  };
}
