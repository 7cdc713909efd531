/**
 * The CA: loading one from PEM (checked to be a CA, unexpired, with its key), issuing a fresh one, and
 * planning the CA files of a PKI from what was observed of it: the one in place, the one given
 * (--ca-from), or a new one. An existing CA is never replaced here: a missing key or a different CA given
 * is an error.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { EtcdupError, Exit } from "../errors.ts";
import { asKeyAlgorithm, generateKeyPair, type KeyAlgorithm } from "./algorithms.ts";
import { CERT_OWNER, keptFile, observedAt, readPkiFile, ROOT_KEY_OWNER } from "./files.ts";
import { refuseUnfinishedRotation } from "./journal.ts";
import { daysUntil, keyMatches } from "./match.ts";
import { issueCa, type Signer, validity } from "./issue.ts";
import type { Layout, PkiPaths } from "./layout.ts";
import {
  certificatePem,
  type LoadedKey,
  parseCertificates,
  parsePrivateKey,
  privateKeyPem,
  publicOf,
  signingKey,
} from "./pem.ts";
import { caCommonName, leafProfiles } from "./profiles.ts";
import { RENEW_WITHIN_DAYS } from "./request.ts";
import type { ObservedPki, PkiRequest, PlannedFile } from "./types.ts";

/** A CA loaded from PEM text, checked to be a usable CA whose key matches. */
export interface LoadedCa {
  /** Certificates in the CA file: the CA first, then any other CAs still trusted (rotation). */
  bundle: x509.X509Certificate[];
  key: LoadedKey;
  signer: Signer;
  /** What strict verifiers will hold against certificates this CA signs (see {@link strictnessWarnings}). */
  warnings: string[];
}

/**
 * What a CA certificate lacks that RFC 5280 asks of a CA and strict verifiers enforce (OpenSSL 3 with
 * -x509_strict refuses every certificate it signs; etcd and Go accept them): a keyUsage extension, a
 * critical basicConstraints, a SubjectKeyIdentifier. One warning naming `where` and each missing part, or none.
 */
function strictnessWarnings(cert: x509.X509Certificate, where: string): string[] {
  const missing = [
    ...(cert.getExtension(x509.KeyUsagesExtension) ? [] : ["keyUsage (keyCertSign, cRLSign)"]),
    ...(cert.getExtension(x509.BasicConstraintsExtension)?.critical ? [] : ["a critical basicConstraints"]),
    ...(cert.getExtension(x509.SubjectKeyIdentifierExtension) ? [] : ["a subjectKeyIdentifier"]),
  ];
  if (missing.length === 0) return [];
  return [
    `the CA ${where} lacks ${missing.join(", ")}: strict verifiers (OpenSSL -x509_strict) will refuse ` +
    "the certificates it signs, though etcd accepts them; reissue the CA with these extensions and move to it " +
    "with 'etcdup certs rotate-ca --ca-from FILE'",
  ];
}

/** Loads and checks a CA (certificate or bundle + key); `where` names the sources in errors. */
export async function loadCa(
  certPem: string,
  keyPem: string,
  where: { cert: string; key: string },
  now: Date,
): Promise<LoadedCa> {
  const bundle = parseCertificates(certPem, where.cert);
  const key = parsePrivateKey(keyPem, where.key);
  const cert = bundle[0];
  if (!keyMatches(cert, key)) {
    throw new EtcdupError({
      code: "ca-key-mismatch",
      message: `${where.key} is not the private key of the CA certificate ${where.cert}`,
      hint: "Put the CA's own key beside it (restore both from a backup or 'etcdup certs export' file).",
      exit: Exit.verification,
    });
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) {
    throw new EtcdupError({
      code: "not-a-ca",
      message: `${where.cert} is not a CA certificate (basicConstraints CA:true is missing)`,
      hint: "Give the CA certificate, not a leaf.",
      exit: Exit.verification,
    });
  }
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  if (ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign)) {
    throw new EtcdupError({
      code: "ca-cannot-sign",
      message: `${where.cert} is a CA certificate whose keyUsage lacks keyCertSign`,
      hint: "etcd (Go), OpenSSL and GnuTLS refuse every certificate it signs: give a CA with keyCertSign.",
      exit: Exit.verification,
    });
  }
  if (cert.notAfter.getTime() <= now.getTime()) {
    throw new EtcdupError({
      code: "ca-expired",
      message: `the CA ${where.cert} expired on ${cert.notAfter.toISOString()}`,
      hint: "Replace it with 'etcdup certs rotate-ca' (every leaf is reissued from the new CA).",
      exit: Exit.verification,
    });
  }
  const algorithm = asKeyAlgorithm(key.algorithm);
  const signer = { cert, key: await signingKey(key, where.key), algorithm: algorithm! };
  return { bundle, key, signer, warnings: strictnessWarnings(cert, where.cert) };
}

