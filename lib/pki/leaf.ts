/**
 * Planning one leaf of a layout (server, peer, admin, apiserver-client) from what was observed of its pair:
 * kept while valid, else reissued from the CA keeping its subject, with the union of its old SANs and the
 * requested ones (exactly the requested ones with `exactSans`).
 */
import "reflect-metadata";
import type * as x509 from "@peculiar/x509";
import { generateKeyPair, type KeyAlgorithm } from "./algorithms.ts";
import type { LoadedCa } from "./ca.ts";
import { CERT_OWNER, ETCD_KEY_OWNER, keptFile, readPkiFile, ROOT_KEY_OWNER } from "./files.ts";
import { chainsTo, daysUntil, keyMatches } from "./match.ts";
import { distinguishedName, issueLeaf, leafValidity, type Signer } from "./issue.ts";
import {
  certificatePem,
  type LoadedKey,
  parseCertificates,
  parsePrivateKey,
  privateKeyPem,
  publicOf,
} from "./pem.ts";
import type { LeafProfile } from "./profiles.ts";
import { RENEW_WITHIN_DAYS } from "./request.ts";
import { certSans, mergeSans, missingSans, type Sans } from "./sans.ts";
import type { ObservedPki, PkiRequest, PlannedFile } from "./types.ts";

/** Why an existing leaf must be reissued, or undefined to keep it. */
async function reissueReason(
  req: PkiRequest,
  profile: LeafProfile,
  cert: x509.X509Certificate,
  key: LoadedKey,
  ca: LoadedCa,
): Promise<string | undefined> {
  if (!keyMatches(cert, key)) {
    return `${profile.keyPath} is not the key of the certificate (an interrupted run?)`;
  }
  if (!(await chainsTo(cert, [ca.signer.cert]))) return `issued by another CA ('${cert.issuer}')`;
  const days = daysUntil(cert.notAfter, req.now);
  if (cert.notAfter.getTime() <= req.now.getTime()) return `expired on ${cert.notAfter.toISOString()}`;
  if (days < RENEW_WITHIN_DAYS) return `expires in ${days} days`;
  if (profile.withSans) {
    const missing = missingSans(cert, req.sans);
    if (missing.length > 0) return `SAN drift (new ${missing.join(", ")})`;
  }
  if (req.reissue?.includes(profile.role)) return "renewal requested";
  return undefined;
}

/** Issues one leaf from `ca` with `key` (or a new pair of `req.algorithm`), keeping `subject` when given. */
async function issueProfile(
  req: PkiRequest,
  profile: LeafProfile,
  ca: Signer,
  sans: Sans,
  key?: { publicKey: CryptoKey; algorithm: KeyAlgorithm },
  subject?: x509.Name,
): Promise<{ certPem: string; keyPem?: string; notes: string[] }> {
  const notes: string[] = [];
  const pair = key ? undefined : await generateKeyPair(req.algorithm);
  const win = leafValidity(ca, req.now, req.certDays, req.backdateMinutes);
  if (win.notAfter.getTime() === ca.cert.notAfter.getTime()) {
    notes.push(`${profile.role} certificate ends with the CA on ${ca.cert.notAfter.toISOString()}`);
  }
  const cert = await issueLeaf({
    subject: subject ?? distinguishedName(profile.commonName, profile.organization),
    usages: profile.usages,
    sans: profile.withSans ? sans : { dns: [], ips: [] },
    publicKey: key?.publicKey ?? pair!.publicKey,
    keyAlgorithm: key?.algorithm ?? req.algorithm,
    ca,
    validity: win,
  });
  return {
    certPem: certificatePem(cert),
    keyPem: pair ? await privateKeyPem(pair.privateKey) : undefined,
    notes,
  };
}

/**
 * Plans one leaf of a layout: kept when valid, else (re)issued from `ca` with the union of its old SANs
 * and the requested ones (only the requested ones when `req.exactSans`). Appends what it decided to `notes`.
 * A pair is written key first (see writePki), so a key without its certificate, or with a certificate it
 * does not match, is what a killed run leaves: the certificate is issued for the key on disk (finishing
 * that run) instead of replacing the key.
 */
export async function planLeaf(
  req: PkiRequest,
  observed: ObservedPki,
  profile: LeafProfile,
  ca: LoadedCa,
  notes: string[],
): Promise<PlannedFile[]> {
  const keyOwn = profile.keyOwner === "etcd" ? ETCD_KEY_OWNER : ROOT_KEY_OWNER;
  const certText = readPkiFile(observed, profile.certPath);
  const keyText = readPkiFile(observed, profile.keyPath);
  let reason: string | undefined = certText === undefined ? undefined : "key file missing";
  const onDisk = keyText === undefined ? undefined : parsePrivateKey(keyText, profile.keyPath);
  let sans = req.sans;
  let reuse: LoadedKey | undefined;
  let subject: x509.Name | undefined;
  if (certText !== undefined && keyText !== undefined) {
    const cert = parseCertificates(certText, profile.certPath)[0];
    const key = onDisk!;
    reason = await reissueReason(req, profile, cert, key, ca);
    if (reason === undefined) {
      return [
        keptFile(observed, profile.certPath, certText, CERT_OWNER, `${profile.role}-cert`),
        keptFile(observed, profile.keyPath, keyText, keyOwn, `${profile.role}-key`),
      ];
    }
    if (!req.exactSans) sans = mergeSans(certSans(cert), req.sans);
    subject = cert.subjectName;
    if (req.reuseKeys || !keyMatches(cert, key)) reuse = key;
  } else if (onDisk !== undefined) {
    reuse = onDisk; // the key of a pair a killed run did not finish
    reason = "certificate missing beside its key";
  }
  const reusable = reuse ? await publicOf(reuse) : undefined;
  const issued = await issueProfile(req, profile, ca.signer, sans, reusable, subject);
  notes.push(reason ? `reissued ${profile.role}: ${reason}` : `issued ${profile.role}`, ...issued.notes);
  const certAction = certText === undefined ? "create" : "replace";
  const keyAction = keyText === undefined ? "create" : "replace";
  return [
    {
      path: profile.certPath,
      content: issued.certPem,
      ...CERT_OWNER,
      role: `${profile.role}-cert`,
      action: certAction,
    },
    issued.keyPem === undefined
      ? keptFile(observed, profile.keyPath, keyText!, keyOwn, `${profile.role}-key`)
      : {
        path: profile.keyPath,
        content: issued.keyPem,
        ...keyOwn,
        role: `${profile.role}-key`,
        action: keyAction,
      },
  ];
}
