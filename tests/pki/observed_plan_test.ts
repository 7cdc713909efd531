/**
 * The PKI planners on observed data alone: no file, no root, no temp dir. Each host state is written as
 * the {@link ObservedPki} observePki would return for it (the files of an earlier plan, as on disk), and
 * the plan or the refusal is asserted: a fresh node, a valid PKI kept, an expiring leaf reissued, a CA key
 * that is not the CA's, a symlinked or hard-linked key, a key etcd should own planned before the etcd
 * account exists, and an interrupted CA switch (refused by install's planner, finished by rotate-ca's).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { rotationJournalPath } from "../../lib/pki/journal.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { chainsTo } from "../../lib/pki/match.ts";
import { parseCertificates } from "../../lib/pki/pem.ts";
import { planPki } from "../../lib/pki/plan.ts";
import { leafProfiles } from "../../lib/pki/profiles.ts";
import { planRotation } from "../../lib/pki/rotate.ts";
import type { ObservedFile, ObservedPki, OwnerName, PkiPlan, PkiRequest } from "../../lib/pki/types.ts";
import { ETCD_IDS, rejectsWith, request } from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const DAY = 86_400_000;

/** What observePki returns for a node with no PKI at all (every path it looks at missing). */
function nothingObserved(req: PkiRequest = request()): ObservedPki {
  const paths = pkiPaths(req.layout, req.pkiDir);
  const all = [
    paths.caCert,
    paths.caKey,
    ...leafProfiles(req.layout, paths, req.memberName)
      .flatMap((p) => [p.certPath, p.keyPath]),
  ];
  return {
    files: Object.fromEntries(all.map((p) => [p, { missing: true, where: p }])),
    dirCerts: [],
    orphanCaKeys: [],
  };
}

/**
 * A regular file as observed: one link, content `text`, owned by `owner` (its ids seen as that account's
 * unless `known` is false: the etcd account does not exist yet).
 */
function regular(p: string, text: string, owner: OwnerName, mode: number, known = true): ObservedFile {
  const ids = owner === "root" ? { uid: 0, gid: 0 } : ETCD_IDS;
  const names = known ? [owner] : [];
  return {
    missing: false,
    where: p,
    isSymlink: false,
    isFile: true,
    links: 1,
    ...ids,
    mode,
    stamp: "test",
    names,
    text,
  };
}

/**
 * What observePki returns once `plan` is on disk: each file with its planned content, owner and mode (an
 * etcd-owned file seen without the etcd account when `etcdAccount` is false), the `*.crt` of the PKI dir.
 */
function observedAfter(plan: PkiPlan, etcdAccount = true): ObservedPki {
  const files: Record<string, ObservedFile> = {};
  for (const f of plan.files) {
    if (typeof f.owner !== "string") throw new Error(`${f.path}: the install PKI owns files by name`);
    files[f.path] = regular(f.path, f.content, f.owner, f.mode, f.owner !== "etcd" || etcdAccount);
  }
  const dirCerts = plan.files.map((f) => f.path)
    .filter((p) => p.endsWith(".crt") && path.dirname(p) === plan.paths.dir).sort();
  return { files, dirCerts, orphanCaKeys: [] };
}

/** `observed` with the file at `p` changed by `over`. */
function withFile(observed: ObservedPki, p: string, over: Partial<ObservedFile>): ObservedPki {
  return {
    ...observed,
    files: { ...observed.files, [p]: { ...observed.files[p], ...over } as ObservedFile },
  };
}

const actions = (plan: PkiPlan) =>
  Object.fromEntries(plan.files.map((f) => [path.basename(f.path), f.action]));

Deno.test("pure planner: a fresh node gets a CA and every leaf, keys owned by name (etcd reads server and peer)", async () => {
  const plan = await planPki(request(), nothingObserved());
  assert.equal(plan.changed, true);
  assert.deepEqual(
    plan.files.map((f) => [path.basename(f.path), f.owner, f.mode.toString(8), f.action]),
    [
      ["ca.crt", "root", "644", "create"],
      ["ca.key", "root", "600", "create"],
      ["server.crt", "root", "644", "create"],
      ["server.key", "etcd", "600", "create"],
      ["peer.crt", "root", "644", "create"],
      ["peer.key", "etcd", "600", "create"],
      ["admin.crt", "root", "644", "create"],
      ["admin.key", "root", "600", "create"],
    ],
  );
  assert.deepEqual(plan.notes, [
    "issued CA (ecdsa-p256, 3650 days)",
    "issued server",
    "issued peer",
    "issued admin",
  ]);
});

