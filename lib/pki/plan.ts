/**
 * Planning the PKI: from a request (layout, algorithm, SANs, validity, an optional CA to use) and what is
 * already on disk, the full set of files with content, owner and mode. Existing valid material is kept;
 * leaves are reissued (from the same CA) only when missing, expiring, issued by another CA, or no longer
 * covering the requested SANs; anything that cannot be fixed without losing trust (a CA without its key,
 * a key that does not match its certificate, a different CA given than the one in place) is an error.
 * Reads through {@link HostRoot}; never writes.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { EtcdupError, Exit, usageError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { asKeyAlgorithm, generateKeyPair, type KeyAlgorithm, keyParams } from "./algorithms.ts";
import { distinguishedName, issueCa, issueLeaf, type Signer, validity } from "./issue.ts";
import { certSans, chainsTo, daysUntil, keyMatches, missingSans, normalizeIp, type Sans } from "./inspect.ts";
import { type Layout, type PkiPaths, pkiPaths } from "./layout.ts";
import {
  certificatePem,
  type LoadedKey,
  parseCertificates,
  parsePrivateKey,
  privateKeyPem,
  signingKey,
} from "./pem.ts";
import { caCommonName, type LeafProfile, leafProfiles, type LeafRole } from "./profiles.ts";

/** Leaves expiring within this many days are reissued by planning (and flagged by `certs check`). */
export const RENEW_WITHIN_DAYS = 30;

/** Longest validity etcdup issues, in days (100 years). */
export const MAX_DAYS = 36_500;

/** What the PKI should be. */
export interface PkiRequest {
  layout: Layout;
  pkiDir: string;
  /** Algorithm of new keys (existing valid keys are kept whatever their algorithm). */
  algorithm: KeyAlgorithm;
  memberName: string;
  /** Names server and peer certificates must cover. */
  sans: Sans;
  certDays: number;
  caDays: number;
  /** A CA to use (from --ca-from, or --ca-cert + --ca-key). */
  ca?: { certPem: string; keyPem: string; source?: string };
  etcdUid: number;
  etcdGid: number;
  now: Date;
  /** NotBefore backdating in minutes (default 5). */
  backdateMinutes?: number;
  /** Leaves to reissue even when valid (`certs renew`). */
  reissue?: LeafRole[];
  /** Keep the existing key of reissued leaves (`certs renew --reuse-keys`). */
  reuseKeys?: boolean;
}

/** One file of the plan. */
export interface PlannedFile {
  /** Target absolute path. */
  path: string;
  /** Full content (for kept files, what is on disk). */
  content: string;
  uid: number;
  gid: number;
  mode: number;
  /** "ca-cert", "ca-key", "server-cert", "server-key", ... */
  role: string;
  /** keep: right as is; create: new file; replace: new content (old one backed up); fix-owner: owner/mode only. */
  action: "keep" | "create" | "replace" | "fix-owner";
}

/** The planned PKI. */
export interface PkiPlan {
  paths: PkiPaths;
  files: PlannedFile[];
  /** What planning decided, for the user: "kept valid CA", "reissued server: SAN drift (new 10.0.0.5)". */
  notes: string[];
  /** Whether any file is created, replaced or fixed. */
  changed: boolean;
}

/** Owner/mode of certificates (0644 root). */
export const CERT_OWNER = { uid: 0, gid: 0, mode: 0o644 };

function checkDays(flag: string, days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw usageError(
      "bad-validity",
      `${flag}: validity must be a whole number of days from 1 to ${MAX_DAYS}, got ${days}`,
      `Pass e.g. ${flag} 365.`,
    );
  }
}

/** Validates the request's values (exit 2 naming the flag). */
export function validateRequest(req: PkiRequest): void {
  checkDays("--cert-days", req.certDays);
  checkDays("--ca-days", req.caDays);
  if (req.certDays > req.caDays) {
    throw usageError(
      "bad-validity",
      `--cert-days ${req.certDays} is longer than --ca-days ${req.caDays}`,
      "A leaf cannot outlive the CA that signs it; shorten --cert-days or lengthen --ca-days.",
    );
  }
  if (req.backdateMinutes !== undefined && !(req.backdateMinutes >= 0 && req.backdateMinutes <= 1440)) {
    throw usageError("bad-validity", `--backdate: must be 0 to 1440 minutes, got ${req.backdateMinutes}`);
  }
  if (req.memberName.trim() === "") throw usageError("bad-name", "--name: the member name is empty");
  for (const ip of req.sans.ips) {
    if (normalizeIp(ip) === undefined) throw usageError("bad-san", `--san: '${ip}' is not an IP address`);
  }
  for (const d of req.sans.dns) {
    if (/^[\d.]+$/.test(d)) throw usageError("bad-san", `--san: '${d}' is not an IP address`);
    if (
      !/^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/
        .test(d)
    ) {
      throw usageError("bad-san", `--san: '${d}' is neither a DNS name nor an IP address`);
    }
  }
}

