/**
 * CA rotation without downtime. Switch: a new CA (generated, or given with --ca-from/--ca-cert), the CA
 * file becomes a trust bundle holding the new CA then the old one, the CA key becomes the new CA's, and
 * every leaf (the layout's, and the client pairs in the PKI directory keeping their own key algorithm and
 * lifetime) is reissued from the new CA; a generated CA's subject carries the time it was made;
 * clients holding old-CA certificates are still accepted. Finish: every leaf must chain to the new CA;
 * the old CA is dropped from the bundle, and old-CA clients are refused. For a cluster, an optional stage
 * step first makes every member trust the new CA while still presenting old-CA certificates. Each step is
 * planned from what was observed of the PKI (observe.ts), the rotation journal included.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { EtcdupError, Exit } from "../errors.ts";
import { loadCa, loadCaAt, type LoadedCa, newCa, sameCert } from "./ca.ts";
import { clientPairs, planReissue } from "./clients.ts";
import { type CaSource, renderCaExport } from "./export.ts";
import { CERT_OWNER, observedAt, ROOT_KEY_OWNER } from "./files.ts";
import { chainsTo } from "./match.ts";
import { pendingRotation, type RotationJournal, rotationJournalPath, unfinishedRotation } from "./journal.ts";
import { type PkiPaths, pkiPaths } from "./layout.ts";
import { planLeaf } from "./leaf.ts";
import { certificatePem, parseCertificates, privateKeyPem } from "./pem.ts";
import { LEAF_ROLES, leafProfiles, rotatedCaCommonName } from "./profiles.ts";
import { validateRequest } from "./request.ts";
import type { ObservedPki, PkiPlan, PkiRequest } from "./types.ts";

/**
 * Warns when the CA file would trust two CAs of the same subject of which one has no
 * AuthorityKeyIdentifier: OpenSSL and GnuTLS may then take one for the other and fail to verify it (which
 * one depends on their order and on the verifier).
 */
function sameSubjectWarnings(old: LoadedCa, next: LoadedCa, source: string): string[] {
  const hasAki = (c: x509.X509Certificate) => Boolean(c.getExtension(x509.AuthorityKeyIdentifierExtension));
  const clash = old.bundle.find((c) =>
    !sameCert(c, next.signer.cert) && c.subject === next.signer.cert.subject
  );
  if (!clash || (hasAki(clash) && hasAki(next.signer.cert))) return [];
  return [
    `the CA in ${source} has the same subject '${clash.subject}' as the current CA and one of them has no ` +
    "authorityKeyIdentifier: OpenSSL or GnuTLS may fail to verify one of them from the CA file during the " +
    "rotation; " +
    "give a CA with another subject (a generated one has its own)",
  ];
}

/** The CA to rotate to: `given` (checked, and not the current one) or a new one; appends to `notes` and `warnings`. */
async function nextCa(
  req: PkiRequest,
  old: LoadedCa,
  given: CaSource | undefined,
  notes: string[],
  warnings: string[],
): Promise<{ next: LoadedCa; keyPem: string }> {
  if (!given) {
    const name = rotatedCaCommonName(req.layout, req.now);
    const made = await newCa(req.layout, req.algorithm, req.caDays, req.now, req.backdateMinutes, name);
    notes.push(`issued new CA 'CN=${name}' (${req.algorithm}, ${req.caDays} days)`);
    return { next: made.loaded, keyPem: made.keyPem };
  }
  const next = await loadCa(given.certPem, given.keyPem, { cert: given.source, key: given.source }, req.now);
  if (sameCert(next.signer.cert, old.signer.cert)) {
    throw new EtcdupError({
      code: "same-ca",
      message: `${given.source} is the CA already in use`,
      hint: "Give a different CA, or omit --ca-from/--ca-cert to generate one.",
      exit: Exit.usage,
    });
  }
  notes.push(`using the given CA '${next.signer.cert.subject}' from ${given.source}`);
  warnings.push(...next.warnings, ...sameSubjectWarnings(old, next, given.source));
  return { next, keyPem: await privateKeyPem(next.signer.key) };
}

