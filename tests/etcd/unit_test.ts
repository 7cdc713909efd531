/**
 * The unit and the profile: every placeholder filled, settings only in the env files (never as flags in
 * ExecStart), systemd accepts the unit (systemd-analyze verify), the profile passes shellcheck.
 */
import assert from "node:assert/strict";
import { renderProfile, renderUnit } from "../../lib/etcd/unit.ts";
import { fillTemplate } from "../../lib/etcd/template.ts";
import { exec } from "../support/exec.ts";

const unit = renderUnit({
  unitFile: "/etc/systemd/system/etcd.service",
  etcdBin: "/usr/local/bin/etcd",
  dataDir: "/var/lib/etcd",
  envFile: "/etc/default/etcd",
  envLocalFile: "/etc/default/etcd.local",
});

Deno.test("template: placeholders must all be filled and all values used", () => {
  assert.equal(fillTemplate("a=@A@", { A: "1" }), "a=1");
  assert.throws(() => fillTemplate("a=@A@ @B@", { A: "1" }), /@B@/);
  assert.throws(() => fillTemplate("a=@A@", { A: "1", C: "2" }), /C/);
});

Deno.test("unit: runs as etcd, notify, restart always, env files in order, no flags, hardened", () => {
  for (
    const line of [
      "Type=notify",
      "User=etcd",
      "Restart=always",
      "LimitNOFILE=40000",
      "EnvironmentFile=/etc/default/etcd\nEnvironmentFile=-/etc/default/etcd.local",
      "ExecStart=/usr/local/bin/etcd\n",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ReadWritePaths=/var/lib/etcd",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "CapabilityBoundingSet=\n",
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    ]
  ) assert.ok(unit.includes(line), `missing: ${line}`);
  assert.doesNotMatch(unit, /@[A-Z_]+@/);
  assert.doesNotMatch(unit, /^Environment=/m);
});

Deno.test("unit: a dedicated WAL dir is writable for etcd beside the data dir", () => {
  const withWal = renderUnit({
    unitFile: "/etc/systemd/system/etcd.service",
    etcdBin: "/usr/local/bin/etcd",
    dataDir: "/var/lib/etcd",
    walDir: "/srv/etcd-wal",
    envFile: "/etc/default/etcd",
    envLocalFile: "/etc/default/etcd.local",
  });
  assert.match(withWal, /^ReadWritePaths=\/var\/lib\/etcd \/srv\/etcd-wal$/m);
  assert.match(unit, /^ReadWritePaths=\/var\/lib\/etcd$/m);
});

Deno.test("unit: systemd-analyze verify accepts it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-unit-" });
  try {
    // verify checks ExecStart exists: point it at a real binary for the check.
    const path = `${dir}/etcd.service`;
    await Deno.writeTextFile(path, unit.replace("ExecStart=/usr/local/bin/etcd", "ExecStart=/bin/true"));
    const r = await exec(["systemd-analyze", "verify", path]);
    const complaints = (r.stderr + r.stdout).split("\n").filter((l) => l.includes("etcd.service"));
    assert.deepEqual(complaints, [], r.stderr + r.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("profile: root-only ETCDCTL_* exports that shellcheck accepts", async () => {
  const text = renderProfile({
    profileFile: "/etc/profile.d/etcdctl.sh",
    endpoints: ["https://127.0.0.1:2379"],
    caCert: "/etc/etcd/pki/ca.crt",
    cert: "/etc/etcd/pki/admin.crt",
    key: "/etc/etcd/pki/admin.key",
  });
  assert.match(text, /if \[ "\$\(id -u\)" = 0 \]; then/);
  assert.match(text, /export ETCDCTL_ENDPOINTS='https:\/\/127\.0\.0\.1:2379'/);
  assert.match(text, /export ETCDCTL_KEY='\/etc\/etcd\/pki\/admin\.key'/);
  const r = await exec(["shellcheck", "-s", "sh", "-"], { input: text });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
