/**
 * The whole PKI (CA, server, peer, admin and one extra client: the kubeadm layout's four leaves) planned by
 * `planPki` against an empty root, i.e. every key generated, every certificate issued with WebCrypto +
 * @peculiar/x509 and PEM-encoded in process, per key algorithm; against the seed procedure's
 * openssl commands (genrsa 4096 CA, genrsa 2048 leaves, req, x509 -req) and, for a like-for-like view,
 * the same openssl steps with the same key type.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { KeyAlgorithm } from "../../lib/pki/algorithms.ts";
import { type Measurement, repeat, runCommand, timeAsync } from "../support/measure.ts";
import type { Bench, BenchContext } from "../support/context.ts";
import type { Row, Target } from "../support/report.ts";
import { planPki } from "../../lib/pki/plan.ts";
import { HostRoot } from "../../lib/host/fs.ts";

const SCRIPT = path.resolve(new URL("../baseline/pki_openssl.sh", import.meta.url).pathname);

/** The targets for the in-process PKI. */
const TARGETS: Partial<Record<KeyAlgorithm, Target>> = {
  "ecdsa-p256": { maxMs: 100 },
  "rsa-2048": { maxMs: 1000 },
};

/** Plans the whole PKI with keys of `alg` into the empty tree `host` (planning never writes). */
async function wholePki(host: HostRoot, alg: KeyAlgorithm): Promise<void> {
  const plan = await planPki({
    layout: "kubeadm",
    pkiDir: "/etc/kubernetes/pki/etcd",
    algorithm: alg,
    memberName: "node1",
    sans: { dns: ["localhost", "node1"], ips: ["127.0.0.1", "10.0.0.1"] },
    certDays: 365,
    caDays: 3650,
    etcdUid: 0,
    etcdGid: 0,
    now: new Date(),
  }, host);
  const created = plan.files.filter((f) => f.action === "create").length;
  if (created !== 10) {
    throw new Error(`planPki(${alg}) planned ${created} new files, expected a CA and 4 leaves (10)`);
  }
}

/** Runs pki_openssl.sh `kind` in a fresh directory per run. */
function openssl(ctx: BenchContext, kind: string, runs: number): Promise<Measurement> {
  return repeat(ctx.times(runs, 2), async (i) => {
    const dir = path.join(ctx.workDir, `openssl-${kind}-${i}`);
    fs.mkdirSync(dir);
    try {
      return await runCommand(["sh", SCRIPT, kind, dir]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The PKI bench. */
export const pkiBench: Bench = {
  name: "pki",
  title: "whole PKI per key algorithm, in process vs openssl",
  async run(ctx) {
    const root = path.join(ctx.workDir, "pki-root");
    fs.mkdirSync(root);
    const host = new HostRoot(root);
    const seed = await openssl(ctx, "seed", 7);
    const seedLabel = "seed openssl (RSA-4096 CA, RSA-2048 leaves)";
    const algorithms: KeyAlgorithm[] = ctx.quick
      ? ["ecdsa-p256", "rsa-2048"]
      : ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-2048", "rsa-4096"];
    const ours = new Map<KeyAlgorithm, Measurement>();
    const rows: Row[] = [];
    for (const alg of algorithms) {
      const m = await repeat(
        ctx.times(alg === "rsa-4096" ? 5 : 15, 3),
        () => timeAsync(() => wholePki(host, alg)),
      );
      ours.set(alg, m);
      rows.push({
        bench: "PKI in process",
        case: `${alg}: CA + 4 leaves`,
        ours: m,
        baseline: seed,
        baselineLabel: seedLabel,
        target: TARGETS[alg],
      });
    }
    const sameKind: KeyAlgorithm[] = ctx.quick
      ? ["ecdsa-p256"]
      : ["ecdsa-p256", "ed25519", "rsa-2048", "rsa-4096"];
    for (const alg of sameKind) {
      rows.push({
        bench: "PKI, same key type",
        case: `${alg}: CA + 4 leaves`,
        ours: ours.get(alg) ?? await repeat(ctx.times(15, 3), () => timeAsync(() => wholePki(host, alg))),
        baseline: await openssl(ctx, alg, alg === "rsa-4096" ? 3 : 7),
        baselineLabel: `openssl, ${alg} everywhere`,
      });
    }
    return rows;
  },
};
