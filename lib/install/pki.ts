/**
 * Install's and join's PKI step before the diff: the request made from their plan (lib/plan/pki_request.ts,
 * with the CA it names read in by lib/observe/install.ts), planned by lib/pki/plan.ts from the observed PKI,
 * with the new keys it needs generated together ahead. Owners stay names (root, etcd) until
 * lib/pki/write.ts writes them with the account's ids.
 */
import type { ObservedPki, PkiPlan, PkiRequest } from "../pki/types.ts";
import type { Output } from "../output.ts";
import { freshKeyPair, isRsa } from "../pki/algorithms.ts";
import { drainKeyPool, fillKeyPool } from "../pki/keypool.ts";
import { pkiPaths } from "../pki/layout.ts";

export type { EtcdIds } from "../pki/types.ts";

/**
 * The key files of `req`'s layout that `observed` found missing: each will get a new key while planning
 * (the CA key only when etcdup makes the CA). Keys replacing existing ones are not counted; they are made
 * on demand.
 */
function missingKeyFiles(req: PkiRequest, observed: ObservedPki): string[] {
  const p = pkiPaths(req.layout, req.pkiDir);
  const keys = [req.ca ? undefined : p.caKey, p.serverKey, p.peerKey, p.adminKey, p.apiserverClientKey];
  return keys.filter((k): k is string => k !== undefined && observed.files[k]?.missing !== false);
}

/**
 * Runs `plan` (the PKI planning of `req`) while the keys of {@link missingKeyFiles} are generated together
 * (lib/pki/keypool.ts), with a line per finished key for RSA, whose keys take seconds each.
 */
export async function withKeysAhead<T>(
  req: PkiRequest,
  observed: ObservedPki,
  out: Output,
  plan: () => Promise<T>,
): Promise<T> {
  const n = missingKeyFiles(req, observed).length;
  const started = performance.now();
  const slow = isRsa(req.algorithm) && n > 0;
  if (slow) out.step(`generating ${n} ${req.algorithm} keys in parallel`);
  fillKeyPool(req.algorithm, n, () => freshKeyPair(req.algorithm), (done, total) => {
    if (slow) {
      out.info(`key ${done} of ${total} ready (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  });
  try {
    return await plan();
  } finally {
    await drainKeyPool();
  }
}

/**
 * Plans install's PKI from what was observed (`req`, `observed`: lib/observe/install.ts), owners by name
 * (root, etcd) until written, so it needs no etcd account yet. `keysAhead` generates the new keys together.
 * The planner is loaded only now: x509's heap would add to the download's peak when staging comes first.
 */
export async function planInstallPki(
  req: PkiRequest,
  observed: ObservedPki,
  out: Output,
  keysAhead: boolean,
): Promise<PkiPlan> {
  const { planPki } = await import("../pki/plan.ts");
  const pki = keysAhead
    ? await withKeysAhead(req, observed, out, () => planPki(req, observed))
    : await planPki(req, observed);
  for (const w of pki.warnings ?? []) out.warn(`PKI: ${w}`);
  return pki;
}
