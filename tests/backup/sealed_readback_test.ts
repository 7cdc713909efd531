/**
 * `backup --encrypt-to --upload` encrypts the snapshot while etcdctl writes it, before `snapshot status` has
 * read it back: that encryption is speculative, and a snapshot that does not read back is never published,
 * neither renamed into the backup directory nor uploaded. On a --root tree beside a real loopback etcd and
 * s3rver, with the tree's etcdctl replaced by one that saves garbage (as etcdctl does: `FILE.part`, renamed)
 * and its etcdutl by the real one run after a look at the backup directory, which shows the ciphertext
 * being written while the plaintext is read back. A second run with the real etcdctl backs up and uploads,
 * so the first failed on the snapshot alone.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { lastJson, runEtcdup } from "../support/root_tree.ts";
import { encryptedUploadArgs, rclone, withTreeAndS3 } from "../offsite/helpers.ts";
import { BACKUP_DIR } from "./snapshots.ts";

/** Writes `file` executable (mode 0755). */
function script(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o755 });
}

Deno.test("a snapshot that does not read back is neither kept nor uploaded, though it was encrypted while saved", async () => {
  await withTreeAndS3("sealed", "etcdup-sealed-readback-", async ({ s3, work, tree, host }) => {
    const bin = host.resolve("/usr/local/bin");
    for (const tool of ["etcdctl", "etcdutl"]) {
      fs.renameSync(path.join(bin, tool), path.join(bin, `${tool}.real`));
    }
    // etcdctl's way of saving (FILE.part, then renamed), 8 MiB of garbage instead of a snapshot.
    script(
      path.join(bin, "etcdctl"),
      `#!/bin/sh\nfor last; do :; done\nhead -c 8388608 /dev/urandom > "$last.part" && mv "$last.part" "$last"\n`,
    );
    const seen = path.join(work, "seen");
    script(
      path.join(bin, "etcdutl"),
      `#!/bin/sh\nls -a "$(dirname "$3")" > ${seen}\nsleep 1\nexec "$(dirname "$0")/etcdutl.real" "$@"\n`,
    );
    const args = await encryptedUploadArgs(s3, work, tree, "s3://sealed/etcd");
    const backup = () => runEtcdup([...args, "--json"]);

    const bad = await backup();
    assert.equal(bad.code, Exit.verification, bad.stdout + bad.stderr);
    assert.equal(lastJson(bad.stdout).code, "snapshot-unverified", bad.stdout);
    const during = fs.readFileSync(seen, "utf8").split("\n");
    assert.ok(
      during.some((n) => n.endsWith(".db.age.etcdup-partial")),
      `the ciphertext was being written while the snapshot was read back: ${during}`,
    );
    assert.deepEqual(fs.readdirSync(host.resolve(BACKUP_DIR)).filter((n) => n !== ".etcdup-backup.lock"), []);
    assert.equal((await rclone(s3, work, ["lsf", "-R", "T:sealed"])).trim(), "", "nothing in the bucket");

    for (const tool of ["etcdctl", "etcdutl"]) {
      fs.renameSync(path.join(bin, `${tool}.real`), path.join(bin, tool));
    }
    const good = await backup();
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const kept = fs.readdirSync(host.resolve(BACKUP_DIR)).filter((n) => n.endsWith(".db.age"));
    assert.equal(kept.length, 1, `${kept}`);
    const listed = (await rclone(s3, work, ["lsf", "-R", "T:sealed/etcd"])).trim().split("\n").sort();
    assert.deepEqual(listed, [kept[0], `${kept[0]}.json`]);
  });
});
