/**
 * Keys made ahead (lib/pki/keypool.ts): planning's generateKeyPair takes the pooled keys in order and makes
 * fresh ones once the pool is empty; the generations start together, not one after another; drain waits for
 * the untaken ones; and a real `install --root --key-algorithm rsa-2048` reports each key as it is ready
 * (`--json` info events) and gives the CA, server, peer and admin four different keys.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createPrivateKey } from "node:crypto";
import { freshKeyPair, generateKeyPair } from "../../lib/pki/algorithms.ts";
import { drainKeyPool, fillKeyPool } from "../../lib/pki/keypool.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { exec } from "../support/exec.ts";

Deno.test("key pool: pooled keys are taken in order, then fresh ones are made; drain waits for the rest", async () => {
  const made: CryptoKeyPair[] = [];
  const ready: string[] = [];
  fillKeyPool("ecdsa-p256", 3, async () => {
    const k = await freshKeyPair("ecdsa-p256");
    made.push(k);
    return k;
  }, (done, total) => ready.push(`${done}/${total}`));
  const first = await generateKeyPair("ecdsa-p256");
  const second = await generateKeyPair("ecdsa-p256");
  assert.ok(made.includes(first) && made.includes(second) && first !== second);
  await drainKeyPool();
  assert.equal(made.length, 3, "the third, untaken key was awaited");
  assert.deepEqual(ready, ["1/3", "2/3", "3/3"]);
  const fresh = await generateKeyPair("ecdsa-p256");
  assert.ok(!made.includes(fresh), "an empty pool makes a fresh key");
});

Deno.test("key pool: the generations run at the same time (each starts before the first one ends)", async () => {
  const events: string[] = [];
  let i = 0;
  fillKeyPool("rsa-2048", 3, async () => {
    const n = i++;
    events.push(`start ${n}`);
    const k = await freshKeyPair("rsa-2048");
    events.push(`end ${n}`);
    return k;
  }, () => {});
  await drainKeyPool();
  assert.deepEqual(events.slice(0, 3), ["start 0", "start 1", "start 2"]);
});

Deno.test("install --root --key-algorithm rsa-2048: each key reported when ready, four different keys", async () => {
  const fx = await etcdFixture("sid");
  const root = await Deno.makeTempDir({ prefix: "etcdup-keypool-" });
  try {
    const main = path.resolve(new URL("../../main.ts", import.meta.url).pathname);
    const args = ["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256, "--no-start"];
    const r = await exec([
      Deno.execPath(),
      "run",
      "-A",
      "--no-lock",
      main,
      ...args,
      "--key-algorithm",
      "rsa-2048",
      "--json",
    ], {
      env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1" },
    });
    assert.equal(r.code, 0, r.stderr);
    const events = (r.stdout + r.stderr).split("\n").filter((l) => l.startsWith("{")).map((l) =>
      JSON.parse(l)
    );
    const messages = events.map((e) => String(e.message ?? ""));
    assert.ok(messages.includes("generating 4 rsa-2048 keys in parallel"), messages.join("\n"));
    for (const n of [1, 2, 3, 4]) {
      assert.ok(messages.some((m) => m.startsWith(`key ${n} of 4 ready (`)), `key ${n} reported`);
    }
    const dir = path.join(root, "etc/etcd/pki");
    const moduli = ["ca.key", "server.key", "peer.key", "admin.key"].map((f) =>
      createPrivateKey(fs.readFileSync(path.join(dir, f))).export({ format: "jwk" }).n
    );
    assert.equal(new Set(moduli).size, 4, "four different keys");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
