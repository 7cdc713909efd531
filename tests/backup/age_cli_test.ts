/**
 * Backups encrypt with the reference age binary when the host has one (lib/host/age_cli.ts), with the
 * built-in `age-encryption` otherwise or with `ETCDUP_AGE=builtin`. Both write files Debian's `age -d -i`
 * and etcdup's own decryption (restore's decryptFile) open to the same plaintext; an age child that fails or
 * is killed mid-stream fails the encryption with `age-cli-failed` and leaves no output file.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { decryptFile, encryptFile, loadIdentities } from "../../lib/backup/age.ts";
import { ageDescription, findAgeCli } from "../../lib/host/age_cli.ts";
import { etcdupError, fileSha256, MiB, randomFile, runClean } from "../offsite/helpers.ts";

/** A fresh age key in `dir`: its identity file and recipient (Debian's age-keygen). */
async function ageKey(dir: string): Promise<{ identity: string; recipient: string }> {
  const identity = path.join(dir, "id");
  const made = await runClean(["age-keygen", "-o", identity]);
  assert.equal(made.code, 0, made.stderr);
  return { identity, recipient: (await runClean(["age-keygen", "-y", identity])).stdout.trim() };
}

/** An executable stand-in for age in `dir` that answers `--version` and runs `body` otherwise. */
function fakeAge(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n[ "$1" = --version ] && { echo v1.1.1; exit 0; }\n${body}\n`, {
    mode: 0o755,
  });
  return file;
}

Deno.test("the age binary and the built-in library both write what age -d -i and etcdup's decryption open", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-age-cli-" });
  try {
    const { identity, recipient } = await ageKey(dir);
    const plain = path.join(dir, "snap.db");
    const sha = randomFile(plain, 3 * MiB + 12345);
    const cli = await findAgeCli({ PATH: Deno.env.get("PATH") });
    assert.ok(cli, "Debian's age is installed on this machine (apt install age)");
    assert.ok(path.isAbsolute(cli.path), cli.path);
    assert.match(ageDescription(cli), /^age \d+\.\d+\.\d+ \(\/.*\/age\)$/);
    assert.equal(ageDescription(undefined), "built-in age-encryption");
    for (const [tag, impl] of [["cli", cli], ["builtin", undefined]] as const) {
      const sealed = path.join(dir, `${tag}.db.age`);
      const enc = await encryptFile(plain, sealed, [recipient], undefined, impl);
      assert.equal(enc.plain.sha256, sha, tag);
      assert.equal(enc.sha256, fileSha256(sealed), `${tag}: the digest is of what was stored`);
      assert.equal(enc.size, fs.statSync(sealed).size, tag);
      assert.equal(fs.statSync(sealed).mode & 0o777, 0o600, tag);
      const byAge = path.join(dir, `${tag}.by-age`);
      const d = await runClean(["age", "-d", "-i", identity, "-o", byAge, sealed]);
      assert.equal(d.code, 0, `${tag}: ${d.stderr}`);
      assert.equal(fileSha256(byAge), sha, `${tag}: age -d gives the plaintext back`);
      const byEtcdup = path.join(dir, `${tag}.by-etcdup`);
      assert.equal((await decryptFile(sealed, byEtcdup, loadIdentities(identity))).sha256, sha, tag);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an age child that fails or is killed mid-stream fails the encryption and leaves no file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-age-cli-fail-" });
  try {
    const { recipient } = await ageKey(dir);
    const plain = path.join(dir, "snap.db");
    randomFile(plain, 4 * MiB);
    const cases = {
      "exits 1": [
        fakeAge(
          dir,
          "exit1",
          `head -c 1048576 >/dev/null\necho age-encryption.org/v1\necho boom >&2\nexit 1`,
        ),
        /exited with 1: boom/,
      ],
      "is killed": [
        fakeAge(dir, "killed", `head -c 1048576 >/dev/null\necho age-encryption.org/v1\nkill -9 $$`),
        /killed by SIGKILL/,
      ],
    } as const;
    for (const [what, [fake, said]] of Object.entries(cases)) {
      const cli = await findAgeCli({ ETCDUP_AGE: fake });
      assert.deepEqual(cli, { path: fake, version: "1.1.1" });
      const sealed = path.join(dir, `${path.basename(fake)}.db.age`);
      const err = await etcdupError(() => encryptFile(plain, sealed, [recipient], undefined, cli));
      assert.equal(err.code, "age-cli-failed", `${what}: ${err.message}`);
      assert.equal(err.exit, Exit.failure, what);
      assert.match(err.message, said, what);
      assert.equal(fs.existsSync(sealed), false, `${what}: no ciphertext left`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ETCDUP_AGE pins the binary or disables it; the PATH search takes absolute directories only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-age-find-" });
  try {
    assert.equal(await findAgeCli({ ETCDUP_AGE: "builtin", PATH: "/usr/bin" }), undefined);
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const fake = fakeAge(bin, "age", "exit 1");
    assert.deepEqual(await findAgeCli({ PATH: `relative/bin:${bin}` }), { path: fake, version: "1.1.1" });
    assert.equal(await findAgeCli({ PATH: "relative/bin" }), undefined);
    for (const pinned of ["age", path.join(dir, "missing"), fakeAge(dir, "mute", "")]) {
      if (pinned.endsWith("mute")) fs.writeFileSync(pinned, "#!/bin/sh\nexit 3\n");
      const err = await etcdupError(() => findAgeCli({ ETCDUP_AGE: pinned }));
      assert.equal(err.code, "age-cli-unusable", `${pinned}: ${err.message}`);
      assert.equal(err.exit, Exit.usage, pinned);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an age binary that never answers --version is refused once the timeout passes, not waited on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-age-hang-" });
  try {
    const hangs = path.join(dir, "age");
    fs.writeFileSync(hangs, "#!/bin/sh\nexec sleep 60\n", { mode: 0o755 });
    const started = Date.now();
    const err = await etcdupError(() => findAgeCli({ ETCDUP_AGE: hangs }));
    assert.equal(err.code, "age-cli-unusable", err.message);
    assert.equal(err.exit, Exit.usage);
    assert.ok(Date.now() - started < 30_000, `refused after ${Date.now() - started} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
