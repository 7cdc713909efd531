/**
 * The pure core of install, without a host or a subprocess: `diffInstall` over observations written as
 * plain data, the dry-run text of three host states against golden files (tests/install/golden/*.txt), and
 * `serviceChanges`, what of a diff reaches systemd and etcd.
 *
 * The golden files change only on purpose: run with UPDATE_GOLDEN=1 to rewrite them from the current
 * rendering, then read their diff before committing.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { sha256Hex } from "../../lib/hash.ts";
import type { InstallState } from "../../lib/state_record.ts";
import { configFiles } from "../../lib/plan/desired.ts";
import type { DesiredFile, FileAction, FileDecision, OwnedFile } from "../../lib/files.ts";
import type { HostFacts } from "../../lib/facts.ts";
import { renderPlanText } from "../../lib/plan/render.ts";
import type { InstallPlan } from "../../lib/plan/types.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import type { ObservedPki, PkiPlan, PkiRequest, PlannedFile } from "../../lib/pki/types.ts";
import { diffInstall } from "../../lib/install/diff.ts";
import type { InstallObserved } from "../../lib/install/observed.ts";
import { dryRunNotes } from "../../lib/install/dry_run_print.ts";
import { stateRecord } from "../../lib/install/record.ts";
import { serviceChanges } from "../../lib/plan/service_steps.ts";
import { diffView } from "../../lib/install/view.ts";
import { timerUnit } from "../../lib/plan/timer_units.ts";
import { planFromValues } from "../support/install_options.ts";
import { golden as goldenIn } from "../support/golden.ts";

const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), "golden");
const golden = (name: string, text: string) => goldenIn(GOLDEN, name, text);
const SHA = "992a109e070c7bcab719e0c155dcad32aff2e140eba258bbe64201c238c78ac5";
const ETCD = { uid: 990, gid: 990 };

const facts: HostFacts = {
  hostname: "node-a",
  fqdn: "node-a.example.com",
  addresses: [{ address: "192.0.2.10", family: "IPv4" }],
  cpu: "x86_64",
  isRoot: true,
};

/** The plan of `install --root /srv/image --tarball ... --sha256 ...` on `facts`. */
function plan(): InstallPlan {
  return planFromValues(
    { tarball: "/srv/etcd-v3.5.30-linux-amd64.tar.gz", sha256: SHA },
    facts,
    "/srv/image",
  );
}

/** A PKI plan of the etcd layout with every file taking `action` (`leafAction` for server and peer). */
function pkiPlan(p: InstallPlan, action: PlannedFile["action"], leafAction = action): PkiPlan {
  const paths = pkiPaths(p.pki.layout, p.pki.pkiDir);
  const etcdKey = (role: string) => role === "server-key" || role === "peer-key";
  const roles = ["ca", "server", "peer", "admin"].flatMap((r) => [`${r}-cert`, `${r}-key`]);
  const files = roles.map((role): PlannedFile => {
    const [who, kind] = role.split("-");
    const file = kind === "cert" ? `${who}.crt` : `${who}.key`;
    const act = who === "server" || who === "peer" ? leafAction : action;
    return {
      path: path.posix.join(paths.dir, file),
      content: act === "replace" ? `new ${role} pem` : `${role} pem`,
      owner: etcdKey(role) ? "etcd" : "root",
      mode: kind === "cert" ? 0o644 : 0o600,
      role,
      action: act,
    };
  });
  const notes = action === "create" ? ["issued CA (ecdsa-p256, 3650 days)"] : ["kept valid CA"];
  if (leafAction === "replace") {
    notes.push("reissued server: expires in 9 days", "reissued peer: expires in 9 days");
  }
  return { paths, files, notes, changed: files.some((f) => f.action !== "keep") };
}

const self: DesiredFile = {
  path: "/usr/local/bin/etcdup",
  content: "#!/bin/sh\n",
  sha256: sha256Hex("#!/bin/sh\n"),
  uid: 0,
  gid: 0,
  mode: 0o755,
  protectEdits: false,
  readByEtcd: false,
};