/** Whether `given` is the CA staged beside the current one (the second and later certificates of the CA file). */
function isStaged(old: LoadedCa, given: CaSource | undefined): boolean {
  const staged = given ? parseCertificates(given.certPem, given.source)[0] : undefined;
  return staged !== undefined && old.bundle.slice(1).some((c) => sameCert(c, staged));
}

function inProgress(paths: PkiPaths, old: LoadedCa): EtcdupError {
  return new EtcdupError({
    code: "rotation-in-progress",
    message: `${paths.caCert} already trusts ${old.bundle.length} CAs: a rotation is in progress`,
    hint: "Finish it with 'etcdup certs rotate-ca --finish', or switch to the staged CA with --ca-from FILE.",
    exit: Exit.precondition,
  });
}

/**
 * Plans the optional first step for a cluster: trust `given` (or a new CA) next to the current one,
 * leaves unchanged, so every member accepts new-CA certificates before any member presents one.
 * `exportText` is the new CA's export file when it was generated here (carry it to the other members).
 */
export async function planRotationStage(
  req: PkiRequest,
  observed: ObservedPki,
  given?: CaSource,
): Promise<{ plan: PkiPlan; exportText?: string }> {
  validateRequest(req);
  const paths = pkiPaths(req.layout, req.pkiDir);
  const old = await loadCaAt(observed, paths, req.now);
  const notes: string[] = [];
  const warnings: string[] = [];
  if (old.bundle.length > 1) {
    if (isStaged(old, given)) {
      return { plan: { paths, files: [], notes: [`${given!.source} is already trusted`], changed: false } };
    }
    throw inProgress(paths, old);
  }
  const { next, keyPem } = await nextCa(req, old, given, notes, warnings);
  notes.push(`${paths.caCert} now trusts the current and the new CA; leaves unchanged`);
  const bundle = certificatePem(old.signer.cert) + certificatePem(next.signer.cert);
  return {
    plan: {
      paths,
      files: [{ path: paths.caCert, content: bundle, ...CERT_OWNER, role: "ca-cert", action: "replace" }],
      notes,
      warnings,
      changed: true,
    },
    exportText: given ? undefined : await renderCaExport(certificatePem(next.signer.cert), keyPem, req.now),
  };
}

/**
 * Plans the switch to `given` (or a new CA of `req.algorithm`, `req.caDays`): the CA file becomes the new
 * CA then the old one, the key the new CA's, every leaf and client pair reissued from it. A CA staged with
 * {@link planRotationStage} may be given; any other rotation in progress is an error.
 */
export async function planRotation(
  req: PkiRequest,
  observed: ObservedPki,
  given?: CaSource,
): Promise<PkiPlan> {
  validateRequest(req);
  const paths = pkiPaths(req.layout, req.pkiDir);
  const notes: string[] = [];
  const warnings: string[] = [];
  const pending = pendingRotation(observed);
  const { next, keyPem, bundle } = pending
    ? await resumed(pending, paths, given, req.now, notes)
    : await started(req, observed, paths, given, notes, warnings);
  const files: PkiPlan["files"] = [
    { path: paths.caCert, content: bundle, ...CERT_OWNER, role: "ca-cert", action: "replace" },
    { path: paths.caKey, content: keyPem, ...ROOT_KEY_OWNER, role: "ca-key", action: "replace" },
  ];
  notes.push(`${paths.caCert} now trusts the new and the old CA until 'rotate-ca --finish'`);
  const leafReq: PkiRequest = { ...req, reissue: [...LEAF_ROLES] };
  for (const profile of leafProfiles(req.layout, paths, req.memberName)) {
    files.push(...await planLeaf(leafReq, observed, profile, next, notes));
  }
  const own = {
    algorithm: req.algorithm,
    reuseKeys: req.reuseKeys,
    now: req.now,
    backdateMinutes: req.backdateMinutes,
  };
  for (const pair of clientPairs(observed, paths)) {
    files.push(...await planReissue(pair, observed, next, own));
    notes.push(`reissued client ${pair.name} from the new CA (its own key algorithm and lifetime)`);
  }
  return { paths, files, notes, warnings, changed: true };
}

