/**
 * `etcdup restore FILE.db.age --identity KEY --root`: a local encrypted snapshot (as `backup --encrypt-to`
 * leaves it: ciphertext with its record beside it) is checked against its record, decrypted and restored
 * with real etcdutl; without an identity, with the wrong one, or with a ciphertext that differs from its
 * record, nothing is changed and the documented exit and error code come back. The snapshot is encrypted as
 * backup does on this machine, by Debian's age binary (lib/host/age_cli.ts), so restore is shown to open what
 * the reference implementation wrote.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "../../main.ts";
import { Exit } from "../../lib/errors.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { readState } from "../../lib/host/state.ts";
import { encryptFile } from "../../lib/backup/age.ts";
import { findAgeCli } from "../../lib/host/age_cli.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { exec, execOk } from "../support/exec.ts";
import { realSnapshot } from "../backup/snapshots.ts";
import { runClean } from "./helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Runs etcdup (a subprocess) with `--json`; returns its exit status and the error event's code. */
async function etcdupJson(args: string[]): Promise<{ exit: number; code?: string }> {
  const r = await exec([Deno.execPath(), "run", "--allow-all", "--no-check", MAIN, ...args, "--json"], {
    env: { NO_COLOR: "1" },
    timeoutMs: 120_000,
  });
  const err = (r.stdout + "\n" + r.stderr).split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l)
  )
    .find((e) => e.event === "error");
  return { exit: r.code, code: err?.code };
}

Deno.test("restore of a local .db.age with --identity under --root; refusals change nothing", async () => {
  const fx = await etcdFixture("sid");
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-restore-age-" });
  try {
    const plain = await realSnapshot(tmp);
    const root = path.join(tmp, "root");
    fs.mkdirSync(root);
    const host = new HostRoot(root);
    assert.equal(
      await main(["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256, "-q"], {
        NO_COLOR: "1",
      }),
      0,
    );
    const state = readState(host)!;
    const etcdutl = host.resolve(`${state.binDir}/etcdutl`);
    const want = JSON.parse(await execOk([etcdutl, "snapshot", "status", plain, "-w", "json"]))
      .revision as number;

    await runClean(["age-keygen", "-o", path.join(tmp, "id")]);
    await runClean(["age-keygen", "-o", path.join(tmp, "other")]);
    const recipient = (await runClean(["age-keygen", "-y", path.join(tmp, "id")])).stdout.trim();
    const name = `etcdup-20261201T220000.000Z-${state.name}-${fx.version}.db.age`;
    const sealed = path.join(tmp, name);
    const cli = await findAgeCli({ PATH: Deno.env.get("PATH") });
    assert.ok(cli, "Debian's age is installed on this machine (apt install age)");
    const enc = await encryptFile(plain, sealed, [recipient], undefined, cli);
    const record = {
      schema: 1,
      file: name,
      sha256: enc.sha256,
      encrypted: true,
      size: enc.size,
      status: JSON.parse(await execOk([etcdutl, "snapshot", "status", plain, "-w", "json"])),
      verifiedWith: "etcdutl",
      member: state.name,
      etcdVersion: fx.version,
      takenAt: "2026-12-01T22:00:00.000Z",
    };
    fs.writeFileSync(`${sealed}.json`, JSON.stringify(record));
    const dataBefore = fs.readdirSync(host.resolve(path.dirname(state.dataDir))).sort();

    assert.deepEqual(await etcdupJson(["restore", sealed, "--root", root]), {
      exit: Exit.usage,
      code: "identity-required",
    });
    assert.deepEqual(
      await etcdupJson(["restore", sealed, "--identity", path.join(tmp, "other"), "--root", root]),
      {
        exit: Exit.verification,
        code: "age-wrong-identity",
      },
    );
    const tampered = path.join(tmp, "t", name);
    fs.mkdirSync(path.dirname(tampered));
    const bytes = fs.readFileSync(sealed);
    bytes[bytes.length - 10] ^= 1;
    fs.writeFileSync(tampered, bytes);
    fs.copyFileSync(`${sealed}.json`, `${tampered}.json`);
    assert.deepEqual(
      await etcdupJson(["restore", tampered, "--identity", path.join(tmp, "id"), "--root", root]),
      {
        exit: Exit.verification,
        code: "snapshot-digest-mismatch",
      },
    );
    assert.deepEqual(
      fs.readdirSync(host.resolve(path.dirname(state.dataDir))).sort(),
      dataBefore,
      "nothing changed",
    );

    assert.equal(
      await main(["restore", sealed, "--identity", path.join(tmp, "id"), "--root", root, "-q"], {
        NO_COLOR: "1",
      }),
      0,
    );
    const got = JSON.parse(
      await execOk([
        etcdutl,
        "snapshot",
        "status",
        host.resolve(`${state.dataDir}/member/snap/db`),
        "-w",
        "json",
      ]),
    );
    assert.equal(got.revision, want);
    const backups = host.resolve("/var/backups/etcd");
    const leftovers = fs.existsSync(backups)
      ? fs.readdirSync(backups).filter((f) => f.startsWith(".etcdup-restore-"))
      : [];
    assert.deepEqual(leftovers, [], "the decrypted copy is removed after the restore");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
