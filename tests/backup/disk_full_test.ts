/**
 * A full backup disk: the snapshot does not fit (etcdctl fails writing it) or fits but its record does not
 * (etcdup's own write fails). Before, the first said "etcd must be running and healthy" and the second was an
 * `internal` error ("this is a bug"); now both are `backup-disk-full` (exit 1) naming the directory, and
 * nothing partial is left under any name. The backup directory is a small tmpfs mounted in a mount namespace
 * of the etcdup process (`unshare -m`), gone with it; real etcd on loopback. With `--encrypt-to` the
 * ciphertext, written while etcdctl still writes the snapshot, may be what does not fit: the same refusal
 * (that early failure once ended the process as an unhandled rejection, with no answer). And a hand-edited
 * state record whose member name climbs out of the backup dir writes no snapshot there.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { startLocalCluster } from "../cluster/local_cluster.ts";
import { inTempDir } from "../release/helpers.ts";
import { etcdupArgv, lastJson, runEtcdup } from "../support/root_tree.ts";
import { writeState } from "../../lib/host/state.ts";
import { exec } from "../support/exec.ts";
import { BACKUP_DIR, backupTree } from "./snapshots.ts";

Deno.test("backup onto a full disk: backup-disk-full (exit 1), no partial snapshot or record left", async () => {
  const c = await startLocalCluster(1);
  try {
    await inTempDir(async (root) => {
      const { host } = backupTree(c, root);
      const dir = host.resolve(BACKUP_DIR);
      // 8k: the snapshot (about 20 KiB) does not fit; 24k: it fits, its record beside it does not; 32k with
      // --encrypt-to: the snapshot fits, its ciphertext (written while etcdctl writes the snapshot) does not
      const recipient = (await exec(["sh", "-c", "age-keygen 2>/dev/null | age-keygen -y"])).stdout.trim();
      for (const [size, ...more] of [["8k"], ["24k"], ["32k", "--encrypt-to", recipient]]) {
        const script = `mount -t tmpfs -o size=${size},mode=0700 etcdup-test "$1" || exit 99; d=$1; shift
          "$@"; rc=$?; ls -A "$d" | sed 's/^/left: /' >&2; exit $rc`;
        const r = await exec(
          [
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            dir,
            ...etcdupArgv([
              "backup",
              "--root",
              root,
              "--json",
              ...more,
            ]),
          ],
          { env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1" }, timeoutMs: 120_000 },
        );
        assert.equal(r.code, 1, `${size}: ${r.stdout}${r.stderr}`);
        assert.equal(lastJson(r.stdout).code, "backup-disk-full", `${size}: ${r.stdout}`);
        assert.match(r.stdout, /no space left for the snapshot in /);
        assert.deepEqual(
          fs.readdirSync(dir),
          [],
          "the tmpfs went with the namespace; nothing under it either",
        );
      }
    });
  } finally {
    await c.close();
  }
});

Deno.test("backup with a hand-edited state record whose name climbs out of the backup dir: refused (exit 7)", async () => {
  const c = await startLocalCluster(1);
  try {
    await inTempDir(async (root) => {
      const { host, state } = backupTree(c, root);
      writeState(host, { ...state, name: "../../../../etc/cron.d/evil" });
      host.ensureDir("/etc/cron.d", { uid: 0, gid: 0, mode: 0o755 });
      const r = await runEtcdup(["backup", "--root", root, "--json"]);
      assert.equal(r.code, 7, r.stdout + r.stderr);
      assert.equal(lastJson(r.stdout).code, "state-unreadable", r.stdout);
      assert.deepEqual(
        fs.readdirSync(host.resolve("/etc/cron.d")),
        [],
        "no snapshot written outside the backup dir",
      );
    });
  } finally {
    await c.close();
  }
});
