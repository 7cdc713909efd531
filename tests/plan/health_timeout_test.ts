/** `--health-timeout`: one default and one bound, whichever command reads it. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { DEFAULT_HEALTH_TIMEOUT_S, parseHealthTimeoutMs } from "../../lib/plan/health_timeout.ts";
import { parseOptions } from "../../lib/plan/options.ts";
import { healthTimeout } from "../../lib/specs/common.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

/** A command's `--health-timeout` option as main.ts parses it from the shared flag spec. */
const fromSpec = (raw?: string) =>
  parseOptions({ "health-timeout": healthTimeout }, raw === undefined ? {} : { "health-timeout": raw })[
    "health-timeout"
  ];

/** The [code, exit] of the EtcdupError `fn` throws. */
function refusal(fn: () => unknown): [string, number] {
  try {
    fn();
  } catch (err) {
    if (err instanceof EtcdupError) return [err.code, err.exit];
    throw err;
  }
  throw new Error("expected an EtcdupError, nothing was thrown");
}

Deno.test("not given waits 60 s; 1 to 3600 s are taken as given", () => {
  assertEquals(parseHealthTimeoutMs(undefined), 60_000);
  assertEquals(parseHealthTimeoutMs("1"), 1_000);
  assertEquals(parseHealthTimeoutMs("3600"), 3_600_000);
  assertEquals(fromSpec(), 60_000, "every command's spec has the same default");
  assertEquals(
    healthTimeout.default,
    String(DEFAULT_HEALTH_TIMEOUT_S),
    "the spec writes out the rule's default",
  );
  assertEquals(fromSpec("3600"), 3_600_000);
});

Deno.test("outside 1..3600 or not a whole number is bad-number (exit 2), every command's spec included", () => {
  for (const raw of ["0", "3601", "-1", "1.5", "soon", ""]) {
    assertEquals(refusal(() => parseHealthTimeoutMs(raw)), ["bad-number", Exit.usage], raw);
  }
  assertEquals(refusal(() => fromSpec("3601")), ["bad-number", Exit.usage], "the spec's rule is this one");
});
