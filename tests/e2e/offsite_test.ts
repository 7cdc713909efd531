/**
 * Issue 16 on real parts: a booted systemd container with real etcd 3.5, s3rver (checks SigV4) on the
 * container's loopback (its network namespace), Debian's rclone and age as the independent client and
 * decrypter. Proven: `etcdup backup --encrypt-to --upload` keeps only an encrypted `.db.age` locally and
 * uploads it with its record; rclone lists both; `age -d` with the identity gives a snapshot `etcdutl
 * snapshot status` reads; the backup timer's run (no flags) uploads too, with the recorded settings, and
 * the bucket gets the directory's retention;
 * `backup list --remote` shows them encrypted, `status` the newest remote one; `restore --latest
 * --identity` brings the keys back from the bucket; with the server down the timer's run fails visibly, the
 * local snapshot is kept and `status` reports the problem (exit 6).
 */
import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { withFixtureNode } from "../support/fixture_node.ts";
import { startS3rver, type TestS3 } from "../support/s3rver.ts";
import type { ExecResult } from "../support/exec.ts";
import { rcloneEnv, runClean } from "../offsite/helpers.ts";
import { parseSnapshotName } from "../../lib/backup/names.ts";

const DIR = "/var/backups/etcd";
const ETCDCTL = "etcdctl --dial-timeout=3s --command-timeout=20s";

function expectExit(r: ExecResult, code: number, what: string): void {
  if (r.code !== code) throw new Error(`${what}: exit ${r.code}, expected ${code}\n${r.stdout}\n${r.stderr}`);
}

function jsonResult(r: ExecResult): Record<string, unknown> {
  const lines = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const result = lines.find((l) => l.event === "result");
  if (!result) throw new Error(`no result event in:\n${r.stdout}\n${r.stderr}`);
  return result.result as Record<string, unknown>;
}

/** Object names under `snaps/etcd/`, as rclone (run in the namespace) lists them. */
async function bucketNames(s3: TestS3, netns: string, dir: string): Promise<string[]> {
  const r = await runClean(
    ["ip", "netns", "exec", netns, "rclone", "lsf", "T:snaps/etcd"],
    rcloneEnv(s3, dir),
  );
  expectExit(r, 0, "rclone lsf");
  return r.stdout.split("\n").filter((l) => l !== "").sort();
}

/** The newest etcdup snapshot name in an `ls -A` listing. */
function newestLocal(ls: string): string {
  return ls.split("\n").filter((f) => parseSnapshotName(f)).sort().pop() ?? "";
}