/** Splits `--san` values into DNS names and canonical IPs (deduplicated, order kept). */
export function splitSans(values: string[]): Sans {
  const sans: Sans = { dns: [], ips: [] };
  for (const v of values) {
    const ip = normalizeIp(v);
    if (ip !== undefined) {
      if (!sans.ips.includes(ip)) sans.ips.push(ip);
    } else if (!sans.dns.includes(v.toLowerCase())) sans.dns.push(v.toLowerCase());
  }
  return sans;
}

/** Union of SAN sets, order kept. */
export function mergeSans(...sets: Sans[]): Sans {
  return splitSans(sets.flatMap((s) => [...s.dns, ...s.ips]));
}

/** A CA loaded from PEM text, checked to be a usable CA whose key matches. */
export interface LoadedCa {
  /** Certificates in the CA file: the CA first, then any other CAs still trusted (rotation). */
  bundle: x509.X509Certificate[];
  key: LoadedKey;
  signer: Signer;
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
  return { bundle, key, signer };
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
    { path: paths.caKey, content: keyPem, uid: 0, gid: 0, mode: 0o600, role: "ca-key", action },
  ];
}

/** An existing file planned with the wanted owner and mode: "keep" when they are right, else "fix-owner". */
function keptFile(
  host: HostRoot,
  path: string,
  content: string,
  own: { uid: number; gid: number; mode: number },
  role: string,
): PlannedFile {
  const st = host.stat(path);
  const same = st !== undefined && st.uid === own.uid && st.gid === own.gid && st.mode === own.mode;
  return { path, content, ...own, role, action: same ? "keep" : "fix-owner" };
}

