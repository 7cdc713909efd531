/**
 * The disk check: its statistics and threshold as pure functions, the real write+fdatasync loop on this
 * machine's temp filesystem (it must report numbers and leave nothing behind), and what install says for a
 * slow and a fast measurement and when it skips.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { HostRoot } from "../../lib/host/fs.ts";
import { measureFsync } from "../../lib/host/fsync.ts";
import { checkDisk, percentile, summarize, tooSlow } from "../../lib/install/disk_check.ts";
import { diskCheckSkipped } from "../../lib/install/disk_skip.ts";
import type { HostFacts } from "../../lib/facts.ts";
import type { FlagValues } from "../../lib/command.ts";
import { memberState } from "../daytwo/fixtures.ts";
import { captureOutput, inTempDir } from "../release/helpers.ts";
import { planFromValues } from "../support/install_options.ts";

const facts: HostFacts = {
  hostname: "node1",
  fqdn: "node1",
  addresses: [{ address: "10.0.0.5", family: "IPv4" }],
  cpu: "x86_64",
  isRoot: true,
};
const plan = (values: FlagValues, root = "/") => planFromValues(values, facts, root, () => "v3.5.30");

Deno.test("disk check: nearest-rank percentiles and etcd's 10 ms p99 threshold", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 50), 50);
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(percentile([5], 99), 5);
  assert.equal(percentile([3, 1, 2], 100), 3);
  const s = summarize([...Array(99).fill(1), 50]);
  assert.deepEqual(s, { rounds: 100, p50Ms: 1, p99Ms: 1, maxMs: 50 });
  assert.equal(tooSlow(s), false, "one outlier in 100 is within p99");
  assert.equal(tooSlow(summarize([...Array(98).fill(1), 11, 12])), true);
  assert.equal(tooSlow(summarize([10, 10])), false, "exactly 10 ms is within the guidance");
});

Deno.test("disk check: the real loop writes, fdatasyncs, reports each round and removes its probe", async () => {
  await inTempDir((dir) => {
    const ms = measureFsync(dir, { writeBytes: 2300, iterations: 20, maxMs: 2000 });
    assert.ok(ms.length >= 1 && ms.length <= 20, `${ms.length} rounds`);
    assert.ok(ms.every((x) => Number.isFinite(x) && x >= 0));
    assert.deepEqual([...Deno.readDirSync(dir)], [], "the probe file is gone");
    const bounded = measureFsync(dir, { writeBytes: 2300, iterations: 1_000_000, maxMs: 50 });
    assert.ok(bounded.length < 1_000_000, "the time bound stops the loop");
    return Promise.resolve();
  });
});

Deno.test("disk check: a slow p99 is a warning naming it, a fast one a step; neither throws", async () => {
  await inTempDir((dir) => {
    const host = new HostRoot(dir);
    const p = { ...plan({ "data-dir": "/var/lib/etcd" }), root: "/" };
    const slow = captureOutput();
    checkDisk(p, host, undefined, slow.out, () => [...Array(90).fill(2), ...Array(10).fill(25)]);
    const warning = slow.lines.find((l) => l.event === "warning");
    assert.match(String(warning?.message), /p99 25\.0 ms .* above etcd's 10 ms guidance/);
    assert.equal((warning?.diskCheck as { p99Ms: number }).p99Ms, 25);
    const fast = captureOutput();
    checkDisk(p, host, undefined, fast.out, () => [0.5, 0.7, 0.6]);
    assert.equal(fast.lines.filter((l) => l.event === "warning").length, 0);
    assert.match(String(fast.lines.find((l) => l.event === "step")?.message), /within etcd's 10 ms/);
    const broken = captureOutput();
    checkDisk(p, host, undefined, broken.out, () => {
      throw new Error("EROFS");
    });
    assert.match(String(broken.lines.find((l) => l.event === "warning")?.message), /failed: EROFS/);
    return Promise.resolve();
  });
});

Deno.test("disk check: runs on a live host's first install only; --skip-disk-check and --root skip it", () => {
  assert.equal(diskCheckSkipped(plan({}), undefined), undefined);
  assert.equal(diskCheckSkipped(plan({ "skip-disk-check": true }), undefined), "--skip-disk-check");
  assert.equal(diskCheckSkipped(plan({}, "/mnt/img"), undefined), "--root /mnt/img");
  assert.equal(diskCheckSkipped(plan({}), memberState({})), "etcd is installed here already");
  const quiet = captureOutput();
  let called = false;
  checkDisk(plan({}, path.join("/nonexistent", "img")), new HostRoot("/"), undefined, quiet.out, () => {
    called = true;
    return [1];
  });
  assert.equal(called, false);
});
