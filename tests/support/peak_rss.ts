/**
 * Peak memory for the memory tests, two ways: {@link peakRssOfEval} runs TypeScript `code` in a fresh
 * `deno eval` child from the repository root (so the import map applies) and returns the child's VmHWM (peak
 * resident set, KiB, from /proc/self/status) read at its end, for the flat-memory tests of one building
 * block; {@link etcdupPeakMiB} runs a whole etcdup command exactly as shipped under GNU time (`%M`: the
 * largest resident set of the process and the children it waited for), for issue 17's per-command bound.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { GNU_TIME, haveGnuTime } from "../../bench/support/measure.ts";
import { etcdupArgv } from "../shipping/etcdup_cmd.ts";
import type { EtcdFixture } from "./etcd_fixtures.ts";
import { installArgs } from "./root_tree.ts";

const REPO = path.resolve(new URL("../..", import.meta.url).pathname);

/** The repository root, for absolute imports in `code`. */
export const repoRoot = REPO;

/** Runs `code` in a child (with `flags` for deno, e.g. the shipped V8 flags) and returns its peak RSS in KiB. */
export async function peakRssOfEval(code: string, flags: string[] = []): Promise<number> {
  const probe =
    `\nconsole.log(Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\\s+(\\d+) kB$/m)![1]);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", ...flags, code + probe],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, `child failed: ${new TextDecoder().decode(out.stderr)}`);
  return Number(new TextDecoder().decode(out.stdout).trim().split("\n").pop());
}

/**
 * Peak RSS (MiB) of one etcdup run with `args` (plus `--quiet`), shipped form (tests/shipping/etcdup_cmd.ts);
 * GNU time's report goes to a file in `work`. Fails with etcdup's stderr unless it exits 0; `scratch`, when
 * given, is removed afterwards.
 */
export async function etcdupPeakMiB(work: string, args: string[], scratch?: string): Promise<number> {
  const rssFile = path.join(work, "rss");
  const [cmd, ...pre] = etcdupArgv();
  const out = await new Deno.Command(GNU_TIME, {
    args: ["-f", "%M", "-o", rssFile, cmd, ...pre, ...args, "--quiet"],
    env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, `${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
  return Number(fs.readFileSync(rssFile, "utf8").trim().split("\n").at(-1)) / 1024;
}

/** A fresh `install --root --no-start` of fixture `fx` in a new dir under `work` (not judged); returns it. */
export async function installedRoot(work: string, fx: EtcdFixture): Promise<string> {
  const root = fs.mkdtempSync(path.join(work, "root-"));
  await etcdupPeakMiB(work, installArgs(root, fx));
  return root;
}

/**
 * The smaller figure of two runs of `run`: one late garbage collection does not decide, while a real
 * regression (a whole file read into memory, a stream buffered) raises both runs by tens of MiB.
 */
export async function lowerOfTwo(run: () => Promise<number>): Promise<number> {
  return Math.min(await run(), await run());
}

/** Whether GNU time (the peak-RSS meter) is missing; then the test is skipped, saying why. */
export function skipWithoutGnuTime(): boolean {
  if (haveGnuTime()) return false;
  console.warn("skipped: /usr/bin/time (Debian package time) is missing; scripts/setup-dev.sh installs it");
  return true;
}
