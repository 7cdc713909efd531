/**
 * `--wal-dir` under real systemd: etcd runs in its hardened unit (ProtectSystem=strict) with the WAL in a
 * dedicated directory outside the data dir, becomes healthy over mutual TLS, and its write-ahead log segments
 * are there (in DIR/wal, which etcd creates from a sibling DIR/wal.tmp), none in the data dir.
 */
import assert from "node:assert/strict";
import { withFixtureNode } from "../support/fixture_node.ts";

Deno.test("install --wal-dir: etcd in its sandboxed unit writes its WAL to the dedicated directory", async () => {
  await withFixtureNode({ name: "waldir", prefix: "10.117.0" }, async ({ etcdup, ct, install }) => {
    const r = await etcdup.run(ct, [...install, "--wal-dir", "/srv/etcd-wal"], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stdout, /healthy at https:\/\/127\.0\.0\.1:2379/);
    const show = await ct.execOk(["systemctl", "show", "etcd", "-p", "ReadWritePaths", "--value"]);
    assert.deepEqual(show.trim().split(/\s+/).sort(), ["/srv/etcd-wal", "/var/lib/etcd"]);
    assert.equal(
      (await ct.execOk(["stat", "-c", "%U:%G %a", "/srv/etcd-wal"])).trim(),
      "etcd:etcd 700",
    );
    const put = await ct.shell("etcdctl --dial-timeout=2s --command-timeout=4s put wal ok");
    assert.equal(put.code, 0, put.stderr);
    const wal = (await ct.execOk(["ls", "/srv/etcd-wal/wal"])).split("\n").filter(Boolean);
    assert.ok(wal.some((n) => n.endsWith(".wal")), `no WAL segment in /srv/etcd-wal/wal: ${wal}`);
    const member = (await ct.execOk(["ls", "/var/lib/etcd/member"])).split("\n").filter(Boolean);
    assert.equal(member.includes("wal"), false, `the data dir holds a WAL too: ${member}`);
  });
});
