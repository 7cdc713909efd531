/**
 * Snapshots survive `uninstall --purge` and go only with `--purge-backups`, which removes etcdup's snapshots,
 * records and leftovers and nothing else in the directory; `--dry-run` says which. On a fake install under
 * --root (no etcd needed).
 */
import assert from "node:assert/strict";
import { main } from "../../main.ts";
import type { HostRoot } from "../../lib/host/fs.ts";
import { snapshotFileName, tempFileName } from "../../lib/backup/names.ts";
import { inFakeInstall } from "../daytwo/fixtures.ts";

const DIR = "/var/backups/etcd";
const own = { uid: 0, gid: 0, mode: 0o600 };

/** Two etcdup snapshots with records, a leftover temp file and a foreign file in the backup directory. */
function fillBackups(host: HostRoot): string[] {
  host.ensureDir(DIR, { uid: 0, gid: 0, mode: 0o700 });
  const names = [1, 2].map((h) => snapshotFileName(new Date(Date.UTC(2026, 10, 30, h)), "n1", "v3.5.30"));
  for (const n of names) {
    host.writeAtomic(`${DIR}/${n}`, "snapshot", own);
    host.writeAtomic(`${DIR}/${n}.json`, JSON.stringify({ schema: 1, file: n, sha256: "00" }), own);
  }
  host.writeAtomic(`${DIR}/${tempFileName(names[0])}`, "partial", own);
  host.writeAtomic(`${DIR}/operator-notes.txt`, "mine", own);
  return names;
}

/** Runs etcdup in process and returns its exit code and stdout. */
async function etcdup(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const write = Deno.stdout.writeSync;
  Deno.stdout.writeSync = (b: Uint8Array) => (lines.push(new TextDecoder().decode(b)), b.length);
  try {
    return { code: await main(args, {}), out: lines.join("") };
  } finally {
    Deno.stdout.writeSync = write;
  }
}

Deno.test("uninstall --purge keeps etcdup's snapshots; --purge-backups removes them and only them", () =>
  inFakeInstall({ "/usr/local/bin/etcd": ["etcd", 0o755] }, {}, async ({ root, host }) => {
    const names = fillBackups(host);
    const dry = await etcdup(["uninstall", "--purge", "--dry-run", "--root", root]);
    assert.equal(dry.code, 0);
    assert.match(
      dry.out,
      /Kept \(use --purge-backups to delete\): 2 snapshot\(s\) in \/var\/backups\/etcd\//,
    );
    assert.equal((await etcdup(["uninstall", "--purge", "--root", root, "--quiet"])).code, 0);
    for (const n of names) assert.ok(host.stat(`${DIR}/${n}`), `${n} kept by --purge`);

    const dry2 = await etcdup(["uninstall", "--purge-backups", "--dry-run", "--root", root]);
    assert.match(dry2.out, /Would remove 2 snapshot\(s\) in \/var\/backups\/etcd \(--purge-backups\)/);
    assert.ok(host.stat(`${DIR}/${names[0]}`), "a dry run removes nothing");
    assert.equal((await etcdup(["uninstall", "--purge-backups", "--root", root, "--quiet"])).code, 0);
    const left = [...Deno.readDirSync(host.resolve(DIR))].map((e) => e.name).sort();
    assert.deepEqual(left, ["operator-notes.txt"], "only etcdup's files went");
  }));
