/** `--health-timeout`: one default and one bound, whichever command reads it. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseHealthTimeoutMs } from "../../lib/plan/health_timeout.ts";
import { healthTimeoutMs } from "../../lib/daytwo/preconditions.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

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
  assertEquals(healthTimeoutMs({}), 60_000, "day-two commands read the same default");
});

Deno.test("outside 1..3600 or not a whole number is bad-number (exit 2), day-two commands included", () => {
  for (const raw of ["0", "3601", "-1", "1.5", "soon", ""]) {
    assertEquals(refusal(() => parseHealthTimeoutMs(raw)), ["bad-number", Exit.usage], raw);
  }
  assertEquals(refusal(() => healthTimeoutMs({ "health-timeout": "7200" })), ["bad-number", Exit.usage]);
});