const completion: DesiredFile = {
  ...self,
  path: "/usr/share/bash-completion/completions/etcdctl",
  mode: 0o644,
};

/** What the PKI planner was given; the diff takes the PKI as planned (pkiPlan), so these stay empty. */
const PKI_REQUEST: PkiRequest = {
  layout: "etcd",
  pkiDir: "/etc/etcd/pki",
  algorithm: "ecdsa-p256",
  memberName: "node-a",
  sans: { dns: [], ips: [] },
  certDays: 365,
  caDays: 3650,
  now: new Date(0),
};
const NO_PKI: ObservedPki = { files: {}, dirCerts: [], orphanCaKeys: [] };

/** Nothing of etcdup's on the host yet. */
function freshHost(): InstallObserved {
  return {
    previous: undefined,
    account: undefined,
    files: {},
    dirs: {},
    enabled: [],
    self,
    completion: undefined,
    pkiRequest: PKI_REQUEST,
    pki: NO_PKI,
  };
}

/** The host a finished install of `p` leaves: every file as desired and recorded, units enabled. */
function installedHost(p: InstallPlan): InstallObserved {
  const pki = pkiPlan(p, "keep");
  const desired = [...configFiles(p, pki.paths), self, completion];
  const binaries: Record<string, OwnedFile> = {};
  for (const b of ["etcd", "etcdctl", "etcdutl"]) {
    binaries[`/usr/local/bin/${b}`] = { sha256: sha256Hex(b), uid: 0, gid: 0, mode: 0o755 };
  }
  const files: Record<string, OwnedFile> = { ...binaries };
  for (const f of desired) files[f.path] = { sha256: f.sha256, uid: f.uid, gid: f.gid, mode: f.mode };
  const kept: FileDecision[] = desired.map((file) => ({ file, action: "keep" }));
  const previous: InstallState = stateRecord(p, binaries, SHA, pki, ETCD, kept, undefined);
  const dirs = Object.fromEntries(
    [p.paths.dataDir, p.pki.pkiDir, ...p.timers.flatMap((j) => j.writePaths)].map((d) => [
      d,
      d === p.paths.dataDir ? { ...ETCD, mode: 0o700 } : { uid: 0, gid: 0, mode: 0o700 },
    ]),
  );
  return {
    previous,
    account: ETCD,
    files,
    dirs,
    enabled: [p.service.unit, ...p.timers.map(timerUnit)],
    self,
    completion: { file: completion },
    pkiRequest: PKI_REQUEST,
    pki: NO_PKI,
  };
}

/** The dry-run text of `observed` (with `pki`), as `install --dry-run` prints it. */
function dryRunText(p: InstallPlan, observed: InstallObserved, pki: PkiPlan): string {
  const diff = diffInstall(p, observed, pki);
  return renderPlanText(diffView(p, diff, dryRunNotes(p, diff, observed.previous)), p.root);
}

Deno.test("dry-run text, golden: a fresh host", () => {
  const p = plan();
  golden("fresh.txt", dryRunText(p, freshHost(), pkiPlan(p, "create")));
});

Deno.test("dry-run text, golden: an installed host (everything kept, state record kept, no enables)", () => {
  const p = plan();
  const text = dryRunText(p, installedHost(p), pkiPlan(p, "keep"));
  assert.doesNotMatch(text, /^ {2}(create|update|install|replace|generate|fix-owner-mode) /m);
  golden("installed.txt", text);
});

Deno.test("dry-run text, golden: an edited env file and expiring server and peer certificates", () => {
  const p = plan();
  const observed = installedHost(p);
  observed.files["/etc/default/etcd"] = { sha256: sha256Hex("edited"), uid: 0, gid: 0, mode: 0o644 };
  golden("edited_expiring.txt", dryRunText(p, observed, pkiPlan(p, "keep", "replace")));
});

