/**
 * A CA rotation's phase is recorded (lib/state_record.ts CA_ROTATION_FILE) at each `certs rotate-ca` step,
 * so `certs check` names the next step: under a temp `--root`, stage, then check (human and `--json`) says
 * `staged` and the exact next command, which is run as printed; then check says `switched` and names
 * `--finish`, which is run; then check is clean (no rotation, exit 0). A record whose CA the CA file does not
 * hold (a PKI made anew) is not reported.
 *
 * A kill between two writes of any step converges: a real `etcdup certs rotate-ca --root R` is killed by
 * strace at each of its renames in turn (the phase record's, the export's, the CA files', the leaves'),
 * then `certs check` either says nothing is in progress beyond the last finished phase, or reports the
 * step cut short (`rotation-interrupted`, exit 6) with the command that finishes it; that command (or the
 * step again) is run, and check then reports the phase a clean run of the step leaves, with every key
 * matching its certificate.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { CA_ROTATION_FILE } from "../../lib/state_record.ts";
import { exec, execOk } from "../support/exec.ts";
import { mismatchedPairs, runEtcdup, treeOf } from "../support/root_tree.ts";
import { certs, etcdup, type Ran } from "./dry_run.ts";
import { hostRoot } from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const RENAMES = "rename,renameat,renameat2";

/** What `certs check --json` says of a rotation. */
interface Rotation {
  phase: string;
  interrupted: boolean;
  next: string;
  then?: string;
}

/** `certs check --root ROOT --json`: its exit code, rotation report and problem codes. */
async function check(root: string): Promise<{ code: number; rotation?: Rotation; problems: string[] }> {
  const r = await etcdup(["certs", "check", "--root", root, "--json"]);
  const problems = (r.result.problems as { code: string }[] | undefined ?? []).map((p) => p.code);
  return { code: r.code, rotation: r.result.rotation as Rotation | undefined, problems };
}

/** Runs the command `etcdup ...` that check printed, as printed (in process, `--json` added). */
function runPrinted(command: string): Promise<Ran> {
  const argv = command.split(" ");
  assert.equal(argv[0], "etcdup", command);
  return etcdup([...argv.slice(1), "--json"]);
}

/** The flags that find the PKI under `root` (no install record names it). */
const where = (root: string) => `--root ${root} --layout etcd --pki-dir ${P.dir}`;

Deno.test("certs check names each next step of a CA rotation under --root: stage, switch, finish, then clean", async () => {
  const t = await hostRoot("pkitest");
  const out = `${t.root}-new-ca.pem`;
  try {
    assert.equal((await certs(t, ["rotate-ca", "--stage", "--out", out])).code, Exit.ok);
    const staged = await check(t.root);
    assert.equal(staged.code, Exit.ok, "a staged rotation is no problem");
    assert.deepEqual(
      [staged.rotation?.phase, staged.rotation?.interrupted, staged.rotation?.next],
      ["staged", false, `etcdup certs rotate-ca --ca-from ${out} ${where(t.root)}`],
    );
    assert.match(staged.rotation!.then!, /--stage --ca-from/);
    const human = await etcdup(["certs", "check", "--root", t.root]);
    assert.match(human.stdout, /CA rotation: staged since /);
    assert.ok(human.stdout.includes(`next: ${staged.rotation!.next}`), human.stdout);
    const fresh = await hostRoot("pkitest");
    try {
      // a record left beside a PKI made anew (uninstall --purge, install): its CA is not in the CA file
      fresh.host.ensureDir("/var/lib/etcdup", { uid: 0, gid: 0, mode: 0o700 });
      fresh.host.writeAtomic(CA_ROTATION_FILE, t.host.readText(CA_ROTATION_FILE)!, {
        uid: 0,
        gid: 0,
        mode: 0o600,
      });
      assert.deepEqual((await check(fresh.root)).rotation, undefined, "a stale record is not reported");
    } finally {
      await fresh.cleanup();
    }

    assert.equal((await runPrinted(staged.rotation!.next)).code, Exit.ok, "the switch, run as printed");
    const switched = await check(t.root);
    assert.equal(switched.code, Exit.ok);
    assert.deepEqual(
      [switched.rotation?.phase, switched.rotation?.next],
      ["switched", `etcdup certs rotate-ca --finish ${where(t.root)}`],
    );
    assert.match((await etcdup(["certs", "check", "--root", t.root])).stdout, /CA rotation: switched since /);

    assert.equal((await runPrinted(switched.rotation!.next)).code, Exit.ok, "the finish, run as printed");
    const done = await check(t.root);
    assert.deepEqual([done.code, done.rotation, done.problems], [Exit.ok, undefined, []]);
    assert.equal(t.host.stat(CA_ROTATION_FILE), undefined, "the record is gone");
    assert.doesNotMatch((await etcdup(["certs", "check", "--root", t.root])).stdout, /CA rotation/);
  } finally {
    await Deno.remove(out).catch(() => undefined);
    await t.cleanup();
  }
});

