/**
 * The error-code registry is the one table of codes and exits; the README's "Error codes" list is what users
 * script against, so the two must say the same. On a mismatch the message prints the list to paste.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { ERROR_CODES, type ErrorCode, EtcdupError, Exit, type ExitCode } from "../../lib/errors.ts";

const START = "<!-- error-codes: generated from ERROR_CODES in lib/errors.ts -->";
const END = "<!-- /error-codes -->";

/** The README block the registry implies: one line per exit status, its codes sorted. */
export function errorCodesMarkdown(): string {
  const byExit = new Map<number, string[]>();
  for (const [code, exit] of Object.entries(ERROR_CODES)) {
    for (const e of typeof exit === "number" ? [exit] : exit) {
      byExit.set(e, [...byExit.get(e) ?? [], code]);
    }
  }
  const lines = [...byExit.keys()].sort((a, b) => a - b).map((e) =>
    `- exit ${e}: ${byExit.get(e)!.sort().map((c) => `\`${c}\``).join(", ")}`
  );
  return [START, "", ...lines, "", END].join("\n");
}

Deno.test("README lists every registered error code under the exit it maps to", () => {
  const readme = fs.readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const want = errorCodesMarkdown();
  const got = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
  const words = (s: string) => s.split(/\s+/).join(" "); // deno fmt wraps the lines
  assert.equal(
    words(got),
    words(want),
    `README's error-code list differs from the registry; paste:\n${want}`,
  );
});

Deno.test("every code is kebab-case and maps to a documented non-zero exit", () => {
  const exits = new Set<number>(Object.values(Exit).filter((e) => e !== Exit.ok));
  for (const [code, exit] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^[a-z0-9]+(-[a-z0-9]+)*$/, code);
    for (const e of typeof exit === "number" ? [exit] : exit) assert.ok(exits.has(e), `${code}: ${e}`);
  }
});

Deno.test("an error takes its exit from the registry; a code with several exits takes the one given", () => {
  assert.equal(new EtcdupError({ code: "not-root", message: "m" }).exit, Exit.precondition);
  assert.equal(new EtcdupError({ code: "checksum-mismatch", message: "m" }).exit, Exit.verification);
  const code: ErrorCode = "member-add-failed";
  assert.equal(new EtcdupError({ code, message: "m" }).exit, Exit.failure);
  const health: ExitCode = Exit.health;
  assert.equal(
    new EtcdupError({ code: "member-add-failed", message: "m", exit: health as 4 }).exit,
    Exit.health,
  );
});
