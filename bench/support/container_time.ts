/**
 * Timing a command inside a bench container, with its peak RSS: the host's GNU time is bound read-only into
 * the container (when the host has it) and wraps the command there, so a container row carries the same
 * `%M` as a host row (the largest resident set of the command and the children it waited for).
 */
import type { Bind, Container, ContainerExecOptions } from "../../tests/e2e/harness/container.ts";
import type { ExecResult } from "../../tests/support/exec.ts";
import { GNU_TIME, haveGnuTime, type Sample } from "./measure.ts";

/** Where the host's GNU time is bound inside the container, and where it writes the peak RSS (KiB). */
const CT_TIME = "/opt/etcdup-bench/time";
const CT_RSS = "/root/.etcdup-bench-rss";

/** The bind that brings GNU time into a container: pass to `Container.boot({ binds })`; none without it. */
export function gnuTimeBinds(): Bind[] {
  return haveGnuTime() ? [{ host: GNU_TIME, container: CT_TIME, readOnly: true }] : [];
}

/** Fails with the command's output unless it exited 0. */
export function check(what: string, r: ExecResult): ExecResult {
  if (r.code !== 0) {
    throw new Error(`${what} exited ${r.code}\n${r.stderr.trim()}\n${r.stdout.trim()}`.trim());
  }
  return r;
}

/**
 * Runs `argv` in `ct` once (under GNU time when the container was booted with {@link gnuTimeBinds}) and
 * returns its wall time and peak RSS; fails naming `what` unless it exits 0.
 */
export async function timedIn(
  ct: Container,
  what: string,
  argv: readonly string[],
  opts: ContainerExecOptions = {},
): Promise<Sample> {
  const timed = haveGnuTime();
  const started = performance.now();
  check(what, await ct.exec(timed ? [CT_TIME, "-f", "%M", "-o", CT_RSS, ...argv] : argv, opts));
  const ms = performance.now() - started;
  if (!timed) return { ms };
  const rss = Number((await ct.exec(["tail", "-n", "1", CT_RSS])).stdout.trim());
  return { ms, rssKiB: Number.isFinite(rss) && rss > 0 ? rss : undefined };
}
