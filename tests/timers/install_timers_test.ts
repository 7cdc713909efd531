/**
 * The timer machinery through install's own apply, under --root with a real release: a job's units are
 * written root 0644, enabled inside the tree (timers.target.wants), recorded in the state file; a re-run
 * changes nothing; a job the plan no longer has is retired (disabled, units removed); uninstall removes it.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { main } from "../../main.ts";
import { createOutput } from "../../lib/cli/output.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { readState } from "../../lib/host/state.ts";
import type { InstallState } from "../../lib/state_record.ts";
import type { Output } from "../../lib/output.ts";
import { observeInstall } from "../../lib/observe/install.ts";
import { executeInstall } from "../../lib/install/execute.ts";
import { gatherFacts } from "../../lib/host/facts.ts";
import type { InstallPlan } from "../../lib/plan/types.ts";
import { timerJob } from "../../lib/plan/timer_units.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { planFromValues } from "../support/install_options.ts";

/** Install's sequence for a plan built here: observe, then execute (PKI, diff and all). */
async function apply(plan: InstallPlan, host: HostRoot, previous: InstallState | undefined, out: Output) {
  return await executeInstall(plan, await observeInstall(host, plan, previous), host, out);
}

Deno.test("timers through install --root: written, enabled, recorded; re-run no-op; retired; uninstalled", async () => {
  const fx = await etcdFixture("sid");
  const root = await Deno.makeTempDir({ prefix: "etcdup-timers-" });
  try {
    const host = new HostRoot(root);
    const lines: string[] = [];
    const out = createOutput({
      env: {},
      isTty: false,
      write: { stdout: (s) => lines.push(s), stderr: () => {} },
    });
    // --no-timers: the base plan has none of the default timers, only the test job is added and retired.
    const base = planFromValues(
      { tarball: fx.tarball, sha256: fx.sha256, "no-timers": true },
      gatherFacts(host),
      root,
    );
    const job = timerJob("etcdup-test", "test job", ["status", "--quiet"], "daily");
    const withJob: InstallPlan = { ...base, timers: [job] };
    const none: InstallPlan = { ...base, timers: [] };
    const wants = path.join(root, "etc/systemd/system/timers.target.wants/etcdup-test.timer");
    const units = ["/etc/systemd/system/etcdup-test.service", "/etc/systemd/system/etcdup-test.timer"];

    assert.equal(await apply(withJob, host, undefined, out), 0);
    for (const u of units) {
      assert.deepEqual([host.stat(u)?.uid, host.stat(u)?.mode], [0, 0o644], u);
      assert.ok(readState(host)?.files[u], `${u} recorded`);
    }
    assert.equal(await Deno.readLink(wants), "/etc/systemd/system/etcdup-test.timer");
    assert.deepEqual(readState(host)?.timers, ["etcdup-test.timer"]);

    lines.length = 0;
    assert.equal(await apply(withJob, host, readState(host), out), 0);
    assert.match(lines.join(""), /^no changes: /);

    assert.equal(await apply(none, host, readState(host), out), 0);
    for (const u of units) assert.equal(host.stat(u), undefined, `${u} retired`);
    assert.equal(await Deno.lstat(wants).then(() => true, () => false), false, "disabled");
    assert.deepEqual(readState(host)?.timers, []);

    assert.equal(await apply(withJob, host, readState(host), out), 0);
    assert.equal(await main(["uninstall", "--root", root, "--quiet"], {}), 0);
    for (const u of units) assert.equal(host.stat(u), undefined, `${u} uninstalled`);
    assert.equal(await Deno.lstat(wants).then(() => true, () => false), false, "disabled by uninstall");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