Deno.test("pure planner: a valid PKI is kept as it is; an etcd key seen before the etcd account exists gets its owner fixed", async () => {
  const fresh = await planPki(request(), nothingObserved());
  const again = await planPki(request(), observedAfter(fresh));
  assert.equal(again.changed, false);
  assert.ok(again.files.every((f) => f.action === "keep"));
  assert.deepEqual(again.notes, ["kept valid CA"]);
  assert.deepEqual(
    again.files.map((f) => f.content),
    fresh.files.map((f) => f.content),
    "content as on disk",
  );
  // the dry run of a host without the etcd account: 4242 is nobody yet, so the keys will be given to etcd
  const noAccount = await planPki(request(), observedAfter(fresh, false));
  assert.deepEqual(
    noAccount.files.filter((f) => f.action !== "keep").map((f) => [path.basename(f.path), f.action, f.owner]),
    [["server.key", "fix-owner", "etcd"], ["peer.key", "fix-owner", "etcd"]],
  );
});

Deno.test("pure planner: a leaf expiring within 30 days is reissued from the same CA; the CA is kept", async () => {
  const now = new Date();
  const fresh = await planPki(request({ now: new Date(now.getTime() - 349.5 * DAY) }), nothingObserved());
  const plan = await planPki(request({ now }), observedAfter(fresh));
  assert.deepEqual(actions(plan), {
    "ca.crt": "keep",
    "ca.key": "keep",
    "server.crt": "replace",
    "server.key": "replace",
    "peer.crt": "replace",
    "peer.key": "replace",
    "admin.crt": "replace",
    "admin.key": "replace",
  });
  assert.deepEqual(plan.notes, [
    "kept valid CA",
    "reissued server: expires in 15 days",
    "reissued peer: expires in 15 days",
    "reissued admin: expires in 15 days",
  ]);
  const ca = parseCertificates(fresh.files[0].content, "ca")[0];
  const server = parseCertificates(plan.files.find((f) => f.role === "server-cert")!.content, "server")[0];
  assert.ok(await chainsTo(server, [ca]), "from the CA in place");
  assert.ok(server.notAfter.getTime() > now.getTime() + 300 * DAY, "valid for the full --cert-days again");
});

Deno.test("pure planner: a CA key that is not the CA certificate's is refused (ca-key-mismatch, exit 3)", async () => {
  const mine = await planPki(request(), nothingObserved());
  const other = await planPki(request(), nothingObserved());
  const otherKey = other.files.find((f) => f.role === "ca-key")!.content;
  const e = await rejectsWith(
    () => planPki(request(), withFile(observedAfter(mine), P.caKey, { text: otherKey })),
    "ca-key-mismatch",
    Exit.verification,
  );
  assert.match(e.message, /\/etc\/etcd\/pki\/ca\.key is not the private key of the CA certificate/);
});

Deno.test("pure planner: a symlinked or hard-linked key is refused (exit 7), naming it", async () => {
  const fresh = await planPki(request(), nothingObserved());
  const seen = observedAfter(fresh);
  const where = "/tmp/root/etc/etcd/pki/server.key";
  const link = await rejectsWith(
    () => planPki(request(), withFile(seen, P.serverKey, { isSymlink: true, isFile: false, where })),
    "pki-file-is-symlink",
    Exit.precondition,
  );
  assert.match(link.message, /^\/tmp\/root\/etc\/etcd\/pki\/server\.key is a symbolic link/);
  const hard = await rejectsWith(
    () => planPki(request(), withFile(seen, P.serverKey, { links: 2 })),
    "pki-file-hard-linked",
    Exit.precondition,
  );
  assert.match(hard.message, /server\.key has 2 hard links/);
});

Deno.test("pure planner: an interrupted CA switch is refused by planPki (rotation-interrupted, exit 7) and finished by planRotation", async () => {
  const fresh = await planPki(request(), nothingObserved());
  const next = await planPki(request(), nothingObserved());
  const content = (plan: PkiPlan, role: string) => plan.files.find((f) => f.role === role)!.content;
  const journal = {
    schema: 1,
    startedAt: "2026-12-01T10:00:00.000Z",
    bundle: content(next, "ca-cert") + content(fresh, "ca-cert"),
    keyPem: content(next, "ca-key"),
  };
  // killed after writing the new CA key, before the CA file: ca.key is the new CA's, ca.crt the old one
  const killed = {
    ...withFile(observedAfter(fresh), P.caKey, { text: journal.keyPem }),
    journal: JSON.stringify(journal),
  };
  const e = await rejectsWith(() => planPki(request(), killed), "rotation-interrupted", Exit.precondition);
  assert.ok(
    e.message.includes(
      `a CA switch begun at 2026-12-01T10:00:00.000Z did not finish (${rotationJournalPath(P)})`,
    ),
  );
  const finish = await planRotation(request(), killed);
  assert.deepEqual(finish.files.slice(0, 2).map((f) => [f.role, f.content]), [
    ["ca-cert", journal.bundle],
    ["ca-key", journal.keyPem],
  ]);
  assert.ok(finish.notes[0].startsWith("finishing the switch to the CA"), finish.notes[0]);
  const newCa = parseCertificates(journal.bundle, "bundle")[0];
  for (const f of finish.files.filter((f) => f.role.endsWith("-cert") && f.role !== "ca-cert")) {
    assert.ok(await chainsTo(parseCertificates(f.content, f.path)[0], [newCa]), `${f.path} from the new CA`);
  }
});
