/**
 * The whole PKI (bench/drivers/pki.ts) per key algorithm, timed in process, with its peak RSS from the same
 * work run as its own process; against the seed procedure's openssl commands (genrsa 4096 CA, genrsa 2048
 * leaves, req, x509 -req) and, for a like-for-like view, the same openssl steps with the same key type.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { KeyAlgorithm } from "../../lib/pki/algorithms.ts";
import { type Measurement, repeat, runCommand, timeAsync } from "../support/measure.ts";
import type { Bench, BenchContext } from "../support/context.ts";
import { type Row, RSS_TARGET_MIB, type Target } from "../support/report.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";
import { wholePki } from "../drivers/pki.ts";

const SCRIPT = path.resolve(new URL("../baseline/pki_openssl.sh", import.meta.url).pathname);
const DRIVER = path.resolve(new URL("../drivers/pki.ts", import.meta.url).pathname);

/** The issues' targets for the PKI: time (issue 8) and, for every algorithm, peak RSS (issue 17). */
function target(alg: KeyAlgorithm): Target {
  const ms: Partial<Record<KeyAlgorithm, number>> = { "ecdsa-p256": 100, "rsa-2048": 1000 };
  return { maxMs: ms[alg], maxRssMiB: RSS_TARGET_MIB };
}

/** Peak RSS of the whole PKI as its own process (GNU time), a few runs, each into a fresh empty root. */
function asProcess(ctx: BenchContext, alg: KeyAlgorithm): Promise<Measurement> {
  return repeat(ctx.times(alg === "rsa-4096" ? 2 : 3, 1), async (i) => {
    const dir = path.join(ctx.workDir, `pki-proc-${alg}-${i}`);
    fs.mkdirSync(dir);
    try {
      return await runCommand([Deno.execPath(), "run", ...RUNTIME_PERMISSIONS, DRIVER, alg, dir]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
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
      const timed = await repeat(
        ctx.times(alg === "rsa-4096" ? 5 : 15, 3),
        () => timeAsync(() => wholePki(host, alg)),
      );
      const m: Measurement = { ms: timed.ms, rssKiB: (await asProcess(ctx, alg)).rssKiB };
      ours.set(alg, m);
      rows.push({
        bench: "PKI in process",
        case: `${alg}: CA + 4 leaves`,
        ours: m,
        baseline: seed,
        baselineLabel: seedLabel,
        target: target(alg),
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
