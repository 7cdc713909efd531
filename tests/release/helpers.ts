/** Shared bits of the release and day-two tests: a capturing Output, temp dirs, asserting an EtcdupError. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createOutput } from "../../lib/cli/output.ts";
import type { Output } from "../../lib/output.ts";
import { EtcdupError } from "../../lib/errors.ts";

/** An Output in JSON mode whose lines are kept in `lines` (parsed). */
export function captureOutput(): { out: Output; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = (s: string) => s.split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l)));
  return { out: createOutput({ json: true, env: {}, write: { stdout: sink, stderr: sink } }), lines };
}

/** A fresh temp dir; remove it with `fs.rmSync(dir, { recursive: true })` in finally. */
export function tempDir(prefix = "etcdup-release-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Runs `fn` in a fresh temp dir and removes the dir afterwards, whatever happens.
 * @example await inTempDir((dir) => writeRelease(dir, "v3.6.6", "amd64"));
 */
export async function inTempDir<T>(fn: (dir: string) => Promise<T>, prefix?: string): Promise<T> {
  const dir = tempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every path under `dir`, relative, sorted (dirs included). */
export function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

/**
 * Calls `fn`, asserts it throws an EtcdupError of `code` and `exit` whose message matches `re` (when given),
 * and returns the error.
 * @example throwsWith(() => parseArch("ppc64le"), "bad-arch", Exit.usage, /--arch 'ppc64le'/);
 */
export function throwsWith(fn: () => unknown, code: string, exit: number, re?: RegExp): EtcdupError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EtcdupError, `expected an EtcdupError, got ${err}`);
    assert.equal(err.code, code, `wrong code; message: ${err.message}`);
    assert.equal(err.exit, exit, `wrong exit for ${err.code}: ${err.message}`);
    if (re) assert.match(err.message, re);
    return err;
  }
  assert.fail(`expected a throw with ${code}`);
}

/** Awaits `p`, asserts it rejects with an EtcdupError of `code` (and `exit`), and returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: string, exit?: number): Promise<EtcdupError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof EtcdupError, `expected an EtcdupError, got ${err}`);
    assert.equal(err.code, code, `wrong code; message: ${err.message}`);
    if (exit !== undefined) assert.equal(err.exit, exit, `wrong exit for ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected a rejection with ${code}`);
}
