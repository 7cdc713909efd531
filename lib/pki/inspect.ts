/**
 * Inspecting certificates and keys: SANs, key algorithm, chain to a CA, key match, SAN coverage, expiry,
 * and file owner/mode problems, for `certs check`, `status` and `renew --if-expiring`. Pure: it inspects
 * what observe.ts read ({@link ObservedPki}), so a command that inspects and then plans reads each file
 * once; {@link inspectPki} covers a whole layout and never throws for a broken certificate: it reports it.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPublicKey } from "node:crypto";
import { asEtcdupError } from "../errors.ts";
import { describeKeyObject } from "./algorithms.ts";
import { parseCertificates, parsePrivateKey } from "./pem.ts";
import type { LeafProfile, LeafRole } from "./profiles.ts";
import { certSans, missingSans, type Sans } from "./sans.ts";
import { chainsTo, daysUntil, keyMatches } from "./match.ts";
import { observedAt } from "./files.ts";
import type { ObservedFile, ObservedPki } from "./types.ts";

/** The key algorithm of a certificate's public key ("ecdsa-p256", "rsa-2048", ...). */
function certKeyAlgorithm(cert: x509.X509Certificate): string {
  const key = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: "der", type: "spki" });
  return describeKeyObject(key);
}

/** One problem found by {@link inspectPki}; `code` is stable, `message` names the file and the fix. */
export interface Problem {
  code:
    | "missing"
    | "bad-pem"
    | "expired"
    | "expiring"
    | "not-yet-valid"
    | "wrong-ca"
    | "key-mismatch"
    | "key-missing"
    | "san-drift"
    | "key-readable"
    | "key-owner"
    | "cert-writable";
  message: string;
}

/** What {@link inspectPki} found for one certificate. */
export interface CertInspection {
  /** "ca", a {@link LeafRole}, or "client:NAME" for other certificates in the PKI directory. */
  role: "ca" | LeafRole | `client:${string}`;
  certPath: string;
  keyPath: string;
  present: boolean;
  subject?: string;
  issuer?: string;
  sans?: Sans;
  keyAlgorithm?: string;
  serial?: string;
  notBefore?: string;
  notAfter?: string;
  daysLeft?: number;
  /** Leaves: chains to the CA bundle. */
  chains?: boolean;
  keyMatches?: boolean;
  /** Leaves with SANs: covers the host's current names (when given). */
  sansCover?: boolean;
  /** Number of certificates in the CA file (2 during a CA rotation). */
  bundleSize?: number;
  problems: Problem[];
}

/** The numeric owner of a file. */
export interface Owner {
  uid: number;
  gid: number;
}

/** Options of {@link inspectPki}. */
export interface InspectOptions {
  now: Date;
  /** Report certificates expiring within this many days. */
  warnDays: number;
  /** The host's current names; server and peer certificates must cover them. */
  hostSans?: Sans;
  etcdUid: number;
  etcdGid: number;
}

function readSafely<T>(fn: () => T, problems: Problem[]): T | undefined {
  try {
    return fn();
  } catch (err) {
    problems.push({ code: "bad-pem", message: asEtcdupError(err).message });
    return undefined;
  }
}

/** Octal text of a file mode: 0640. */
const octal = (mode: number) => mode.toString(8).padStart(4, "0");

/** Owner and mode problems of a pair: a key others can read or owned by the wrong user, a writable certificate. */
function modeProblems(
  observed: ObservedPki,
  keyPath: string,
  certPath: string,
  owner: Owner | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const entry = (p: string) => {
    const f = observedAt(observed, p);
    return f.missing ? undefined : f;
  };
  const k = entry(keyPath);
  const c = entry(certPath);
  if (k && (k.mode & 0o077) !== 0) {
    const message = `${keyPath} is mode ${octal(k.mode)}: group/other can read the private key (want 0600)`;
    problems.push({ code: "key-readable", message });
  }
  if (k && owner && (k.uid !== owner.uid || k.gid !== owner.gid)) {
    const message = `${keyPath} is owned by ${k.uid}:${k.gid}, want ${owner.uid}:${owner.gid}`;
    problems.push({ code: "key-owner", message });
  }
  if (c && (c.mode & 0o022) !== 0) {
    const message = `${certPath} is mode ${octal(c.mode)}: others can replace it (want 0644)`;
    problems.push({ code: "cert-writable", message });
  }
  return problems;
}

function validityProblems(cert: x509.X509Certificate, path: string, opts: InspectOptions): Problem[] {
  const days = daysUntil(cert.notAfter, opts.now);
  if (cert.notAfter.getTime() <= opts.now.getTime()) {
    return [{ code: "expired", message: `${path} expired on ${cert.notAfter.toISOString()}` }];
  }
  if (cert.notBefore.getTime() > opts.now.getTime()) {
    return [{
      code: "not-yet-valid",
      message: `${path} is not valid before ${cert.notBefore.toISOString()}`,
    }];
  }
  if (days < opts.warnDays) {
    return [{
      code: "expiring",
      message:
        `${path} expires in ${days} days (${cert.notAfter.toISOString()}), within the ${opts.warnDays}-day window`,
    }];
  }
  return [];
}

