import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { InstallState, OwnedFile } from "../../lib/host/state.ts";
import { compareFiles } from "../../lib/upgrade/drift.ts";
import { planUninstall } from "../../lib/upgrade/uninstall_plan.ts";

const own = (sha256: string, mode = 0o644): OwnedFile => ({ sha256, uid: 0, gid: 0, mode });

function state(files: Record<string, OwnedFile>): InstallState {
  return {
    schema: 1,
    version: "v3.5.30",
    arch: "amd64",
    binDir: "/usr/local/bin",
    dataDir: "/var/lib/etcd",
    pkiDir: "/etc/etcd/pki",
    layout: "etcd",
    keyAlgorithm: "ecdsa-p256",
    name: "n1",
    clientUrls: ["https://127.0.0.1:2379"],
    peerUrls: ["https://127.0.0.1:2380"],
    sans: { dns: ["localhost"], ips: ["127.0.0.1"] },
    initialCluster: "n1=https://127.0.0.1:2380",
    initialClusterState: "new",
    clusterToken: "t",
    unit: "etcd.service",
    files,
    dirs: ["/etc/etcd", "/etc/etcd/pki", "/var/lib/etcd"],
    updatedAt: "2026-11-25T00:00:00Z",
  };
}

const recorded = {
  "/usr/local/bin/etcd": own("a", 0o755),
  "/etc/default/etcd": own("b"),
  "/etc/profile.d/etcdctl.sh": own("c"),
  "/etc/systemd/system/etcd.service": own("d"),
  "/etc/etcd/pki/ca.crt": own("e"),
  "/etc/etcd/pki/server.key": own("f", 0o600),
};

Deno.test("drift tells missing, modified and ownership changes apart", () => {
  const drift = compareFiles(recorded, {
    ...recorded,
    "/etc/default/etcd": own("edited"),
    "/etc/profile.d/etcdctl.sh": undefined,
    "/usr/local/bin/etcd": own("a", 0o700),
  });
  const byPath = Object.fromEntries(drift.map((d) => [d.path, d.status]));
  assertEquals(byPath, {
    "/etc/default/etcd": "modified",
    "/etc/etcd/pki/ca.crt": "ok",
    "/etc/etcd/pki/server.key": "ok",
    "/etc/profile.d/etcdctl.sh": "missing",
    "/etc/systemd/system/etcd.service": "ok",
    "/usr/local/bin/etcd": "ownership",
  });
});

Deno.test("uninstall removes etcdup's unchanged files, keeps edited ones, the PKI and the data dir", () => {
  const s = state(recorded);
  const drift = compareFiles(recorded, {
    ...recorded,
    "/etc/default/etcd": own("edited"),
    "/etc/profile.d/etcdctl.sh": undefined,
  });
  const plan = planUninstall(s, drift, { purge: false });
  assertEquals(plan.remove, ["/etc/systemd/system/etcd.service", "/usr/local/bin/etcd"]);
  assertEquals(plan.keptEdited, ["/etc/default/etcd"]);
  assertEquals(plan.keptPki, ["/etc/etcd/pki/ca.crt", "/etc/etcd/pki/server.key"]);
  assertEquals(plan.alreadyGone, ["/etc/profile.d/etcdctl.sh"]);
  assertEquals(plan.keptDirs, ["/var/lib/etcd", "/etc/etcd/pki"]);
  assertEquals(plan.removeTrees, []);
  assertEquals(plan.removeIfEmpty, ["/etc/etcd"]);
  assertEquals(plan.unit, "etcd.service");
});

Deno.test("uninstall --purge also removes the PKI (even renewed) and the data dir, still keeps user edits", () => {
  const s = state(recorded);
  const drift = compareFiles(recorded, {
    ...recorded,
    "/etc/default/etcd": own("edited"),
    "/etc/etcd/pki/ca.crt": own("renewed"),
  });
  const plan = planUninstall(s, drift, { purge: true });
  assertEquals(plan.keptEdited, ["/etc/default/etcd"]);
  assertEquals(plan.keptPki, []);
  assertEquals(
    plan.remove.includes("/etc/etcd/pki/ca.crt") && plan.remove.includes("/etc/etcd/pki/server.key"),
    true,
  );
  assertEquals(plan.removeTrees, ["/var/lib/etcd"]);
  assertEquals(plan.removeIfEmpty, ["/etc/etcd/pki", "/etc/etcd"]);
  assertEquals(plan.keptDirs, []);
});

Deno.test("an uninstall plan of an already-removed install removes nothing", () => {
  const s = state(recorded);
  const gone = Object.fromEntries(Object.keys(recorded).map((p) => [p, undefined]));
  const plan = planUninstall(s, compareFiles(recorded, gone), { purge: false });
  assertEquals(plan.remove, []);
  assertEquals(plan.alreadyGone.length, Object.keys(recorded).length);
});
