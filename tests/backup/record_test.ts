/**
 * The record beside a snapshot is advisory input, often in a directory others can write (`restore
 * /tmp/snap.db` reads `/tmp/snap.db.json`): a FIFO there must not hang restore or backup list, a link to a
 * secret must not print its content (V8's JSON errors quote the text), a huge one is not read into memory,
 * and one with prototype keys or wrong types is not etcdup's record. Each is a problem reported, never a
 * hang or a crash. Real files, FIFOs and links in a temp dir.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { exec } from "../support/exec.ts";
import { inTempDir } from "../release/helpers.ts";

const SNAP = "etcdup-20261130T010000.000Z-n1-v3.5.30.db";

const STORE = new URL("../../lib/backup/store.ts", import.meta.url).href;
const FS = new URL("../../lib/host/fs.ts", import.meta.url).href;

/** What a reader (`at`: readRecordAt, else readRecord under a root) makes of `dir`'s record, in a child
 * process bounded to 20 s (a FIFO would block a plain read forever). */
async function readIn(dir: string, at: boolean): Promise<{ record?: unknown; problem?: string }> {
  const code = `import { readRecord, readRecordAt } from "${STORE}"; import { HostRoot } from "${FS}";
    console.log(JSON.stringify(${at} ? readRecordAt(${JSON.stringify(path.join(dir, SNAP))})
      : readRecord(new HostRoot(${JSON.stringify(dir)}), "/${SNAP}")));`;
  const r = await exec([Deno.execPath(), "eval", "--no-lock", code], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Plants a record with `plant` beside a snapshot in a fresh dir and returns the problem `at`'s reader reports. */
function plantedProblem(
  plant: (record: string, dir: string) => void,
  at: boolean,
): Promise<string | undefined> {
  return inTempDir(async (dir) => {
    fs.writeFileSync(path.join(dir, SNAP), "snapshot");
    plant(path.join(dir, `${SNAP}.json`), dir);
    const got = await readIn(dir, at);
    assert.equal(got.record, undefined, "not taken for etcdup's record");
    return got.problem;
  });
}

const READERS: [string, boolean][] = [["restore FILE (readRecordAt)", true], [
  "backup list (readRecord)",
  false,
]];

for (const [name, read] of READERS) {
  Deno.test(`${name}: a FIFO as the record is a problem, not a hang`, async () => {
    const problem = await plantedProblem((p) => {
      const r = new Deno.Command("mkfifo", { args: [p] }).outputSync();
      assert.equal(r.code, 0);
    }, read);
    assert.match(problem ?? "", /not a regular file/);
  });

  Deno.test(`${name}: a record linked to a secret never shows the secret`, async () => {
    const problem = await plantedProblem((p, dir) => {
      fs.writeFileSync(path.join(dir, "shadow"), "root:$6$SECRETHASH:19000:0:99999:7:::\n");
      fs.symlinkSync("shadow", p);
    }, read);
    assert.ok(problem, "a problem is reported");
    assert.doesNotMatch(problem!, /SECRET|root:/);
  });

  Deno.test(`${name}: a huge record is not read; prototype keys and wrong types are not a record`, async () => {
    const huge = await plantedProblem((p) => fs.writeFileSync(p, " ".repeat(2 << 20) + "{}"), read);
    assert.match(huge ?? "", /too large/);
    for (
      const text of [
        `{"__proto__": {"schema": 1, "sha256": "x", "file": "${SNAP}"}}`,
        `{"schema": 1, "sha256": "x", "file": "${SNAP}", "size": "big", "status": null}`,
        `[1]`,
        `null`,
      ]
    ) {
      const problem = await plantedProblem((p) => fs.writeFileSync(p, text), read);
      assert.match(problem ?? "", /not etcdup's record/, text);
    }
  });
}
