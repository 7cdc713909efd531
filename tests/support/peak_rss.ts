/**
 * Peak memory of a piece of code, for the flat-memory tests: runs TypeScript `code` in a fresh `deno eval`
 * child from the repository root (so the import map applies) and returns the child's VmHWM (peak resident
 * set, KiB, from /proc/self/status) read at its end. Throws with the child's stderr when it fails.
 */
import assert from "node:assert/strict";
import * as path from "node:path";

const REPO = path.resolve(new URL("../..", import.meta.url).pathname);

/** The repository root, for absolute imports in `code`. */
export const repoRoot = REPO;

/** Runs `code` in a child and returns its peak RSS in KiB. */
export async function peakRssOfEval(code: string): Promise<number> {
  const probe =
    `\nconsole.log(Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\\s+(\\d+) kB$/m)![1]);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code + probe],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, `child failed: ${new TextDecoder().decode(out.stderr)}`);
  return Number(new TextDecoder().decode(out.stdout).trim().split("\n").pop());
}