Deno.test("offsite backups on a real systemd node: encrypted upload, timer, rclone + age + etcdutl, restore --latest, server down", async (t) => {
  await withFixtureNode(
    { name: "offsite", hostname: "etcd-o", prefix: "10.94.0" },
    async ({ etcdup, ct, install, host }) => {
      const run = (args: string[]) => etcdup.run(ct, args, { timeoutMs: 240_000 });
      const tmp = await Deno.makeTempDir({ prefix: "etcdup-e2e-offsite-" });
      const s3 = await startS3rver(["snaps"], { netns: host.netns });
      try {
        expectExit(await run(install), 0, "install");
        expectExit(await ct.shell(`${ETCDCTL} put a 1 && ${ETCDCTL} put b 2`), 0, "put a, b");
        const identity = path.join(tmp, "id.txt");
        expectExit(await runClean(["age-keygen", "-o", identity]), 0, "age-keygen");
        const recipient = (await runClean(["age-keygen", "-y", identity])).stdout.trim();
        const creds = path.join(tmp, "s3.ini");
        fs.writeFileSync(
          creds,
          `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
        );
        await ct.copyIn(creds, "/etc/etcdup/s3.ini", 0o600);
        await ct.copyIn(identity, "/root/id.txt", 0o600);

        await t.step(
          "backup --encrypt-to --upload: only a .db.age stays local; it and its record are in the bucket",
          async () => {
            const r = await run([
              "backup",
              "--encrypt-to",
              recipient,
              "--upload",
              "s3://snaps/etcd",
              "--s3-endpoint",
              s3.endpoint,
              "--s3-credentials",
              "/etc/etcdup/s3.ini",
              "--json",
            ]);
            expectExit(r, 0, "backup --upload");
            const result = jsonResult(r) as {
              file: string;
              record: { sha256: string; encrypted?: boolean };
              upload: { uploaded: { url: string; sha256: string } };
            };
            assert(result.file.endsWith(".db.age"), result.file);
            assertEquals(result.record.encrypted, true);
            assertEquals(
              result.upload.uploaded.sha256,
              result.record.sha256,
              "the recorded digest is of what was stored",
            );
            const local = (await ct.execOk(["ls", "-A", DIR])).split("\n").filter((f) =>
              parseSnapshotName(f)
            );
            assertEquals(local, [path.basename(result.file)], "no plaintext snapshot is left");
            const name = path.basename(result.file);
            assertEquals(await bucketNames(s3, host.netns, tmp), [name, `${name}.json`]);
          },
        );

        await t.step("age -d with the identity decrypts the uploaded object; etcdutl reads it", async () => {
          const stored = fs.readdirSync(path.join(s3.dir, "snaps", "etcd")).find((f) =>
            f.endsWith(".db.age._S3rver_object")
          )!;
          const plain = path.join(tmp, "plain.db");
          const d = await runClean([
            "age",
            "-d",
            "-i",
            identity,
            "-o",
            plain,
            path.join(s3.dir, "snaps", "etcd", stored),
          ]);
          expectExit(d, 0, "age -d");
          await ct.copyIn(plain, "/root/plain.db", 0o600);
          const status = JSON.parse(
            await ct.execOk(["/usr/local/bin/etcdutl", "snapshot", "status", "/root/plain.db", "-w", "json"]),
          );
          assert(status.totalKey >= 2, JSON.stringify(status));
        });

        let uploadedByTimer = "";
        await t.step(
          "the timer's run uploads with the recorded settings; one per hour in the bucket too",
          async () => {
            const first = (await bucketNames(s3, host.netns, tmp)).filter((n) => n.endsWith(".db.age"));
            expectExit(await ct.shell(`${ETCDCTL} put c 3`), 0, "put c");
            const timer = await ct.exec(["systemctl", "start", "etcdup-backup.service"], {
              timeoutMs: 180_000,
            });
            expectExit(timer, 0, "timer run");
            const names = (await bucketNames(s3, host.netns, tmp)).filter((n) => n.endsWith(".db.age"));
            assertEquals(
              names.length,
              1,
              `the hourly policy keeps the newest of this hour: ${names.join(",")}`,
            );
            assert(names[0] !== first[0], "the timer's snapshot replaced the earlier one of the same hour");
            assertEquals(newestLocal(await ct.execOk(["ls", "-A", DIR])), names[0]);
            uploadedByTimer = names[0];
            const status = jsonResult(await run(["status", "--json"])) as {
              backups: { remote?: { newest?: { url: string; ageSeconds: number } } };
            };
            assertEquals(
              status.backups.remote?.newest?.url,
              `s3://snaps/etcd/${names[0]}`,
              "status shows the newest remote",
            );
            const list = await run(["backup", "list", "--remote", "--json"]);
            expectExit(list, 0, "backup list --remote");
            const snaps =
              (jsonResult(list) as { snapshots: { url: string; encrypted: boolean; record: boolean }[] })
                .snapshots;
            assertEquals(snaps.map((s) => [s.url, s.encrypted, s.record]), [[
              `s3://snaps/etcd/${names[0]}`,
              true,
              true,
            ]]);
          },
        );

        await t.step("restore --latest --identity brings the keys back from the bucket", async () => {
          expectExit(await ct.shell(`${ETCDCTL} del "" --prefix && ${ETCDCTL} put z 26`), 0, "overwrite");
          const r = await run([
            "restore",
            "--latest",
            "--identity",
            "/root/id.txt",
            "--health-timeout",
            "120",
          ]);
          expectExit(r, 0, "restore --latest");
          const keys = (await ct.execOk(["bash", "-lc", `${ETCDCTL} get "" --prefix --keys-only`])).split(
            "\n",
          ).filter((l) => l).sort();
          assertEquals(keys, ["a", "b", "c"]);
          const leftovers = (await ct.execOk(["ls", "-A", DIR])).split("\n").filter((f) =>
            f.startsWith(".etcdup-restore-")
          );
          assertEquals(leftovers, [], "the fetched files are removed after the restore");
        });

        await t.step(
          "with the server down the timer's run fails visibly and the local snapshot is kept",
          async () => {
            await s3.stop();
            const r = await ct.exec(["systemctl", "start", "etcdup-backup.service"], { timeoutMs: 240_000 });
            assert(r.code !== 0, "systemctl start reports the failed run");
            const failed = await ct.exec(["systemctl", "is-failed", "etcdup-backup.service"]);
            assertEquals(failed.stdout.trim(), "failed");
            const kept = newestLocal(await ct.execOk(["ls", "-A", DIR]));
            assert(kept > uploadedByTimer, `a newer local snapshot ${kept} is kept`);
            const journal = await ct.execOk([
              "journalctl",
              "-u",
              "etcdup-backup.service",
              "--no-pager",
              "-n",
              "30",
            ]);
            assertMatch(journal, /Connection refused|ECONNREFUSED/);
            assert(journal.includes(`${kept} is kept`), journal);
            const status = await run(["status", "--json"]);
            assertEquals(status.code, 6, "status reports the remote backups it cannot list");
            const problems = (jsonResult(status) as { problems: string[] }).problems;
            assert(
              problems.some((p) => p.startsWith("cannot list the remote backups in s3://snaps/etcd")),
              problems.join("\n"),
            );
          },
        );
      } finally {
        await s3.stop();
        await Deno.remove(tmp, { recursive: true });
      }
    },
  );
});