/**
 * Loads the CA in place at `paths` as `observed` (see {@link loadCa}); exit 7 naming the missing file when
 * the certificate or the key is not there, or when a CA switch is unfinished (`rotation-interrupted`).
 */
export function loadCaAt(observed: ObservedPki, paths: PkiPaths, now: Date): Promise<LoadedCa> {
  refuseUnfinishedRotation(observed, paths);
  const cert = readPkiFile(observed, paths.caCert);
  const key = readPkiFile(observed, paths.caKey);
  if (cert === undefined || key === undefined) {
    const missing = observedAt(observed, cert === undefined ? paths.caCert : paths.caKey);
    throw new EtcdupError({
      code: "no-ca",
      message: `${missing.where} does not exist`,
      hint:
        "Point --pki-dir/--layout/--root at an etcdup or kubeadm PKI, or create one with 'etcdup install'.",
      exit: Exit.precondition,
    });
  }
  return loadCa(cert, key, { cert: paths.caCert, key: paths.caKey }, now);
}

/** Whether two certificates are the same (DER equal). */
export function sameCert(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}

/** Files of a CA. */
function caFiles(
  paths: PkiPaths,
  certPem: string,
  keyPem: string,
  action: PlannedFile["action"],
): PlannedFile[] {
  return [
    { path: paths.caCert, content: certPem, ...CERT_OWNER, role: "ca-cert", action },
    { path: paths.caKey, content: keyPem, ...ROOT_KEY_OWNER, role: "ca-key", action },
  ];
}

/**
 * Plans the CA files of `paths`: the existing CA, the given one (`req.ca`), or a new one; appends to
 * `notes`, and to `warnings` what strict verifiers will hold against a given CA. Refused while a CA switch
 * is unfinished (`rotation-interrupted`): `certs rotate-ca` finishes it.
 */
