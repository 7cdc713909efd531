/**
 * A SIGKILL at any rename converges: a real `etcdup install --root R --no-start` is killed by strace at
 * its N-th rename(2) (N = 1 .. the number of renames a clean install performs, counted first), and then
 * inside systemd-sysusers at each of its renames (through a wrapper first in PATH); a normal re-run must
 * then leave exactly the tree of a clean install: the same paths, types, owners, modes and link targets,
 * no temp file, no backup, and every key matching its certificate. strace traces only etcdup's main thread
 * (no -f), which performs every host write; the Deno cache is warmed by the clean install first.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { execOk } from "../support/exec.ts";
import { installArgs, mismatchedPairs, runEtcdup, treeOf, withBase } from "../support/root_tree.ts";
import { assertRefused } from "../support/refusal.ts";

const RENAMES = "rename,renameat,renameat2";
/** Upper bound for the whole test (it prints what it took). */
const BUDGET_MS = 12 * 60_000;

Deno.test("install --root killed at every rename: a re-run converges to a clean install's tree", () =>
  withBase("etcdup-kill-", async (base, fx) => {
    const started = Date.now();
    const args = (root: string) => installArgs(root, fx);
    const clean = path.join(base, "clean");
    await Deno.mkdir(clean);
    const first = await runEtcdup(args(clean));
    assert.equal(first.code, 0, first.stderr);
    const want = treeOf(clean);
    assert.deepEqual(mismatchedPairs(clean, want), []);

    const counted = path.join(base, "counted");
    await Deno.mkdir(counted);
    const log = path.join(base, "strace.log");
    const r = await runEtcdup(args(counted), ["strace", "-qq", "-o", log, "-e", `trace=${RENAMES}`]);
    assert.equal(r.code, 0, r.stderr);
    const renames = (await Deno.readTextFile(log)).split("\n").filter((l) => /^rename/.test(l));
    assert.ok(renames.every((l) => l.includes(counted)), `a rename outside the root:\n${renames.join("\n")}`);
    assert.deepEqual(treeOf(counted), want);

    const wrapperDir = path.join(base, "bin");
    await Deno.mkdir(wrapperDir);
    const sysusers = (await execOk(["sh", "-c", "command -v systemd-sysusers"])).trim();
    const cases: { label: string; prefix: string[]; env?: string }[] = renames.map((l, i) => ({
      label: `etcdup rename ${i + 1}: ${l.slice(0, 140)}`,
      prefix: [
        "strace",
        "-qq",
        "-o",
        "/dev/null",
        "-e",
        `trace=${RENAMES}`,
        "-e",
        `inject=${RENAMES}:signal=KILL:when=${i + 1}`,
      ],
    }));
    for (let m = 1; m <= 4; m++) {
      cases.push({ label: `systemd-sysusers rename ${m}`, prefix: [], env: String(m) });
    }

    for (const [i, c] of cases.entries()) {
      assert.ok(Date.now() - started < BUDGET_MS, `over the time budget at case ${i + 1}`);
      const root = path.join(base, `run${i + 1}`);
      await Deno.mkdir(root);
      let prefix = c.prefix;
      if (c.env) {
        // kill sysusers itself at its m-th rename: a wrapper first in PATH runs it under strace
        const wrapper = path.join(wrapperDir, "systemd-sysusers");
        await Deno.writeTextFile(
          wrapper,
          `#!/bin/sh\nexec strace -f -qq -o /dev/null -e trace=${RENAMES} -e inject=${RENAMES}:signal=KILL:when=${c.env} ${sysusers} "$@"\n`,
        );
        await Deno.chmod(wrapper, 0o755);
        prefix = ["env", `PATH=${wrapperDir}:${Deno.env.get("PATH")}`];
      }
      const killed = await runEtcdup([...args(root), "--json"], prefix);
      if (c.env) assertRefused(killed, 1, "user-create-failed"); // sysusers killed: etcdup reports it, writes no user
      else {assert.equal(
          killed.code,
          128 + 9,
          `${c.label}: the run was not killed by SIGKILL\n${killed.stdout}`,
        );}
      const again = await runEtcdup(args(root));
      assert.equal(again.code, 0, `${c.label}: the re-run failed\n${again.stderr}`);
      const got = treeOf(root);
      assert.deepEqual(got, want, `${c.label}: tree differs from a clean install`);
      assert.deepEqual(mismatchedPairs(root, got), [], c.label);
      await Deno.remove(root, { recursive: true });
    }
    console.log(`${cases.length} kill points converged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }));

Deno.test("uninstall removes the temp files killed runs left (some hold private keys), --purge or not", () =>
  withBase("etcdup-orphans-", async (base, fx) => {
    for (const purge of [false, true]) {
      const root = path.join(base, `purge-${purge}`);
      await Deno.mkdir(root);
      assert.equal((await runEtcdup(installArgs(root, fx))).code, 0);
      const orphans = [
        "etc/default/.etcd.etcdup-999999999-0123456789ab.tmp",
        "etc/etcd/pki/.server.key.etcdup-999999999-0123456789ab.tmp",
        "var/lib/etcdup/.state.json.etcdup-0123456789ab.tmp",
      ];
      for (const o of orphans) await Deno.writeTextFile(path.join(root, o), "secret\n", { mode: 0o600 });
      const r = await runEtcdup(["uninstall", "--root", root, ...(purge ? ["--purge"] : [])]);
      assert.equal(r.code, 0, r.stderr);
      const left = Object.keys(treeOf(root)).filter((p) => p.includes(".etcdup-"));
      assert.deepEqual(left, [], `purge=${purge}`);
    }
  }));
