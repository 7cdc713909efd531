/**
 * Asserting a refusal the way README "Exit codes" documents it: by the exit status AND the error code of the
 * `--json` error event (`{"event":"error","code":...,"message":...,"hint":...,"exit":N}`), never by
 * `code !== 0` or a message alone.
 */
import assert from "node:assert/strict";
import { EtcdupError, Exit } from "../../lib/errors.ts";

/** The error event of a `--json` run. */
export interface ErrorEvent {
  event: "error";
  code: string;
  message: string;
  hint?: string;
  exit: number;
}

/**
 * Asserts that a run with `--json` exited `exit` and printed an error event of `code` (whose own `exit` agrees)
 * whose message matches `message` when given, and returns the event, for checks of its message or hint.
 * @example assertRefused(await runEtcdup([...args, "--json"]), 7, "out-exists", /already exists/);
 */
export function assertRefused(
  r: { code: number; stdout: string; stderr: string },
  exit: number,
  code: string,
  message?: RegExp,
): ErrorEvent {
  const output = `${r.stdout}${r.stderr}`;
  assert.equal(r.code, exit, output);
  const event = output.split("\n").filter((l) => l.startsWith("{")).map(parseLine).find((e) =>
    e?.event === "error"
  ) as ErrorEvent | undefined;
  assert.ok(event, `no error event in:\n${output}`);
  assert.equal(event.code, code, event.message);
  assert.equal(event.exit, exit, event.message);
  if (message) assert.match(event.message, message);
  return event;
}

/** One line of JSON output, or undefined when it is not JSON. */
function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Asserts that `fn` throws an EtcdupError of `code` and exit status `exit` (in-process refusals of pure code)
 * and returns it, for checks of its message or hint.
 * @example refusedWith(() => checkUpgradePath("v3.4.23", "v3.6.6"), "unsupported-upgrade-path");
 */
export function refusedWith(fn: () => unknown, code: string, exit: number = Exit.precondition): EtcdupError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof EtcdupError)) throw new Error(`expected an EtcdupError ${code}, got ${caught}`);
  assert.deepEqual([caught.code, caught.exit], [code, exit]);
  return caught;
}
