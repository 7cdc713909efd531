/**
 * `certs issue-client NAME --for-user USER` under --root, with a real etcd serving that tree's PKI: the pair
 * is USER's (key 0600) in ~USER/.config/etcdup (dirs 0700 USER), USER's login-shell profile makes etcdctl
 * reach etcd over mTLS as USER (run as that uid with setpriv), `certs renew NAME` finds the pair and keeps
 * it USER's, a plain `uninstall` keeps it with the PKI and `uninstall --purge` removes it and the profile.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { exec, type ExecResult } from "../support/exec.ts";
import { haveSetpriv, rootInstall } from "../support/root_install.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { etcdBinaries, localEtcd } from "./helpers.ts";

const UID = 1001;
const HOME = "/home/alice";
const PAIR_DIR = `${HOME}/.config/etcdup`;

/** The result object of a `--json` run. */
function jsonResult(r: ExecResult | { stdout: string }): Record<string, string[]> {
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.event === "result")?.result;
}

Deno.test("issue-client --for-user: USER's pair and login shell, renewed and purged with the PKI", async () => {
  if (!(await haveSetpriv())) return;
  const fx = await etcdFixture("sid");
  const dir = await Deno.makeTempDir({ prefix: "etcdup-for-user-" });
  let etcd: ReturnType<typeof localEtcd> | undefined;
  try {
    await Deno.chmod(dir, 0o755);
    const root = path.join(dir, "root");
    await Deno.mkdir(root, { mode: 0o755 });
    const installed = await runEtcdup([
      ...rootInstall(root, fx),
    ]);
    assert.equal(installed.code, 0, installed.stderr);
    await Deno.writeTextFile(path.join(root, "etc/passwd"), `alice:x:${UID}:${UID}::${HOME}:/bin/bash\n`, {
      append: true,
    });
    await Deno.mkdir(path.join(root, HOME), { recursive: true, mode: 0o755 });
    await Deno.chown(path.join(root, HOME), UID, UID);
    const at = (p: string) => path.join(root, p);

    const issued = await runEtcdup(["certs", "issue-client", "ops", "--for-user", "alice", "--root", root]);
    assert.equal(issued.code, 0, issued.stderr);
    const own = async (p: string) => {
      const st = await Deno.lstat(at(p));
      return `${st.uid}:${st.gid} ${((st.mode ?? 0) & 0o7777).toString(8)}`;
    };
    assert.equal(await own(`${HOME}/.config`), `${UID}:${UID} 700`);
    assert.equal(await own(PAIR_DIR), `${UID}:${UID} 700`);
    assert.equal(await own(`${PAIR_DIR}/ops.crt`), `${UID}:${UID} 644`);
    assert.equal(await own(`${PAIR_DIR}/ops.key`), `${UID}:${UID} 600`);
    assert.equal(await own("/etc/profile.d/etcdctl-alice.sh"), "0:0 644");

    // USER's login shell: the profile (paths moved under the temp root), then etcdctl, as uid 1001.
    const bins = await etcdBinaries(dir);
    etcd = localEtcd(bins, at("/etc/etcd/pki"), path.join(dir, "data"));
    const pki = at("/etc/etcd/pki");
    await etcd.start({ ca: `${pki}/ca.crt`, cert: `${pki}/admin.crt`, key: `${pki}/admin.key` });
    const profile = (await Deno.readTextFile(at("/etc/profile.d/etcdctl-alice.sh")))
      .replaceAll(`'${HOME}`, `'${at(HOME)}`).replaceAll("'/etc/etcd/pki", `'${pki}`)
      .replace(/ETCDCTL_ENDPOINTS='[^']*'/, `ETCDCTL_ENDPOINTS='${etcd.endpoint}'`);
    const shell = await exec([
      "setpriv",
      "--reuid",
      String(UID),
      "--regid",
      String(UID),
      "--clear-groups",
      "bash",
      "-c",
      `${profile}\n${bins.etcdctl} --dial-timeout=3s endpoint health`,
    ], { timeoutMs: 20_000 });
    assert.equal(shell.code, 0, shell.stdout + shell.stderr);
    assert.match(shell.stdout + shell.stderr, /is healthy/);

    // An install re-run keeps the record of USER's pair (renew and uninstall below still find it).
    assert.equal((await runEtcdup(rootInstall(root, fx))).code, 0);
    const before = await Deno.readTextFile(at(`${PAIR_DIR}/ops.crt`));
    const renewed = await runEtcdup(["certs", "renew", "ops", "--root", root]);
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.notEqual(await Deno.readTextFile(at(`${PAIR_DIR}/ops.crt`)), before, "reissued");
    assert.equal(await own(`${PAIR_DIR}/ops.crt`), `${UID}:${UID} 644`);
    assert.equal(await own(`${PAIR_DIR}/ops.key`), `${UID}:${UID} 600`);

    const plain = jsonResult(await runEtcdup(["uninstall", "--dry-run", "--root", root, "--json"]))
      .plan as unknown as Record<string, string[]>;
    assert.ok(plain.keptPki.includes(`${PAIR_DIR}/ops.key`), JSON.stringify(plain));
    const purge = await runEtcdup(["uninstall", "--purge", "--root", root]);
    assert.equal(purge.code, 0, purge.stderr);
    for (
      const p of [`${PAIR_DIR}/ops.key`, `${PAIR_DIR}/ops.crt`, "/etc/profile.d/etcdctl-alice.sh", PAIR_DIR]
    ) {
      assert.equal(await Deno.lstat(at(p)).then(() => true, () => false), false, `${p} is gone`);
    }
  } finally {
    await etcd?.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
