/**
 * Streaming age encryption checked by Debian's `age` CLI (the reference implementation) in both
 * directions, plus the refusals: wrong identity, tampered or truncated ciphertext, bad recipients.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { decryptFile, encryptFile, loadIdentities, loadRecipients } from "../../lib/backup/age.ts";
import { etcdupError, fileSha256, MiB, randomFile, runClean } from "./helpers.ts";

/** A fresh key pair made by age-keygen: the identity file and its recipient. */
async function keygen(dir: string, name: string): Promise<{ identity: string; recipient: string }> {
  const identity = path.join(dir, name);
  const r = await runClean(["age-keygen", "-o", identity]);
  assert.equal(r.code, 0, r.stderr);
  const pub = await runClean(["age-keygen", "-y", identity]);
  return { identity, recipient: pub.stdout.trim() };
}

async function withTmp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-age-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("etcdup encrypts to two recipients (one from a file); the age CLI decrypts with either identity", async () => {
  await withTmp(async (dir) => {
    const a = await keygen(dir, "a.key");
    const b = await keygen(dir, "b.key");
    fs.writeFileSync(path.join(dir, "recipients.txt"), `# ops team\n${b.recipient}\n\n`);
    const recipients = loadRecipients([a.recipient, path.join(dir, "recipients.txt")]);
    assert.deepEqual(recipients, [a.recipient, b.recipient]);
    const plain = path.join(dir, "snap.db");
    const sha = randomFile(plain, 3 * MiB + 17);
    const enc = await encryptFile(plain, path.join(dir, "snap.db.age"), recipients);
    assert.equal(enc.sha256, fileSha256(path.join(dir, "snap.db.age")), "the digest is of what was written");
    assert.equal(fs.statSync(path.join(dir, "snap.db.age")).mode & 0o777, 0o600);
    for (const who of [a, b]) {
      const out = path.join(dir, `out-${path.basename(who.identity)}`);
      const r = await runClean(["age", "-d", "-i", who.identity, "-o", out, path.join(dir, "snap.db.age")]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fileSha256(out), sha);
    }
  });
});

Deno.test("etcdup decrypts what the age CLI encrypted, streamed, with the right identity only", async () => {
  await withTmp(async (dir) => {
    const a = await keygen(dir, "a.key");
    const other = await keygen(dir, "other.key");
    const plain = path.join(dir, "snap.db");
    const sha = randomFile(plain, 2 * MiB + 5);
    const r = await runClean(["age", "-r", a.recipient, "-o", path.join(dir, "snap.db.age"), plain]);
    assert.equal(r.code, 0, r.stderr);
    const out = path.join(dir, "restored.db");
    const got = await decryptFile(path.join(dir, "snap.db.age"), out, loadIdentities(a.identity));
    assert.deepEqual(got, { size: 2 * MiB + 5, sha256: sha });

    const wrong = path.join(dir, "wrong.db");
    const err = await etcdupError(() =>
      decryptFile(path.join(dir, "snap.db.age"), wrong, loadIdentities(other.identity))
    );
    assert.deepEqual([err.code, err.exit], ["age-wrong-identity", Exit.verification]);
    assert.ok(!fs.existsSync(wrong));
  });
});

Deno.test("tampered and truncated ciphertext fails with exit 3 and leaves no output", async () => {
  await withTmp(async (dir) => {
    const a = await keygen(dir, "a.key");
    const plain = path.join(dir, "snap.db");
    randomFile(plain, 300 * 1024);
    const enc = path.join(dir, "snap.db.age");
    await encryptFile(plain, enc, [a.recipient]);
    const bytes = fs.readFileSync(enc);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 100] ^= 1;
    fs.writeFileSync(path.join(dir, "flipped.age"), flipped);
    fs.writeFileSync(path.join(dir, "short.age"), bytes.subarray(0, bytes.length - 70 * 1024));
    for (const name of ["flipped.age", "short.age"]) {
      const out = path.join(dir, `${name}.out`);
      const err = await etcdupError(() => decryptFile(path.join(dir, name), out, loadIdentities(a.identity)));
      assert.deepEqual([err.code, err.exit], ["age-decrypt-failed", Exit.verification], name);
      assert.ok(!fs.existsSync(out), `${name}: no partial plaintext is left`);
    }
  });
});

Deno.test("recipients and identities: malformed ones, secret keys given as recipients, empty files refused with exit 2", async () => {
  await withTmp(async (dir) => {
    const a = await keygen(dir, "a.key");
    const bad = [
      [a.recipient.slice(0, -1) + (a.recipient.endsWith("q") ? "p" : "q")], // checksum broken
      [path.join(dir, "a.key")], // the secret key file given as a recipients file
      [path.join(dir, "missing.txt")],
    ];
    for (const values of bad) {
      const e = await etcdupError(() => loadRecipients(values));
      assert.deepEqual([e.code, e.exit], ["age-recipient-invalid", Exit.usage], values[0]);
      assert.ok(!e.message.includes("AGE-SECRET-KEY-1"), e.message);
    }
    const secretAsRecipient = await etcdupError(() => loadRecipients([path.join(dir, "a.key")]));
    assert.match(secretAsRecipient.hint ?? "", /secret key/);
    assert.ok(
      !secretAsRecipient.message.includes(
        fs.readFileSync(path.join(dir, "a.key"), "utf8").match(/AGE-SECRET-KEY-1\S+/)![0],
      ),
    );
    fs.writeFileSync(path.join(dir, "empty"), "# nothing\n", { mode: 0o600 });
    const e = await etcdupError(() => loadIdentities(path.join(dir, "empty")));
    assert.deepEqual([e.code, e.exit], ["age-identity-invalid", Exit.usage]);
  });
});