export async function planCa(
  req: PkiRequest,
  observed: ObservedPki,
  paths: PkiPaths,
  notes: string[],
  warnings: string[],
): Promise<{ ca: LoadedCa; files: PlannedFile[] }> {
  refuseUnfinishedRotation(observed, paths);
  const certText = readPkiFile(observed, paths.caCert);
  const keyText = readPkiFile(observed, paths.caKey);
  const given = req.ca
    ? await loadCa(req.ca.certPem, req.ca.keyPem, {
      cert: req.ca.source ?? "--ca-cert",
      key: req.ca.source ?? "--ca-key",
    }, req.now)
    : undefined;
  warnings.push(...given?.warnings ?? []);
  if (certText !== undefined && keyText === undefined) {
    const existing = parseCertificates(certText, paths.caCert)[0];
    if (given && sameCert(existing, given.signer.cert)) {
      notes.push("kept CA certificate; restored its key from the given CA");
      return {
        ca: given,
        files: [
          keptFile(observed, paths.caCert, certText, CERT_OWNER, "ca-cert"),
          caFiles(paths, certText, await privateKeyPem(given.signer.key), "create")[1],
        ],
      };
    }
    const orphan = orphanCaKey(observed, existing);
    if (orphan) {
      notes.push(`kept CA certificate; put back its key from ${orphan.from}, which an interrupted run left`);
      return {
        ca: await loadCa(certText, orphan.keyText, { cert: paths.caCert, key: orphan.from }, req.now),
        files: [
          keptFile(observed, paths.caCert, certText, CERT_OWNER, "ca-cert"),
          caFiles(paths, certText, orphan.keyText, "create")[1],
        ],
      };
    }
    throw new EtcdupError({
      code: "ca-key-missing",
      message: `the CA certificate ${paths.caCert} is there but its key ${paths.caKey} is not`,
      hint:
        "Restore the CA key, or bring it with --ca-from (an 'etcdup certs export' file) or --ca-cert/--ca-key; " +
        "etcdup will not replace a CA that others may trust.",
      exit: Exit.precondition,
    });
  }
  if (certText === undefined && keyText !== undefined) {
    const key = parsePrivateKey(keyText, paths.caKey);
    if (!(await signedALeaf(observed, req, paths, key))) {
      return await finishCa(req, observed, paths, { text: keyText, key }, given, notes);
    }
    throw new EtcdupError({
      code: "ca-cert-missing",
      message: `the CA key ${paths.caKey} is there but its certificate ${paths.caCert} is not`,
      hint: "Restore the CA certificate, or remove the stray key if no certificate was ever issued from it.",
      exit: Exit.precondition,
    });
  }
  if (certText !== undefined && keyText !== undefined) {
    const ca = await loadCa(certText, keyText, { cert: paths.caCert, key: paths.caKey }, req.now);
    if (given && !sameCert(ca.signer.cert, given.signer.cert)) {
      throw new EtcdupError({
        code: "ca-conflict",
        message:
          `${paths.caCert} holds a different CA ('${ca.signer.cert.subject}', serial ${ca.signer.cert.serialNumber}) ` +
          `than the one given (${req.ca?.source ?? "--ca-cert"}, serial ${given.signer.cert.serialNumber})`,
        hint:
          "To move this node to the given CA (leaves reissued from it, old files backed up, both CAs trusted " +
          "until --finish), run 'etcdup certs rotate-ca --ca-from FILE'. To keep the current CA, drop the CA flags.",
        exit: Exit.precondition,
      });
    }
    const days = daysUntil(ca.signer.cert.notAfter, req.now);
    notes.push(
      days < RENEW_WITHIN_DAYS
        ? `kept CA, but it expires in ${days} days: run 'etcdup certs rotate-ca'`
        : "kept valid CA",
    );
    return {
      ca,
      files: [
        keptFile(observed, paths.caCert, certText, CERT_OWNER, "ca-cert"),
        keptFile(observed, paths.caKey, keyText, ROOT_KEY_OWNER, "ca-key"),
      ],
    };
  }
  if (given) {
    notes.push(`installed the given CA ('${given.signer.cert.subject}')`);
    const certPem = given.bundle.map(certificatePem).join("");
    return { ca: given, files: caFiles(paths, certPem, await privateKeyPem(given.signer.key), "create") };
  }
  const ca = await newCa(req.layout, req.algorithm, req.caDays, req.now, req.backdateMinutes);
  notes.push(`issued CA (${req.algorithm}, ${req.caDays} days)`);
  return { ca: ca.loaded, files: caFiles(paths, ca.certPem, ca.keyPem, "create") };
}

/**
 * The CA key a killed run left in a temp file beside `ca.key` (runs older than the key-first order wrote
 * `ca.crt` first): the first complete one that is the key of `cert`, or undefined.
 */
function orphanCaKey(
  observed: ObservedPki,
  cert: x509.X509Certificate,
): { from: string; keyText: string } | undefined {
  for (const { path: from, text: keyText } of observed.orphanCaKeys) {
    try {
      if (keyMatches(cert, parsePrivateKey(keyText, from))) return { from, keyText };
    } catch {
      // a temp file cut short by the kill: not a key
    }
  }
  return undefined;
}

