/**
 * `certs renew` reads the PKI once: observe (lib/observe/certs.ts), inspect and plan from that data, then
 * write it (lib/pki/write.ts: backups from the observed text). Reads are counted through the host layer
 * (HostRoot.read, which every file read goes through) on a temp `--root`, for `renew all`, for
 * `renew --if-expiring` (inspection and plan from one observation) and for `certs check`. A file changed
 * between the observation and the write is refused (`pki-changed`, exit 7) before anything is written,
 * rather than read again and backed up as something the plan never saw.
 */
import assert from "node:assert/strict";
import { Exit } from "../../lib/errors.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { gatherFacts } from "../../lib/host/facts.ts";
import { hostSans } from "../../lib/pki/hostsans.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { planPki } from "../../lib/pki/plan.ts";
import { writePki } from "../../lib/pki/write.ts";
import { certs } from "./dry_run.ts";
import {
  ETCD_IDS,
  hostRoot,
  observe,
  planOn,
  rejectsWith,
  request,
  type TempRoot,
  writeOn,
} from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const DAY = 86_400_000;
const PAIRS = [P.caCert, P.caKey, P.serverCert, P.serverKey, P.peerCert, P.peerKey, P.adminCert, P.adminKey];

/**
 * Runs `etcdup certs ARGV` on `t` (in process) counting HostRoot.read by target path: its exit code,
 * what it wrote, and the reads of the PKI dir's files (backups aside).
 */
async function readsOf(
  t: TempRoot,
  argv: string[],
): Promise<{ code: number; written: string[]; reads: Record<string, number> }> {
  const counts: Record<string, number> = {};
  const read = HostRoot.prototype.read;
  HostRoot.prototype.read = function (this: HostRoot, p: string) {
    counts[p] = (counts[p] ?? 0) + 1;
    return read.call(this, p);
  };
  let r;
  try {
    r = await certs(t, argv);
  } finally {
    HostRoot.prototype.read = read;
  }
  const inPki = ([p]: [string, number]) => p.startsWith(`${P.dir}/`) && !p.startsWith(`${P.dir}/backup/`);
  return {
    code: r.code,
    written: ((r.result.written ?? []) as string[]).sort(),
    reads: Object.fromEntries(Object.entries(counts).filter(inPki)),
  };
}

/** Every PKI file of the layout read exactly once, and the rotation journal looked for once. */
const once = Object.fromEntries([...PAIRS, `${P.dir}/rotate-ca.pending.json`].map((p) => [p, 1]));

/** A temp root with a PKI for host "pkitest"; `prepare` changes it; `body` runs on it; removed after. */
async function onRoot(prepare: (t: TempRoot) => Promise<void>, body: (t: TempRoot) => Promise<void>) {
  const t = await hostRoot("pkitest");
  try {
    await prepare(t);
    await body(t);
  } finally {
    await t.cleanup();
  }
}

const asIs = () => Promise.resolve();

Deno.test("certs renew all reads each PKI file once: the plan and the backups come from one observation", () =>
  onRoot(asIs, async (t) => {
    const { code, written, reads } = await readsOf(t, ["renew", "all"]);
    assert.deepEqual([code, written], [Exit.ok, [
      P.adminCert,
      P.adminKey,
      P.peerCert,
      P.peerKey,
      P.serverCert,
      P.serverKey,
    ]]);
    assert.deepEqual(reads, once);
  }));

Deno.test("certs renew --if-expiring inspects and plans from the same observation: each file read once", () =>
  onRoot(async (t) => {
    const past = new Date(Date.now() - 350 * DAY); // a 365-day server certificate with 15 days left
    const req = request({ memberName: "pkitest", sans: hostSans(gatherFacts(t.host)), now: past });
    writeOn(await planOn({ ...req, reissue: ["server"] }, t.host), t.host, past);
  }, async (t) => {
    const { code, written, reads } = await readsOf(t, ["renew", "--if-expiring"]);
    assert.deepEqual([code, written], [Exit.ok, [P.serverCert, P.serverKey]]);
    assert.deepEqual(reads, once);
  }));

Deno.test("certs check reads each PKI file once", () =>
  onRoot(asIs, async (t) => {
    const { code, reads } = await readsOf(t, ["check"]);
    assert.equal(code, Exit.ok);
    assert.deepEqual(reads, once);
  }));

Deno.test("a PKI file changed between the observation and the write is refused (pki-changed, exit 7), nothing written", async () => {
  const changes: [string, (host: HostRoot) => void][] = [
    [
      "replaced (a new inode)",
      (h) => h.writeAtomic(P.serverCert, "other\n", { uid: 0, gid: 0, mode: 0o644 }),
    ],
    ["rewritten in place", (h) => Deno.writeTextFileSync(h.resolve(P.serverKey), "other key\n")],
    ["chowned", (h) => h.setOwnership(P.serverKey, { uid: 0, gid: 0, mode: 0o600 })],
  ];
  for (const [what, change] of changes) {
    const t = await hostRoot("pkitest");
    try {
      const req = request({
        memberName: "pkitest",
        sans: hostSans(gatherFacts(t.host)),
        reissue: ["server"],
      });
      const observed = observe(t.host, req);
      const plan = await planPki(req, observed);
      change(t.host);
      const before = PAIRS.map((p) => t.host.readText(p));
      await rejectsWith(
        () => Promise.resolve().then(() => writePki(plan, observed, t.host, new Date(), ETCD_IDS)),
        "pki-changed",
        Exit.precondition,
      );
      assert.deepEqual(PAIRS.map((p) => t.host.readText(p)), before, `${what}: nothing written`);
      assert.equal(t.host.stat(`${P.dir}/backup`), undefined, `${what}: no backup made`);
    } finally {
      await t.cleanup();
    }
  }
});