/** Plans the CA: existing, given, or new. */
async function planCa(
  req: PkiRequest,
  host: HostRoot,
  paths: PkiPaths,
  notes: string[],
): Promise<{ ca: LoadedCa; files: PlannedFile[] }> {
  const certText = host.readText(paths.caCert);
  const keyText = host.readText(paths.caKey);
  const given = req.ca
    ? await loadCa(req.ca.certPem, req.ca.keyPem, {
      cert: req.ca.source ?? "--ca-cert",
      key: req.ca.source ?? "--ca-key",
    }, req.now)
    : undefined;
  if (certText !== undefined && keyText === undefined) {
    const existing = parseCertificates(certText, paths.caCert)[0];
    if (given && Buffer.from(existing.rawData).equals(Buffer.from(given.signer.cert.rawData))) {
      notes.push("kept CA certificate; restored its key from the given CA");
      return {
        ca: given,
        files: [
          keptFile(host, paths.caCert, certText, CERT_OWNER, "ca-cert"),
          caFiles(paths, certText, await privateKeyPem(given.signer.key), "create")[1],
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
    throw new EtcdupError({
      code: "ca-cert-missing",
      message: `the CA key ${paths.caKey} is there but its certificate ${paths.caCert} is not`,
      hint: "Restore the CA certificate, or remove the stray key if no certificate was ever issued from it.",
      exit: Exit.precondition,
    });
  }
  if (certText !== undefined && keyText !== undefined) {
    const ca = await loadCa(certText, keyText, { cert: paths.caCert, key: paths.caKey }, req.now);
    if (given && !Buffer.from(ca.signer.cert.rawData).equals(Buffer.from(given.signer.cert.rawData))) {
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
        keptFile(host, paths.caCert, certText, CERT_OWNER, "ca-cert"),
        keptFile(host, paths.caKey, keyText, { uid: 0, gid: 0, mode: 0o600 }, "ca-key"),
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

/** Issues a fresh CA for `layout`. */
export async function newCa(
  layout: Layout,
  algorithm: KeyAlgorithm,
  days: number,
  now: Date,
  backdateMinutes?: number,
): Promise<{ loaded: LoadedCa; certPem: string; keyPem: string }> {
  const keys = await generateKeyPair(algorithm);
  const cert = await issueCa({
    commonName: caCommonName(layout),
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
    },
    certPem,
    keyPem,
  };
}

/** Why an existing leaf must be reissued, or undefined to keep it. */
async function reissueReason(
  req: PkiRequest,
  profile: LeafProfile,
  cert: x509.X509Certificate,
  key: LoadedKey,
  ca: LoadedCa,
): Promise<string | undefined> {
  if (!keyMatches(cert, key)) {
    throw new EtcdupError({
      code: "key-mismatch",
      message: `${profile.keyPath} is not the private key of ${profile.certPath}`,
      hint:
        `Restore the matching pair from a backup, or issue a new pair with 'etcdup certs renew ${profile.role}'.`,
      exit: Exit.verification,
    });
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
  const win = validity(req.now, req.certDays, req.backdateMinutes);
  if (win.notAfter.getTime() > ca.cert.notAfter.getTime()) {
    win.notAfter = ca.cert.notAfter;
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

/** The public CryptoKey of a loaded key, when etcdup can issue for its algorithm. */
export async function publicOf(
  key: LoadedKey,
): Promise<{ publicKey: CryptoKey; algorithm: KeyAlgorithm } | undefined> {
  const algorithm = asKeyAlgorithm(key.algorithm);
  if (!algorithm) return undefined;
  const publicKey = await crypto.subtle.importKey("spki", key.spki, keyParams(algorithm), true, ["verify"]);
  return { publicKey, algorithm };
}

/**
 * Plans one leaf of a layout: kept when valid, else (re)issued from `ca` with the union of its old SANs
 * and the requested ones. Appends what it decided to `notes`.
 */
export async function planLeaf(
  req: PkiRequest,
  host: HostRoot,
  profile: LeafProfile,
  ca: LoadedCa,
  notes: string[],
): Promise<PlannedFile[]> {
  const keyOwn = profile.keyOwner === "etcd"
    ? { uid: req.etcdUid, gid: req.etcdGid, mode: 0o600 }
    : { uid: 0, gid: 0, mode: 0o600 };
  const certText = host.readText(profile.certPath);
  const keyText = host.readText(profile.keyPath);
  let reason: string | undefined = certText === undefined ? undefined : "key file missing";
  let sans = req.sans;
  let reuse: LoadedKey | undefined;
  let subject: x509.Name | undefined;
  if (certText !== undefined && keyText !== undefined) {
    const cert = parseCertificates(certText, profile.certPath)[0];
    const key = parsePrivateKey(keyText, profile.keyPath);
    reason = await reissueReason(req, profile, cert, key, ca);
    if (reason === undefined) {
      return [
        keptFile(host, profile.certPath, certText, CERT_OWNER, `${profile.role}-cert`),
        keptFile(host, profile.keyPath, keyText, keyOwn, `${profile.role}-key`),
      ];
    }
    sans = mergeSans(certSans(cert), req.sans);
    subject = cert.subjectName;
    if (req.reuseKeys) reuse = key;
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
    issued.keyPem === undefined ? keptFile(host, profile.keyPath, keyText!, keyOwn, `${profile.role}-key`) : {
      path: profile.keyPath,
      content: issued.keyPem,
      ...keyOwn,
      role: `${profile.role}-key`,
      action: keyAction,
    },
  ];
}

/**
 * Plans the whole PKI of `req` against what `host` holds. Throws {@link EtcdupError} for invalid requests
 * (exit 2), unreadable or mismatched material (exit 3) and states it will not resolve on its own (exit 7).
 */
export async function planPki(req: PkiRequest, host: HostRoot): Promise<PkiPlan> {
  validateRequest(req);
  const paths = pkiPaths(req.layout, req.pkiDir);
  const notes: string[] = [];
  const { ca, files } = await planCa(req, host, paths, notes);
  for (const profile of leafProfiles(req.layout, paths, req.memberName)) {
    files.push(...await planLeaf(req, host, profile, ca, notes));
  }
  return { paths, files, notes, changed: files.some((f) => f.action !== "keep") };
}

/**
 * Checks a plan before anything is put in place: every new leaf certificate chains to `signer` (default:
 * the first certificate of the plan's CA file) and matches its planned key. Throws a verification error (exit 3)
 * naming the file otherwise.
 */
export async function verifyPlan(plan: PkiPlan, signer?: x509.X509Certificate): Promise<void> {
  const caFile = plan.files.find((f) => f.role === "ca-cert");
  const ca = signer ?? (caFile ? parseCertificates(caFile.content, caFile.path)[0] : undefined);
  for (const f of plan.files) {
    if (!f.role.endsWith("-cert") || f.role === "ca-cert" || f.action === "keep") continue;
    const cert = parseCertificates(f.content, f.path)[0];
    const keyFile = plan.files.find((k) => k.role === f.role.replace(/-cert$/, "-key"));
    const fail = (what: string) =>
      new EtcdupError({
        code: "renewal-unsafe",
        message: `the new ${f.path} ${what}; nothing was replaced`,
        hint: "This is a bug in etcdup; re-run with ETCDUP_DEBUG=1 and report it.",
        exit: Exit.verification,
      });
    if (ca && !(await chainsTo(cert, [ca]))) throw fail("does not verify against the CA");
    if (keyFile && !keyMatches(cert, parsePrivateKey(keyFile.content, keyFile.path))) {
      throw fail("does not match its key");
    }
  }
}