/**
 * Whether any certificate in the PKI (the layout's leaves, every `*.crt` of the PKI dir) was signed by `key`: then
 * a CA certificate of that key existed and others may trust it.
 */
async function signedALeaf(
  observed: ObservedPki,
  req: PkiRequest,
  paths: PkiPaths,
  key: LoadedKey,
): Promise<boolean> {
  const pub = await publicOf(key);
  if (!pub) return true; // cannot tell: treat it as used
  const certs = [
    ...leafProfiles(req.layout, paths, req.memberName).map((p) => p.certPath),
    ...observed.dirCerts,
  ];
  for (const p of certs) {
    const f = observedAt(observed, p);
    const text = !f.missing && f.isFile ? f.text : undefined;
    if (text === undefined) continue;
    try {
      if (await parseCertificates(text, p)[0].verify({ publicKey: pub.publicKey, signatureOnly: true })) {
        return true;
      }
    } catch {
      // another algorithm or a broken certificate: not signed by this key
    }
  }
  return false;
}

/**
 * Finishes a CA whose key is in place without its certificate, which is what a run killed between the
 * two leaves (the key is written first) when nothing was issued from that key yet: the given CA when its
 * key is that key (or replacing the stray key, which is backed up), else a new CA certificate for the key.
 */
async function finishCa(
  req: PkiRequest,
  observed: ObservedPki,
  paths: PkiPaths,
  onDisk: { text: string; key: LoadedKey },
  given: LoadedCa | undefined,
  notes: string[],
): Promise<{ ca: LoadedCa; files: PlannedFile[] }> {
  const { text: keyText, key } = onDisk;
  if (given) {
    const same = keyMatches(given.signer.cert, key);
    notes.push(`installed the given CA ('${given.signer.cert.subject}')`);
    const certPem = given.bundle.map(certificatePem).join("");
    const keyPem = await privateKeyPem(given.signer.key);
    const [cert, keyFile] = caFiles(paths, certPem, keyPem, "create");
    return {
      ca: given,
      files: [
        cert,
        same
          ? keptFile(observed, paths.caKey, keyText, ROOT_KEY_OWNER, "ca-key")
          : { ...keyFile, action: "replace" },
      ],
    };
  }
  const algorithm = asKeyAlgorithm(key.algorithm) ?? req.algorithm;
  const ca = await newCa(req.layout, algorithm, req.caDays, req.now, req.backdateMinutes, undefined, key);
  notes.push(`issued the CA certificate for the CA key an interrupted run left (${req.caDays} days)`);
  return {
    ca: ca.loaded,
    files: [
      caFiles(paths, ca.certPem, ca.keyPem, "create")[0],
      keptFile(observed, paths.caKey, keyText, ROOT_KEY_OWNER, "ca-key"),
    ],
  };
}

/**
 * Issues a fresh CA for `layout`, named `commonName` (default: the layout's CA name), with a new key of
 * `algorithm` or the given `existing` one.
 */
export async function newCa(
  layout: Layout,
  algorithm: KeyAlgorithm,
  days: number,
  now: Date,
  backdateMinutes?: number,
  commonName = caCommonName(layout),
  existing?: LoadedKey,
): Promise<{ loaded: LoadedCa; certPem: string; keyPem: string }> {
  const pub = existing ? await publicOf(existing) : undefined;
  const keys = existing && pub
    ? { privateKey: await signingKey(existing, "CA key"), publicKey: pub.publicKey }
    : await generateKeyPair(algorithm);
  const cert = await issueCa({
    commonName,
    keys,
    algorithm,
    validity: validity(now, days, backdateMinutes),
  });
  const keyPem = await privateKeyPem(keys.privateKey);
  const certPem = certificatePem(cert);
  return {
    loaded: {
      bundle: [cert],
      key: parsePrivateKey(keyPem, "new CA key"),
      signer: { cert, key: keys.privateKey, algorithm },
      warnings: [],
    },
    certPem,
    keyPem,
  };
}
