/**
 * Keeps the benchmarks alive: runs the bench runner in CI's smoke mode (`--quick`, the command behind
 * `deno task bench --quick`) as a real process and checks every bench produced measured rows. Numbers
 * are never asserted; only that nothing broke.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { BENCHES } from "../../bench/run.ts";

const REPO = path.resolve(new URL("../..", import.meta.url).pathname);

interface ResultRow {
  bench: string;
  ours: { ms: { median: number; n: number } };
  baseline?: { ms: { median: number } };
}

Deno.test("bench --quick runs every bench to completion and reports measured rows", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "bench/run.ts", "--quick", "--json"],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `bench --quick exited ${out.code}\n${stdout}\n${stderr}`);
  // The e2e harness logs which etcdup it runs as a plain line; every other stdout line is a JSON event.
  const events = stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const result = events.find((e) => e.event === "result")?.result;
  assert.ok(result, `no result event in:\n${stdout}`);
  assert.equal(result.mode, "quick");
  assert.equal(result.broken, 0);
  assert.ok(result.machine.cpus > 0 && result.machine.versions.deno);
  const rows: ResultRow[] = result.rows;
  for (const row of rows) {
    assert.ok(row.ours.ms.median > 0 && row.ours.ms.n > 0, `${row.bench}: no etcdup samples`);
    if (row.baseline) assert.ok(row.baseline.ms.median > 0, `${row.bench}: no baseline samples`);
  }
  const steps = events.filter((e) => e.event === "step").map((e) => String(e.message));
  for (const bench of BENCHES) {
    assert.ok(steps.some((s) => s.startsWith(`${bench.name}:`)), `bench ${bench.name} did not run`);
  }
  assert.ok(rows.length >= BENCHES.length, `only ${rows.length} rows for ${BENCHES.length} benches`);
});
