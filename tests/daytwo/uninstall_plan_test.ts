import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { OwnedFile } from "../../lib/files.ts";
import { compareFiles } from "../../lib/daytwo/drift.ts";
import { footprint, planUninstall, remainsAfter, serviceSteps } from "../../lib/daytwo/uninstall_plan.ts";
import { describeUninstall } from "../../lib/daytwo/uninstall_view.ts";
import { memberState } from "./fixtures.ts";

const own = (sha256: string, mode = 0o644): OwnedFile => ({ sha256, uid: 0, gid: 0, mode });

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
  const s = footprint(memberState(recorded), undefined);
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
  const s = footprint(memberState(recorded), undefined);
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
  assertEquals(plan.removeTrees, ["/var/lib/etcd", "/var/lib/etcdup/backups"]);
  assertEquals(plan.removeIfEmpty, ["/etc/etcd/pki", "/etc/etcd"]);
  assertEquals(plan.keptDirs, []);
});

Deno.test("an uninstall plan of an already-removed install removes nothing", () => {
  const s = footprint(memberState(recorded), undefined);
  const gone = Object.fromEntries(Object.keys(recorded).map((p) => [p, undefined]));
  const plan = planUninstall(s, compareFiles(recorded, gone), { purge: false });
  assertEquals(plan.remove, []);
  assertEquals(plan.alreadyGone.length, Object.keys(recorded).length);
});

Deno.test("a non-purge uninstall records what it kept, and a purge from that record alone removes it", () => {
  const fp = footprint(memberState(recorded), undefined);
  const drift = compareFiles(recorded, { ...recorded, "/etc/default/etcd": own("edited") });
  const plan = planUninstall(fp, drift, { purge: false });
  const remains = remainsAfter(fp, plan, new Date("2026-11-25T16:00:00Z"));
  assertEquals(remains, {
    schema: 1,
    uninstalledAt: "2026-11-25T16:00:00.000Z",
    dataDirs: ["/var/lib/etcd"],
    pkiDirs: ["/etc/etcd/pki"],
    files: { "/etc/etcd/pki/ca.crt": own("e"), "/etc/etcd/pki/server.key": own("f", 0o600) },
    dirs: ["/etc/etcd", "/etc/etcd/pki", "/var/lib/etcd"],
  });

  const left = footprint(undefined, remains);
  assertEquals(left.unit, undefined, "no unit left to stop");
  assertEquals(planUninstall(left, compareFiles(left.files, left.files), { purge: false }).remove, []);
  const purge = planUninstall(
    left,
    compareFiles(left.files, { ...left.files, "/etc/etcd/pki/ca.crt": own("renewed") }),
    {
      purge: true,
    },
  );
  assertEquals(purge.unit, undefined);
  assertEquals(purge.remove, ["/etc/etcd/pki/ca.crt", "/etc/etcd/pki/server.key"]);
  assertEquals(purge.keptEdited, [], "the edited env file is the operator's now: not in the record");
  assertEquals(purge.removeTrees, ["/var/lib/etcd", "/var/lib/etcdup/backups"]);
  assertEquals(purge.removeIfEmpty, ["/etc/etcd/pki", "/etc/etcd"]);
});

Deno.test("what earlier uninstalls kept adds up with a reinstall elsewhere", () => {
  const first = footprint(memberState(recorded), undefined);
  const remains = remainsAfter(
    first,
    planUninstall(first, compareFiles(recorded, recorded), { purge: false }),
    new Date(),
  );
  const moved = memberState({ "/srv/pki/ca.crt": own("g") }, {
    dataDir: "/srv/etcd",
    pkiDir: "/srv/pki",
    dirs: ["/srv/etcd", "/srv/pki"],
  });
  const fp = footprint(moved, remains);
  assertEquals(fp.unit, "etcd.service");
  assertEquals(fp.dataDirs, ["/var/lib/etcd", "/srv/etcd"]);
  assertEquals(fp.pkiDirs, ["/etc/etcd/pki", "/srv/pki"]);
  const plan = planUninstall(fp, compareFiles(fp.files, fp.files), { purge: false });
  assertEquals(plan.keptPki, ["/etc/etcd/pki/ca.crt", "/etc/etcd/pki/server.key", "/srv/pki/ca.crt"]);
  assertEquals(plan.keptDirs, ["/var/lib/etcd", "/srv/etcd", "/etc/etcd/pki", "/srv/pki"]);
  assertEquals(remainsAfter(fp, plan, new Date()).dataDirs, ["/var/lib/etcd", "/srv/etcd"]);
});

Deno.test("uninstall's service steps: timers (and their services) stopped and disabled, the member leaves, the unit stops", () => {
  const unit = (name: string, active: boolean, enabled: boolean) => ({ name, active, enabled });
  const service = {
    unit: unit("etcd.service", true, true),
    timers: [{
      ...unit("etcdup-backup.timer", true, true),
      service: { name: "etcdup-backup.service", active: false },
    }],
    live: true,
  };
  const state = memberState(recorded, {
    initialCluster: "n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380",
  });
  assertEquals(serviceSteps(state, service, false), [
    { action: "stop", unit: "etcdup-backup.timer" },
    { action: "disable", unit: "etcdup-backup.timer" },
    { action: "leave-cluster", member: "n1", peers: 2, running: true },
    { action: "stop", unit: "etcd.service" },
    { action: "disable", unit: "etcd.service" },
  ]);
  const stopped = { ...service, unit: unit("etcd.service", false, false), timers: [] };
  assertEquals(serviceSteps(state, stopped, false), [
    { action: "leave-cluster", member: "n1", peers: 2, running: false },
  ]);
  assertEquals(serviceSteps(state, stopped, true), [], "--keep-member");
  assertEquals(
    serviceSteps(memberState(recorded), stopped, false),
    [],
    "a single member has nothing to leave",
  );
  const text = describeUninstall(
    planUninstall(footprint(state, undefined), [], { purge: false }),
    false,
    undefined,
    serviceSteps(state, service, false),
  );
  assertEquals(text.split("\n").slice(0, 6), [
    "Would:",
    "  stop etcdup-backup.timer",
    "  disable etcdup-backup.timer",
    "  remove member n1 from its cluster (through the other members; nothing when it is the last)",
    "  stop etcd.service",
    "  disable etcd.service",
  ]);
});