function describe(cert: x509.X509Certificate, now: Date): Partial<CertInspection> {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    sans: certSans(cert),
    keyAlgorithm: certKeyAlgorithm(cert),
    serial: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    daysLeft: daysUntil(cert.notAfter, now),
  };
}

/**
 * The text of the observed file at `p` as a certificate reads it (a final symlink followed), or undefined
 * when there is none; what cannot be read as a regular file (a directory) throws, as reading it did.
 */
function textAt(observed: ObservedPki, p: string): string | undefined {
  const f: ObservedFile = observedAt(observed, p);
  if (f.missing) return undefined;
  if (f.refused) throw f.refused;
  return f.text;
}

/**
 * Checks one certificate/key pair as observed; `cas` is the CA bundle a leaf must chain to (undefined for
 * the CA itself), `wantSans` the names it must cover (undefined: not checked). Returns the parsed
 * certificates too (the CA file's bundle).
 */
async function inspectPair(
  observed: ObservedPki,
  role: CertInspection["role"],
  certPath: string,
  keyPath: string,
  /** Who the key must belong to; undefined: anyone. */
  owner: Owner | undefined,
  cas: x509.X509Certificate[] | undefined,
  wantSans: Sans | undefined,
  opts: InspectOptions,
): Promise<{ inspection: CertInspection; certs?: x509.X509Certificate[] }> {
  const problems: Problem[] = [];
  const base: CertInspection = { role, certPath, keyPath, present: false, problems };
  const certText = textAt(observed, certPath);
  if (certText === undefined) {
    problems.push({ code: "missing", message: `${certPath} does not exist` });
    return { inspection: base };
  }
  const certs = readSafely(() => parseCertificates(certText, certPath), problems);
  if (!certs) return { inspection: { ...base, present: true } };
  const cert = certs[0];
  const inspection: CertInspection = { ...base, present: true, ...describe(cert, opts.now) };
  if (role === "ca") inspection.bundleSize = certs.length;
  problems.push(...validityProblems(cert, certPath, opts));

  const keyText = textAt(observed, keyPath);
  if (keyText === undefined) {
    problems.push({ code: "key-missing", message: `${keyPath} (the key of ${certPath}) does not exist` });
  } else {
    const key = readSafely(() => parsePrivateKey(keyText, keyPath), problems);
    if (key) {
      inspection.keyMatches = keyMatches(cert, key);
      if (!inspection.keyMatches) {
        problems.push({ code: "key-mismatch", message: `${keyPath} is not the private key of ${certPath}` });
      }
    }
    problems.push(...modeProblems(observed, keyPath, certPath, owner));
  }
  if (cas) {
    inspection.chains = await chainsTo(cert, cas);
    if (!inspection.chains) {
      problems.push({
        code: "wrong-ca",
        message: `${certPath} (issuer '${cert.issuer}') does not chain to the CA in the trust bundle`,
      });
    }
  }
  if (wantSans) {
    const missing = missingSans(cert, wantSans);
    inspection.sansCover = missing.length === 0;
    if (missing.length > 0) {
      problems.push({
        code: "san-drift",
        message: `${certPath} does not cover this host's current name(s) ${missing.join(", ")}`,
      });
    }
  }
  return { inspection, certs };
}

/**
 * Inspects the CA (first certificate of the CA file; the rest is the trust bundle), every leaf of
 * `profiles`, and `others` (client pairs, any key owner): each entry lists its problems, an empty list
 * meaning healthy. Every path must have been observed (observe.ts: the layout's files and the PKI
 * directory's pairs are).
 */
export async function inspectPki(
  observed: ObservedPki,
  ca: { certPath: string; keyPath: string },
  profiles: LeafProfile[],
  opts: InspectOptions,
  others: { name: string; certPath: string; keyPath: string }[] = [],
): Promise<CertInspection[]> {
  const caResult = await inspectPair(
    observed,
    "ca",
    ca.certPath,
    ca.keyPath,
    { uid: 0, gid: 0 },
    undefined,
    undefined,
    opts,
  );
  const out = [caResult.inspection];
  for (const p of profiles) {
    const owner = p.keyOwner === "etcd" ? { uid: opts.etcdUid, gid: opts.etcdGid } : { uid: 0, gid: 0 };
    const sans = p.withSans ? opts.hostSans : undefined;
    out.push(
      (await inspectPair(observed, p.role, p.certPath, p.keyPath, owner, caResult.certs, sans, opts))
        .inspection,
    );
  }
  for (const o of others) {
    const role = `client:${o.name}` as const;
    out.push(
      (await inspectPair(observed, role, o.certPath, o.keyPath, undefined, caResult.certs, undefined, opts))
        .inspection,
    );
  }
  return out;
}
