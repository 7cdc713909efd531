/**
 * `backup --encrypt-to --upload` encrypts with the age binary the host has, and says so; `ETCDUP_AGE=builtin`
 * takes the built-in library; an `ETCDUP_AGE` binary that fails mid-stream refuses the backup (exit 1,
 * `age-cli-failed`) with nothing kept, nothing left behind and nothing uploaded. On a --root tree beside a
 * real loopback etcd and s3rver; what both implementations kept opens with Debian's `age -d -i` to the
 * plaintext the record names.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import type { SnapshotRecord } from "../../lib/backup/store.ts";
import { lastJson, runEtcdup } from "../support/root_tree.ts";
import { encryptedUploadArgs, fileSha256, rclone, runClean, withTreeAndS3 } from "../offsite/helpers.ts";
import { BACKUP_DIR } from "./snapshots.ts";

Deno.test("backup encrypts with the age binary when there is one, built-in on demand, and refuses a failing one", async () => {
  await withTreeAndS3("agecli", "etcdup-age-cli-backup-", async ({ s3, work, tree, host }) => {
    const dir = host.resolve(BACKUP_DIR);
    const args = [...await encryptedUploadArgs(s3, work, tree, "s3://agecli/etcd"), "--json"];
    const backup = (env: string[]) => runEtcdup(args, env.length > 0 ? ["env", ...env] : []);
    const entries = () => fs.readdirSync(dir).filter((n) => n !== ".etcdup-backup.lock").sort();

    // A stand-in that reads 1 MiB of the plaintext, writes an age header and fails.
    const failing = path.join(work, "age-fails");
    fs.writeFileSync(
      failing,
      `#!/bin/sh\n[ "$1" = --version ] && { echo 1.1.1; exit 0; }\nhead -c 1048576 >/dev/null\necho age-encryption.org/v1\necho 'stand-in failure' >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    const bad = await backup([`ETCDUP_AGE=${failing}`]);
    assert.equal(bad.code, Exit.failure, bad.stdout + bad.stderr);
    assert.equal(lastJson(bad.stdout).code, "age-cli-failed", bad.stdout);
    assert.deepEqual(entries(), [], "nothing kept, no temp left");
    assert.equal((await rclone(s3, work, ["lsf", "-R", "T:agecli"])).trim(), "", "nothing uploaded");

    const bin = (await runClean(["sh", "-c", "command -v age"])).stdout.trim();
    for (
      const [env, said] of [
        [[], new RegExp(`^age \\d+\\.\\d+\\.\\d+ \\(${bin}\\)$`)],
        [["ETCDUP_AGE=builtin"], /^built-in age-encryption$/],
      ] as const
    ) {
      const before = new Set(entries());
      const good = await backup([...env]);
      assert.equal(good.code, 0, good.stdout + good.stderr);
      const result = lastJson(good.stdout).result as { encryptedWith: string; record: SnapshotRecord };
      assert.match(result.encryptedWith, said);
      const kept = entries().filter((n) => !before.has(n) && n.endsWith(".db.age"));
      assert.equal(kept.length, 1, `${env}: ${entries()}`);
      const sealed = path.join(dir, kept[0]);
      assert.equal(fileSha256(sealed), result.record.sha256, `${env}: the digest is of what was stored`);
      const opened = path.join(work, `${kept[0]}.plain`);
      const d = await runClean(["age", "-d", "-i", path.join(work, "id"), "-o", opened, sealed]);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(
        fileSha256(opened),
        result.record.plainSha256,
        `${env}: age -d gives the snapshot read back`,
      );
    }
    assert.ok(entries().every((n) => !n.includes("etcdup-partial")), `${entries()}`);
  });
});
