/**
 * `restore FILE.db.age --dry-run` refuses exactly as the run does, in-process on a `--root` tree: the dry
 * run's observation and plan (lib/observe/restore.ts, lib/backup/restore_plan.ts) against the run's
 * (the same, then lib/offsite/restore_prep.ts), each refusal by its exit status and error code: a missing
 * file, no `--identity`, an identity file that is unreadable, holds no key or that others may read
 * (`age-identity-unsafe`), no record, a digest that differs, the wrong identity, no age file. The last two
 * the dry run finds by reading the age header alone; the run by decrypting (lib/backup/age.ts's
 * decryptFile, compared directly: the run decrypts into a root-owned work directory).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { sha256FileAsync } from "../../lib/host/hash.ts";
import { decryptFile, encryptFile, loadIdentities } from "../../lib/backup/age.ts";
import { planRestore, renderRestorePlan } from "../../lib/backup/restore_plan.ts";
import { observeRestore } from "../../lib/observe/restore.ts";
import { restoreInput } from "../../lib/offsite/restore_prep.ts";
import { memberState } from "../daytwo/fixtures.ts";
import { craftedRecord } from "../backup/snapshots.ts";
import { inTempDir } from "../release/helpers.ts";
import { randomFile } from "./helpers.ts";

const state = memberState({});
const NOW = new Date("2026-12-02T12:00:00.000Z");

/** The error `fn` fails with, as [code, exit]; fails the test when it succeeds or throws something else. */
async function refusal(fn: () => Promise<unknown>): Promise<[string, number]> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof EtcdupError) return [err.code, err.exit];
    throw err;
  }
  throw new Error("expected a refusal");
}

Deno.test("restore .db.age: the dry run refuses as the run does (exit and code), reading only the age header", async () => {
  await inTempDir(async (dir) => {
    const host = new HostRoot(path.join(dir, "root"));
    const id = path.join(dir, "id");
    const other = path.join(dir, "other");
    const unsafe = path.join(dir, "unsafe");
    const empty = path.join(dir, "empty");
    const key = await generateIdentity();
    fs.writeFileSync(id, `# created: 2026-12-02\n${key}\n`, { mode: 0o600 });
    fs.writeFileSync(other, `${await generateIdentity()}\n`, { mode: 0o600 });
    fs.writeFileSync(unsafe, `${key}\n`, { mode: 0o600 });
    fs.chmodSync(unsafe, 0o644);
    fs.writeFileSync(empty, "# no key\n", { mode: 0o600 });

    const plain = path.join(dir, "plain.db");
    randomFile(plain, 300_000);
    /** `name` beside its record (of its own bytes unless `recorded` says otherwise). */
    const sealed = async (name: string, recorded?: string) => {
      const file = path.join(dir, name);
      if (!fs.existsSync(file)) await encryptFile(plain, file, [await identityToRecipient(key)]);
      const sha256 = recorded ?? await sha256FileAsync(file);
      const record = { ...craftedRecord(name, state.name, NOW), sha256, encrypted: true };
      fs.writeFileSync(`${file}.json`, JSON.stringify(record));
      return file;
    };
    const good = await sealed("good.db.age");
    const changed = await sealed("changed.db.age", "0".repeat(64));
    const bare = path.join(dir, "bare.db.age");
    await encryptFile(plain, bare, [await identityToRecipient(key)]);
    const junk = path.join(dir, "junk.db.age");
    randomFile(junk, 1000);
    await sealed("junk.db.age");

    const observe = (arg: string, identity: string | undefined, dryRun: boolean) =>
      observeRestore(host, state, { arg, latest: false, dryRun, options: { identity }, env: {} });
    const markerFile = host.resolve("/var/lib/etcdup/restore.json");
    const plan = async (arg: string, identity: string | undefined, dryRun: boolean) => {
      const o = await observe(arg, identity, dryRun);
      return { o, plan: planRestore(o, { force: false, identity, markerFile }, NOW) };
    };
    const dryRun = (arg: string, identity?: string) => refusal(() => plan(arg, identity, true));
    const run = (arg: string, identity?: string) =>
      refusal(async () => {
        const { o } = await plan(arg, identity, false);
        await restoreInput(host, { identity }, o.source, arg, {}, "/var/backups/etcd");
      });

    const cases: [string, string | undefined, [string, number]][] = [
      [path.join(dir, "missing.db.age"), id, ["snapshot-missing", Exit.usage]],
      [good, undefined, ["identity-required", Exit.usage]],
      [good, path.join(dir, "nope"), ["age-identity-unreadable", Exit.usage]],
      [good, empty, ["age-identity-invalid", Exit.usage]],
      [good, unsafe, ["age-identity-unsafe", Exit.precondition]],
      [bare, id, ["snapshot-unverified", Exit.verification]],
      [changed, id, ["snapshot-digest-mismatch", Exit.verification]],
    ];
    for (const [file, identity, want] of cases) {
      const what = `${path.basename(file)} --identity ${identity && path.basename(identity)}`;
      assert.deepEqual(await dryRun(file, identity), want, `dry run: ${what}`);
      assert.deepEqual(await run(file, identity), want, `run: ${what}`);
    }
    // The header: the dry run reads it; the run's decryption (what restoreInput calls next) refuses alike.
    const decrypted = path.join(dir, "out.db");
    for (
      const [file, identity, want] of [
        [good, other, ["age-wrong-identity", Exit.verification]],
        [junk, id, ["age-decrypt-failed", Exit.verification]],
      ] as const
    ) {
      assert.deepEqual(await dryRun(file, identity), want, `dry run: ${path.basename(file)}`);
      assert.deepEqual(
        await refusal(() => decryptFile(file, decrypted, loadIdentities(identity))),
        want,
        `run's decryption: ${path.basename(file)}`,
      );
      assert.ok(!fs.existsSync(decrypted), "no plaintext is left");
    }

    const ok = await plan(good, id, true);
    assert.match(renderRestorePlan(ok.plan), /matches its record[^]*age header opens with it: read now/);
    assert.ok(!fs.existsSync(host.resolve("/var/backups/etcd")), "the dry runs wrote nothing");
    assert.deepEqual(
      await refusal(() => observe(undefined as unknown as string, id, true)),
      ["restore-needs-source", Exit.usage],
    );
  });
});