Deno.test("diffInstall: binaries stay only for the recorded release with the recorded digests", () => {
  const p = plan();
  const installed = installedHost(p);
  const actions = (o: InstallObserved, q = p) =>
    diffInstall(q, o, pkiPlan(q, "keep")).binaries.map((b) => b.action);
  assert.deepEqual(actions(installed), ["keep", "keep", "keep"]);
  const swapped = { ...installed, files: { ...installed.files } };
  swapped.files["/usr/local/bin/etcdctl"] = { sha256: sha256Hex("other"), uid: 0, gid: 0, mode: 0o755 };
  assert.deepEqual(actions(swapped), ["keep", "install", "keep"], "not what etcdup installed");
  const loose = { ...installed, files: { ...installed.files } };
  loose.files["/usr/local/bin/etcd"] = { ...installed.files["/usr/local/bin/etcd"]!, mode: 0o775 };
  assert.deepEqual(actions(loose), ["fix-owner-mode", "keep", "keep"]);
  const otherTarball = { ...p, release: { ...p.release, sha256: "0".repeat(64) } };
  assert.deepEqual(actions(installed, otherTarball), ["install", "install", "install"], "another digest");
  assert.deepEqual(
    actions({ ...installed, previous: undefined }),
    ["install", "install", "install"],
    "no record",
  );
});

Deno.test("diffInstall: the state record is kept when what it says stays, updated when a file changes", () => {
  const p = plan();
  const installed = installedHost(p);
  assert.equal(diffInstall(p, installed, pkiPlan(p, "keep")).state, "keep");
  assert.equal(diffInstall(p, installed, pkiPlan(p, "keep", "replace")).state, "update");
  assert.equal(diffInstall(p, freshHost(), pkiPlan(p, "create")).state, "create");
});

/** A decision of a desired file at `p` (etcd reads it or not) with `action`. */
function decision(p: string, action: FileAction, readByEtcd = false): FileDecision {
  return { file: { ...self, path: p, readByEtcd }, action };
}

Deno.test("serviceChanges: the unit file reloads, what etcd reads restarts it, the admin client does not", () => {
  const p = plan();
  const none = serviceChanges(p, [], pkiPlan(p, "keep"), false);
  assert.deepEqual(none, { unitChanged: false, etcdChanged: false });

  const unit = serviceChanges(p, [decision(p.paths.unitFile, "update", true)], pkiPlan(p, "keep"), false);
  assert.deepEqual(unit, { unitChanged: true, etcdChanged: true });

  const env = serviceChanges(p, [decision(p.paths.envFile, "create", true)], pkiPlan(p, "keep"), false);
  assert.deepEqual(env, { unitChanged: false, etcdChanged: true });

  const kept = [
    decision(p.paths.unitFile, "keep-edited", true),
    decision(p.paths.envFile, "fix-owner-mode", true),
  ];
  assert.deepEqual(serviceChanges(p, kept, pkiPlan(p, "keep"), false), {
    unitChanged: false,
    etcdChanged: false,
  });

  const profile = serviceChanges(p, [decision(p.paths.profileFile, "update")], pkiPlan(p, "keep"), false);
  assert.deepEqual(profile, { unitChanged: false, etcdChanged: false }, "etcd does not read the profile");

  assert.deepEqual(serviceChanges(p, [], pkiPlan(p, "keep"), true), {
    unitChanged: false,
    etcdChanged: true,
  });
  assert.deepEqual(serviceChanges(p, [], pkiPlan(p, "keep", "replace"), false), {
    unitChanged: false,
    etcdChanged: true,
  });

  const adminOnly = pkiPlan(p, "keep");
  adminOnly.files = adminOnly.files.map((f) => f.role.startsWith("admin-") ? { ...f, action: "replace" } : f);
  assert.deepEqual(serviceChanges(p, [], adminOnly, false), { unitChanged: false, etcdChanged: false });

  const fixedCa = pkiPlan(p, "keep");
  fixedCa.files = fixedCa.files.map((f) => f.role === "ca-cert" ? { ...f, action: "fix-owner" } : f);
  assert.deepEqual(serviceChanges(p, [], fixedCa, false), { unitChanged: false, etcdChanged: false });
});
