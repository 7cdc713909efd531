/**
 * The building blocks on a real etcd snapshot: a snapshot of a real member (Debian's etcd, on loopback) is
 * encrypted by etcdup to an age recipient and shipped to s3rver with its record; rclone fetches it, Debian's
 * `age` decrypts it with the identity and `etcdutl snapshot status` reads it; etcdup's own fetch + decrypt
 * gives the same snapshot back.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { decryptFile, encryptFile, loadIdentities, loadRecipients } from "../../lib/backup/age.ts";
import { fetchSnapshot, shipSnapshot } from "../../lib/offsite/ship.ts";
import { exec, execOk } from "../support/exec.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { startS3rver } from "../support/s3rver.ts";
import { waitUntil } from "../support/wait.ts";
import { freePort } from "../pki/helpers.ts";
import { fileSha256, rclone, runClean, testClient } from "./helpers.ts";

/** `etcdutl snapshot status` of a file: revision and key count. */
async function status(etcdutl: string, file: string): Promise<{ revision: number; totalKey: number }> {
  const out = JSON.parse(await execOk([etcdutl, "snapshot", "status", "--write-out=json", file]));
  return { revision: out.revision, totalKey: out.totalKey };
}

Deno.test("a real snapshot: etcdup encrypts and ships it; rclone + age -d + etcdutl read it; etcdup fetches it back", async () => {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    console.warn("skipped: the etcd fixture is amd64 Linux");
    return;
  }
  const fx = await etcdFixture("sid");
  const dir = await Deno.makeTempDir({ prefix: "etcdup-offsite-real-" });
  const s3 = await startS3rver(["snaps"]);
  let etcd: Deno.ChildProcess | undefined;
  try {
    await execOk(["tar", "-xzf", fx.tarball, "-C", dir, "--strip-components=1"]);
    const bin = (t: string) => path.join(dir, t);
    const client = `http://127.0.0.1:${freePort()}`;
    const peer = `http://127.0.0.1:${freePort()}`;
    etcd = new Deno.Command(bin("etcd"), {
      args: [
        "--name=n1",
        `--data-dir=${path.join(dir, "data")}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=n1=${peer}`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const ctl = (...args: string[]) =>
      execOk([bin("etcdctl"), `--endpoints=${client}`, ...args], { timeoutMs: 20_000 });
    await waitUntil(
      async () =>
        (await exec([bin("etcdctl"), `--endpoints=${client}`, "endpoint", "health"])).code === 0 || undefined,
      30_000,
      "etcd to be healthy",
      200,
    );
    for (let i = 0; i < 50; i++) await ctl("put", `/k/${i}`, `value-${i}`);
    const plain = path.join(dir, "snap.db");
    await ctl("snapshot", "save", plain);
    const before = await status(bin("etcdutl"), plain);
    assert.ok(before.totalKey >= 50);

    assert.equal((await runClean(["age-keygen", "-o", path.join(dir, "id")])).code, 0);
    const recipient = (await runClean(["age-keygen", "-y", path.join(dir, "id")])).stdout.trim();
    const name = `etcdup-20261201T220000.000Z-n1-${fx.version}.db.age`;
    const sealed = path.join(dir, name);
    const enc = await encryptFile(plain, sealed, loadRecipients([recipient]));
    const s3c = testClient(s3, "s3://snaps/etcd/prod");
    try {
      await shipSnapshot(s3c, sealed, { sha256: enc.sha256 });
      await rclone(s3, dir, ["copyto", `T:snaps/etcd/prod/${name}`, path.join(dir, "by-rclone.age")]);
      const d = await runClean([
        "age",
        "-d",
        "-i",
        path.join(dir, "id"),
        "-o",
        path.join(dir, "by-age.db"),
        path.join(dir, "by-rclone.age"),
      ]);
      assert.equal(d.code, 0, d.stderr);
      assert.deepEqual(await status(bin("etcdutl"), path.join(dir, "by-age.db")), before);
      assert.equal(fileSha256(path.join(dir, "by-age.db")), fileSha256(plain));

      const into = path.join(dir, "fetched");
      fs.mkdirSync(into);
      const got = await fetchSnapshot(s3c, `etcd/prod/${name}`, into);
      const back = path.join(into, "restored.db");
      await decryptFile(got.path, back, loadIdentities(path.join(dir, "id")));
      assert.deepEqual(await status(bin("etcdutl"), back), before);
    } finally {
      await s3c.close();
    }
  } finally {
    if (etcd) {
      etcd.kill("SIGTERM");
      await etcd.status;
    }
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