/** The new CA of a switch and the CA file it writes: the current CA checked, then the next one made or given. */
async function started(
  req: PkiRequest,
  observed: ObservedPki,
  paths: PkiPaths,
  given: CaSource | undefined,
  notes: string[],
  warnings: string[],
): Promise<{ next: LoadedCa; keyPem: string; bundle: string }> {
  const old = await loadCaAt(observed, paths, req.now);
  if (old.bundle.length > 1 && !isStaged(old, given)) throw inProgress(paths, old);
  const { next, keyPem } = await nextCa(req, old, given, notes, warnings);
  return { next, keyPem, bundle: certificatePem(next.signer.cert) + certificatePem(old.signer.cert) };
}

/** The CA of the switch an interrupted run recorded in `pending` (the CA files may be half written). */
export async function pendingCa(pending: RotationJournal, paths: PkiPaths, now: Date): Promise<LoadedCa> {
  const where = rotationJournalPath(paths);
  return await loadCa(pending.bundle, pending.keyPem, { cert: where, key: where }, now);
}

/** The switch an interrupted run recorded, to finish; a CA given that is not that one is refused. */
async function resumed(
  pending: RotationJournal,
  paths: PkiPaths,
  given: CaSource | undefined,
  now: Date,
  notes: string[],
): Promise<{ next: LoadedCa; keyPem: string; bundle: string }> {
  const next = await pendingCa(pending, paths, now);
  const wanted = given ? parseCertificates(given.certPem, given.source)[0] : undefined;
  if (wanted && !sameCert(wanted, next.signer.cert)) throw unfinishedRotation(paths, pending);
  notes.push(
    `finishing the switch to the CA '${next.signer.cert.subject}' that a run begun at ${pending.startedAt} left unfinished`,
  );
  return { next, keyPem: pending.keyPem, bundle: pending.bundle };
}

/** Plans the end of a rotation: every leaf chains to the new CA, the old CA leaves the bundle. */
export async function planRotationFinish(req: PkiRequest, observed: ObservedPki): Promise<PkiPlan> {
  const paths = pkiPaths(req.layout, req.pkiDir);
  const ca = await loadCaAt(observed, paths, req.now);
  if (ca.bundle.length === 1) {
    return { paths, files: [], notes: ["no rotation in progress: the CA file holds one CA"], changed: false };
  }
  const leaves = [
    ...leafProfiles(req.layout, paths, req.memberName).map((p) => p.certPath),
    ...clientPairs(observed, paths).map((p) => p.certPath),
  ];
  const stale: string[] = [];
  for (const certPath of leaves) {
    const f = observedAt(observed, certPath);
    if (!f.missing && f.refused) throw f.refused;
    const text = f.missing ? undefined : f.text;
    if (text === undefined) continue;
    if (!(await chainsTo(parseCertificates(text, certPath)[0], [ca.signer.cert]))) stale.push(certPath);
  }
  if (stale.length > 0) {
    throw new EtcdupError({
      code: "rotation-incomplete",
      message: `not issued by the new CA yet: ${stale.join(", ")}`,
      hint: "Reissue them with 'etcdup certs renew' before dropping the old CA.",
      exit: Exit.precondition,
    });
  }
  return {
    paths,
    files: [{
      path: paths.caCert,
      content: certificatePem(ca.signer.cert),
      ...CERT_OWNER,
      role: "ca-cert",
      action: "replace",
    }],
    notes: [
      `${paths.caCert} trusts only '${ca.signer.cert.subject}' now (dropped ${
        ca.bundle.length - 1
      } other CA)`,
    ],
    changed: true,
  };
}
