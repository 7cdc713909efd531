/**
 * The `--dry-run` text and the plan's header facts, rendered from data alone (lib/plan/render.ts): owners and
 * modes as shown, each release source in one phrase, and the whole text of a plan view against its golden
 * rendering, so a change of the dry-run's wording or layout shows here and not only in subprocess tests.
 */
import assert from "node:assert/strict";
import type { HostFacts } from "../../lib/facts.ts";
import {
  baseView,
  modeString,
  ownerName,
  type PlanView,
  renderPlanText,
  sourceText,
} from "../../lib/plan/render.ts";
import { planFromValues } from "../support/install_options.ts";

const facts: HostFacts = {
  hostname: "node1",
  addresses: [{ address: "10.0.0.5", family: "IPv4" }],
  cpu: "x86_64",
  isRoot: true,
};
const plan = (values: Record<string, string>) => planFromValues(values, facts, "/", (v) => v ?? "v3.6.6");

Deno.test("ownerName: root and the etcd user by name, other ids as numbers; modeString: four octal digits", () => {
  const etcd = { uid: 998, gid: 997 };
  assert.equal(ownerName(0, 0, etcd), "root:root");
  assert.equal(ownerName(0, 997, etcd), "root:etcd");
  assert.equal(ownerName(998, 997, etcd), "etcd:etcd");
  assert.equal(ownerName(1000, 5, etcd), "1000:5");
  assert.equal(ownerName(0, 997, undefined), "root:997", "no etcd account yet: no id is etcd's");
  assert.equal(modeString(0o600), "0600");
  assert.equal(modeString(0o755), "0755");
  assert.equal(modeString(0o1777), "1777");
});

Deno.test("sourceText: one phrase for a mirror (with its extra CA), a tarball and a bundle", () => {
  assert.equal(
    sourceText(plan({})),
    "download from https://github.com/etcd-io/etcd/releases/download",
  );
  assert.equal(
    sourceText(plan({ mirror: "https://m.example/etcd", "mirror-ca": "/ca.pem" })),
    "download from https://m.example/etcd (extra CA /ca.pem)",
  );
  assert.equal(
    sourceText(plan({ tarball: "/srv/etcd-v3.5.30-linux-amd64.tar.gz" })),
    "tarball /srv/etcd-v3.5.30-linux-amd64.tar.gz",
  );
  assert.equal(sourceText(plan({ bundle: "/srv/bundle" })), "bundle /srv/bundle");
});

Deno.test("baseView: the release and member facts of the plan; a sha256 only when one was given", () => {
  const v = baseView(plan({}));
  assert.deepEqual(v, {
    release: {
      version: "v3.6.6",
      arch: "amd64",
      source: "download from https://github.com/etcd-io/etcd/releases/download",
    },
    member: {
      name: "node1",
      clientUrls: ["https://10.0.0.5:2379"],
      peerUrls: ["https://10.0.0.5:2380"],
      initialCluster: "node1=https://10.0.0.5:2380",
      clusterToken: v.member.clusterToken,
    },
  });
  assert.ok(v.member.clusterToken.length > 0);
  assert.equal(baseView(plan({ sha256: "ab".repeat(32) })).release.sha256, "ab".repeat(32));
});

/** A view with every part filled: a verification line, both user states below, notes. */
const VIEW: PlanView = {
  release: {
    version: "v3.6.6",
    arch: "amd64",
    source: "tarball /srv/etcd-v3.6.6-linux-amd64.tar.gz",
    verification: "sha256 from the embedded manifest",
  },
  user: { name: "etcd", action: "create" },
  member: {
    name: "node1",
    clientUrls: ["https://10.0.0.5:2379"],
    peerUrls: ["https://10.0.0.5:2380"],
    initialCluster: "node1=https://10.0.0.5:2380",
    clusterToken: "etcd-abc",
  },
  dirs: [{ path: "/var/lib/etcd", owner: "etcd:etcd", mode: "0700", action: "create" }],
  files: [
    { path: "/usr/local/bin/etcd", owner: "root:root", mode: "0755", action: "install" },
    {
      path: "/etc/default/etcd",
      owner: "root:etcd",
      mode: "0640",
      action: "keep-edited",
      note: "edited by hand",
    },
  ],
  service: ["daemon-reload", "enable --now etcd.service"],
  notes: ["etcd starts once the other members are up"],
};

const GOLDEN =
  `Dry run: nothing is written now. The run will install under --root /srv/img: etcd v3.6.6 (amd64), tarball /srv/etcd-v3.6.6-linux-amd64.tar.gz
  verification: sha256 from the embedded manifest
  member node1: clients https://10.0.0.5:2379, peers https://10.0.0.5:2380
  initial cluster node1=https://10.0.0.5:2380 (token etcd-abc)
  user etcd: create (system, no login shell)

Directories:
  create          0700 etcd:etcd  /var/lib/etcd

Files:
  install         0755 root:root  /usr/local/bin/etcd
  keep-edited     0640 root:etcd  /etc/default/etcd  (edited by hand)

Service:
  daemon-reload
  enable --now etcd.service

Notes:
  etcd starts once the other members are up
`;

Deno.test("renderPlanText: the whole dry-run text of a view equals its golden rendering", () => {
  assert.equal(renderPlanText(VIEW, "/srv/img"), GOLDEN);
});

Deno.test("renderPlanText: on the live host no --root; an existing user shows its uid; no notes, no Notes section", () => {
  const text = renderPlanText({ ...VIEW, user: { name: "etcd", action: "keep", uid: 998 }, notes: [] }, "/");
  assert.match(text, /^Dry run: nothing is written now\. The run will install: etcd v3\.6\.6 \(amd64\)/);
  assert.match(text, /^ {2}user etcd: exists \(uid 998\)$/m);
  assert.doesNotMatch(text, /Notes:/);
  assert.ok(text.endsWith("  enable --now etcd.service\n"), text);
});
