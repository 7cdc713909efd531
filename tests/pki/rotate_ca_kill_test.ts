/**
 * `certs rotate-ca` writes the CA file, the CA key and every leaf: a SIGKILL between two of those writes
 * used to leave `ca.key` new and `ca.crt` old (`ca-key-mismatch` on every later run). The switch is now
 * recorded first (lib/pki/journal.ts) and a re-run finishes it. A real `etcdup certs rotate-ca --root R` is
 * killed by strace at its N-th rename (N = 1 .. the renames of a clean rotation, counted first), then the
 * same command is run again: it must succeed and leave every key matching its certificate, every leaf
 * verifying (openssl) against the new CA alone and against the CA file, the CA file holding the new CA then
 * the old one (byte for byte), no temp file and no record of the switch; `certs check` then finds nothing.
 * Before that re-run, `install` refuses the half-switched CA (exit 7, `rotation-interrupted`).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { exec, execOk } from "../support/exec.ts";
import { installArgs, lastJson, mismatchedPairs, runEtcdup, treeOf, withBase } from "../support/root_tree.ts";
import { certificatePem, parseCertificates } from "../../lib/pki/pem.ts";

const RENAMES = "rename,renameat,renameat2";
const PKI = "etc/etcd/pki";

/** strace (all threads) tracing renames into `log`, then `more` options: a prefix for {@link runEtcdup}. */
function strace(log: string, ...more: string[]): string[] {
  return ["strace", "-f", "-qq", "-o", log, "-e", `trace=${RENAMES}`, ...more];
}

/** Checks that the rotated tree at `root` is whole; `oldCa` is the CA certificate before the rotation. */
async function assertRotated(root: string, oldCa: string, label: string): Promise<void> {
  const tree = treeOf(root);
  assert.deepEqual(mismatchedPairs(root, tree), [], label);
  assert.deepEqual(
    Object.keys(tree).filter((p) => /\.etcdup-.*\.tmp$|rotate-ca\.pending/.test(p)),
    [],
    label,
  );
  const caFile = path.join(root, PKI, "ca.crt");
  const bundle = parseCertificates(await Deno.readTextFile(caFile), caFile);
  assert.equal(bundle.length, 2, label);
  assert.equal(certificatePem(bundle[1]), oldCa, `${label}: the old CA is still trusted`);
  const newCa = path.join(root, "new-ca.pem");
  await Deno.writeTextFile(newCa, certificatePem(bundle[0]));
  const leaves = Object.keys(tree).filter((p) =>
    p.startsWith(`/${PKI}/`) && p.endsWith(".crt") && !p.includes("/backup/") && !p.endsWith("/ca.crt")
  );
  assert.ok(leaves.length >= 3, `${label}: leaves ${leaves}`);
  for (const leaf of leaves) {
    for (const ca of [caFile, newCa]) {
      const v = await exec(["openssl", "verify", "-CAfile", ca, path.join(root, leaf)]);
      assert.equal(v.code, 0, `${label}: ${leaf} against ${ca}: ${v.stdout}${v.stderr}`);
    }
  }
  await Deno.remove(newCa);
  const check = await runEtcdup(["certs", "check", "--root", root]);
  assert.equal(check.code, 0, `${label}: certs check\n${check.stdout}${check.stderr}`);
}

Deno.test("certs rotate-ca --root killed at every rename: the same command run again finishes the rotation", () =>
  withBase("etcdup-rotate-kill-", async (base, fx) => {
    const template = path.join(base, "template");
    await Deno.mkdir(template);
    const installed = await runEtcdup(installArgs(template, fx));
    assert.equal(installed.code, 0, installed.stderr);
    const oldCa = certificatePem(
      parseCertificates(await Deno.readTextFile(path.join(template, PKI, "ca.crt")), "ca.crt")[0],
    );
    const copy = async (name: string) => {
      const root = path.join(base, name);
      await execOk(["cp", "-a", template, root]);
      return root;
    };
    const rotate = (root: string, prefix: string[] = []) =>
      runEtcdup(["certs", "rotate-ca", "--root", root], prefix);

    const warm = await copy("warm"); // compiles the modules the rotation loads: the Deno cache renames too
    assert.equal((await rotate(warm)).code, 0);
    const counted = await copy("counted");
    const log = path.join(base, "strace.log");
    const r = await rotate(counted, strace(log));
    assert.equal(r.code, 0, r.stderr);
    await assertRotated(counted, oldCa, "clean rotation");
    const renames = (await Deno.readTextFile(log)).split("\n").filter((l) => /^\d+\s+rename/.test(l));
    assert.ok(renames.length >= 8, `renames of a clean rotation:\n${renames.join("\n")}`);
    assert.ok(renames.every((l) => l.includes(counted)), `a rename outside the root:\n${renames.join("\n")}`);

    let refusedOnce = false;
    for (let n = 1; n <= renames.length; n++) {
      const label = `killed at rename ${n}: ${renames[n - 1].slice(0, 160)}`;
      const root = await copy(`run${n}`);
      const killed = await rotate(root, strace("/dev/null", "-e", `inject=${RENAMES}:signal=KILL:when=${n}`));
      assert.equal(killed.code, 128 + 9, `${label}: not killed by SIGKILL\n${killed.stdout}`);
      if (
        !refusedOnce && (await Deno.stat(path.join(root, PKI, "rotate-ca.pending.json")).catch(() => null))
      ) {
        // the CA files may be of two CAs now: install refuses to use them until rotate-ca finishes
        refusedOnce = true;
        const install = await runEtcdup(installArgs(root, fx, "--json"));
        assert.equal(install.code, 7, `${label}: install\n${install.stdout}${install.stderr}`);
        assert.equal(lastJson(install.stdout).code, "rotation-interrupted", install.stdout);
      }
      const again = await rotate(root);
      assert.equal(again.code, 0, `${label}: re-run\n${again.stdout}${again.stderr}`);
      await assertRotated(root, oldCa, label);
      await Deno.remove(root, { recursive: true });
    }
    assert.ok(refusedOnce, "some kill left the switch recorded");
  }));