/** strace (all threads) tracing renames into `log`, then `more` options: a prefix for {@link runEtcdup}. */
function strace(log: string, ...more: string[]): string[] {
  return ["strace", "-f", "-qq", "-o", log, "-e", `trace=${RENAMES}`, ...more];
}

/**
 * Kills `rotate-ca ARGS(root)` on a copy of `template` at each of its renames, then converges as the module
 * doc says; `phase` is what check reports once the step is done (undefined: no rotation).
 */
async function killEachRename(
  base: string,
  template: string,
  args: (root: string) => string[],
  phase: string | undefined,
): Promise<void> {
  let n = 0;
  const copy = async (name: string) => {
    const root = path.join(base, `${path.basename(template)}-${name}-${++n}`);
    await execOk(["cp", "-a", template, root]);
    return root;
  };
  const rotate = (root: string, prefix: string[] = []) =>
    runEtcdup(["certs", "rotate-ca", ...args(root), "--root", root], prefix);
  const counted = await copy("counted");
  const log = path.join(base, "strace.log");
  const clean = await rotate(counted, strace(log));
  assert.equal(clean.code, 0, `a clean run: ${clean.stdout}${clean.stderr}`);
  assert.equal((await check(counted)).rotation?.phase, phase, "a clean run");
  const renames = (await Deno.readTextFile(log)).split("\n").filter((l) => /^\d+\s+rename/.test(l));
  assert.ok(renames.length >= 2, renames.join("\n"));
  let cutShort = 0;
  for (let at = 1; at <= renames.length; at++) {
    const label = `${args("R").join(" ")} killed at rename ${at}: ${renames[at - 1].slice(0, 160)}`;
    const root = await copy("run");
    const killed = await rotate(root, strace("/dev/null", "-e", `inject=${RENAMES}:signal=KILL:when=${at}`));
    assert.equal(killed.code, 128 + 9, `${label}: not killed\n${killed.stdout}${killed.stderr}`);
    const after = await check(root);
    if (after.rotation?.interrupted) {
      cutShort++;
      assert.equal(after.code, Exit.check, label);
      assert.ok(after.problems.includes("rotation-interrupted"), `${label}: ${after.problems}`);
      const again = await runPrinted(after.rotation.next);
      assert.equal(again.code, Exit.ok, `${label}: ${after.rotation.next}: ${JSON.stringify(again.error)}`);
    } else {
      const again = await rotate(root);
      assert.equal(again.code, 0, `${label}: re-run\n${again.stdout}${again.stderr}`);
    }
    const converged = await check(root);
    assert.deepEqual([converged.code, converged.rotation?.phase], [Exit.ok, phase], label);
    assert.deepEqual(mismatchedPairs(root, treeOf(root)), [], label);
    await Deno.remove(root, { recursive: true });
  }
  assert.ok(cutShort > 0, "some kill left a step cut short");
}

Deno.test("certs rotate-ca killed at every rename of each step converges: check names the step to re-run", async () => {
  const t = await hostRoot("pkitest");
  const base = await Deno.makeTempDir({ prefix: "etcdup-rotate-phases-" });
  try {
    const ca = path.join(base, "new-ca.pem");
    // warm: compiles the modules the rotation loads (the Deno cache renames too)
    const warm = await runEtcdup(["certs", "check", "--root", t.root]);
    assert.equal(warm.code, 0, warm.stderr);
    await killEachRename(base, t.root, (root) => ["--stage", "--out", `${root}.pem`], "staged");
    const staged = path.join(base, "staged");
    await execOk(["cp", "-a", t.root, staged]);
    assert.equal((await runEtcdup(["certs", "rotate-ca", "--stage", "--out", ca, "--root", staged])).code, 0);
    await killEachRename(base, staged, () => ["--ca-from", ca], "switched");
    const switched = path.join(base, "switched");
    await execOk(["cp", "-a", staged, switched]);
    assert.equal((await runEtcdup(["certs", "rotate-ca", "--ca-from", ca, "--root", switched])).code, 0);
    await killEachRename(base, switched, () => ["--finish"], undefined);
  } finally {
    await exec(["rm", "-rf", base]);
    await t.cleanup();
  }
});
