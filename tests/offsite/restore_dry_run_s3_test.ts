/**
 * `restore s3://BUCKET/PREFIX/NAME --dry-run` (and `--latest`) against a real S3-protocol server (s3rver,
 * tests/support/s3rver.ts) on a `--root` tree: the dry run finds the object the run would fetch, reads its
 * record and its first bytes (the age header, checked with the identity), says what would be downloaded,
 * verified, decrypted and restored, and writes nothing; where the run refuses, the dry run refuses with the
 * same exit status and error code (no identity, an identity others may read, the wrong identity, no record, a
 * prefix, an empty prefix), and the refused run leaves nothing behind either.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { Exit } from "../../lib/errors.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { writeState } from "../../lib/host/state.ts";
import { encryptFile } from "../../lib/backup/age.ts";
import { shipSnapshot } from "../../lib/offsite/ship.ts";
import { snapshotFileName } from "../../lib/backup/names.ts";
import { memberState } from "../daytwo/fixtures.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { startS3rver } from "../support/s3rver.ts";
import { randomFile, testClient } from "./helpers.ts";

/** Every path under `dir` with its size, sorted: what a run that writes nothing leaves as it was. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort().map((p) =>
    `${p} ${fs.lstatSync(path.join(dir, p)).size}`
  );
}

Deno.test("restore s3:// --dry-run and --latest: the object found and checked, nothing written; refusals as the run's", async () => {
  const s3 = await startS3rver(["snaps"]);
  const dir = await Deno.makeTempDir({ prefix: "etcdup-restore-dry-s3-" });
  try {
    const root = path.join(dir, "root");
    const host = new HostRoot(root);
    const state = memberState({});
    host.ensureDir(state.dataDir, { uid: 0, gid: 0, mode: 0o700 });
    writeState(host, state);
    const id = path.join(dir, "id");
    const other = path.join(dir, "other");
    const unsafe = path.join(dir, "unsafe");
    const key = await generateIdentity();
    fs.writeFileSync(id, `${key}\n`, { mode: 0o600 });
    fs.writeFileSync(other, `${await generateIdentity()}\n`, { mode: 0o600 });
    fs.writeFileSync(unsafe, `${key}\n`, { mode: 0o600 });
    fs.chmodSync(unsafe, 0o644);

    const older = path.join(dir, snapshotFileName(new Date("2026-12-01T10:00:00Z"), state.name, "v3.5.30"));
    const olderSha = randomFile(older, 100_000);
    const plain = path.join(dir, "plain.db");
    randomFile(plain, 200_000);
    const newestName = `${snapshotFileName(new Date("2026-12-02T10:00:00Z"), state.name, "v3.5.30")}.age`;
    const sealed = path.join(dir, newestName);
    const enc = await encryptFile(plain, sealed, [await identityToRecipient(key)]);
    const orphan = path.join(dir, "orphan.db");
    randomFile(orphan, 1000);
    const client = testClient(s3, "s3://snaps/etcd/");
    try {
      await shipSnapshot(client, older, { sha256: olderSha });
      await shipSnapshot(client, sealed, { sha256: enc.sha256 });
      await client.uploadFile("etcd/orphan.db", orphan);
    } finally {
      await client.close();
    }

    const env = {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      NO_COLOR: "1",
    };
    const restore = async (...args: string[]) => {
      const r = await runEtcdup(
        ["restore", ...args, "--s3-endpoint", s3.endpoint, "--root", root, "--json"],
        env,
      );
      const events = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      const error = events.find((e) => e.event === "error");
      return {
        r,
        exit: r.code,
        code: error?.code as string | undefined,
        result: events.find((e) => e.event === "result")?.result,
      };
    };
    const before = tree(root);

    // The named object: what would be downloaded, verified against its record, decrypted and restored.
    const url = `s3://snaps/etcd/${newestName}`;
    const named = await restore(url, "--identity", id, "--dry-run");
    assert.equal(named.exit, 0, named.r.stdout + named.r.stderr);
    const verify = (named.result.plan.verify as string[]).join("\n");
    assert.equal(named.result.plan.from, url);
    assert.match(verify, new RegExp(`download ${url} \\(${enc.size} bytes`));
    assert.ok(verify.includes(`against the record's ${enc.sha256}`), verify);
    assert.match(verify, /decrypt it with --identity .*age header opens with it: read now/);
    assert.equal(named.result.plan.target, state.dataDir);
    assert.deepEqual(tree(root), before, "the dry run wrote nothing");

    // --latest picks the newest; a plaintext object is said without a decryption.
    const latest = await restore("--latest", "s3://snaps/etcd", "--identity", id, "--dry-run");
    assert.equal(latest.exit, 0, latest.r.stdout + latest.r.stderr);
    assert.equal(latest.result.plan.from, url);
    const old = await restore(`s3://snaps/etcd/${path.basename(older)}`, "--dry-run");
    assert.equal(old.exit, 0, old.r.stdout + old.r.stderr);
    assert.ok(!(old.result.plan.verify as string[]).some((v) => v.includes("decrypt")), old.r.stdout);
    assert.deepEqual(tree(root), before, "the dry runs wrote nothing");

    // Each refusal: the dry run's exit and code are the run's, and the refused run leaves no work dir.
    const refusals: [string[], string, number][] = [
      [[url], "identity-required", Exit.usage],
      [[url, "--identity", unsafe], "age-identity-unsafe", Exit.precondition],
      [[url, "--identity", other], "age-wrong-identity", Exit.verification],
      [["s3://snaps/etcd/orphan.db"], "remote-record-missing", Exit.network],
      [["s3://snaps/etcd/"], "restore-url-not-object", Exit.usage],
      [["--latest", "s3://snaps/nothing"], "remote-no-snapshot", Exit.precondition],
    ];
    for (const [args, code, exit] of refusals) {
      const pre = tree(root); // a run refused after its download made the (empty) backup dir
      const dry = await restore(...args, "--dry-run");
      assert.deepEqual([dry.exit, dry.code], [exit, code], `dry run ${args.join(" ")}: ${dry.r.stdout}`);
      assert.deepEqual(tree(root), pre, `the dry run ${args.join(" ")} wrote nothing`);
      const run = await restore(...args);
      assert.deepEqual([run.exit, run.code], [exit, code], `run ${args.join(" ")}: ${run.r.stdout}`);
      const backups = host.resolve("/var/backups/etcd");
      const left = fs.existsSync(backups) ? fs.readdirSync(backups) : [];
      assert.deepEqual(left, [], `the refused run ${args.join(" ")} left no work dir`);
      assert.deepEqual(fs.readdirSync(host.resolve(state.dataDir)), [], "the data dir is untouched");
      if (code !== "age-wrong-identity") {
        assert.deepEqual(tree(root), pre, `the run refused before its download (${code}) wrote nothing`);
      }
    }
  } finally {
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
