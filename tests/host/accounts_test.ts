/** The etcd system account under a --root tree: created once by systemd-sysusers, found again after. */
import assert from "node:assert/strict";
import { ensureSystemUser, lookupUser, parsePasswd, sysusersLine } from "../../lib/host/accounts.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

Deno.test("accounts: passwd lines parse; malformed ones are skipped", () => {
  const got = parsePasswd(
    "root:x:0:0:root:/root:/bin/bash\nbroken\netcd:x:999:998:etcd:/var/lib/etcd:/usr/sbin/nologin\n",
  );
  assert.deepEqual(got.map((a) => [a.name, a.uid, a.gid]), [["root", 0, 0], ["etcd", 999, 998]]);
  assert.equal(
    sysusersLine({ name: "etcd", home: "/var/lib/etcd", description: 'etcd "kv"' }),
    'u etcd - "etcd kv" /var/lib/etcd /usr/sbin/nologin\n',
  );
});

Deno.test("accounts: ensureSystemUser creates a no-login system user under --root, then finds it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-accounts-" });
  try {
    const host = new HostRoot(dir);
    const first = await ensureSystemUser(host, { name: "etcd", home: "/var/lib/etcd", description: "etcd" });
    assert.equal(first.created, true);
    assert.ok(first.account.uid > 0 && first.account.uid < 1000, `system uid, got ${first.account.uid}`);
    assert.equal(first.account.shell, "/usr/sbin/nologin");
    assert.equal(first.account.home, "/var/lib/etcd");
    assert.match(
      await Deno.readTextFile(`${dir}/etc/group`),
      new RegExp(`^etcd:x:${first.account.gid}:`, "m"),
    );
    const again = await ensureSystemUser(host, { name: "etcd", home: "/var/lib/etcd", description: "etcd" });
    assert.deepEqual(again, { account: first.account, created: false });
    assert.deepEqual(lookupUser(host, "etcd"), first.account);
    assert.equal(lookupUser(new HostRoot("/"), "etcd-not-here-" + crypto.randomUUID()), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("accounts: a passwd without shadow is restored from shadow-, or refused (shadow-missing, exit 7)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-accounts-" });
  try {
    const host = new HostRoot(dir);
    await Deno.mkdir(`${dir}/etc`);
    await Deno.writeTextFile(`${dir}/etc/passwd`, "root:x:0:0:root:/root:/bin/sh\n");
    await Deno.writeTextFile(`${dir}/etc/shadow-`, "root:*:20000:0:99999:7:::\n", { mode: 0o640 });
    await Deno.chmod(`${dir}/etc/shadow-`, 0o640);
    await ensureSystemUser(host, { name: "etcd", home: "/var/lib/etcd", description: "etcd" });
    const shadow = await Deno.readTextFile(`${dir}/etc/shadow`);
    assert.match(shadow, /^root:\*:20000:/m, "restored from shadow-");
    assert.match(shadow, /^etcd:!\*:/m, "then the user was added");
    await Deno.remove(`${dir}/etc/shadow`);
    await Deno.remove(`${dir}/etc/shadow-`);
    await assert.rejects(
      () => ensureSystemUser(host, { name: "etcd2", home: "/var/lib/etcd", description: "etcd" }),
      (err: unknown) =>
        err instanceof EtcdupError && err.code === "shadow-missing" && err.exit === Exit.precondition,
    );
    assert.equal(lookupUser(host, "etcd2"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
