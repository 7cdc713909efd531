/**
 * Issuing certificates with WebCrypto and @peculiar/x509: a self-signed CA and leaves signed by it.
 * Serials are random 128-bit positive integers; every certificate carries a SubjectKeyIdentifier and an
 * AuthorityKeyIdentifier (a CA's equal to its own SKI, a leaf's to its CA's); NotBefore is backdated for
 * clock skew.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { randomBytes } from "node:crypto";
import { isRsa, type KeyAlgorithm, signingParams } from "./algorithms.ts";
import type { Usage } from "./profiles.ts";

/** A CA able to sign: its certificate, private key and the key's algorithm. */
export interface Signer {
  cert: x509.X509Certificate;
  key: CryptoKey;
  algorithm: KeyAlgorithm;
}

/** A validity window. */
export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** Default NotBefore backdating, in minutes. */
export const DEFAULT_BACKDATE_MINUTES = 5;

/** The window starting `backdateMinutes` before `now` and ending `days` after `now`. */
export function validity(now: Date, days: number, backdateMinutes = DEFAULT_BACKDATE_MINUTES): Validity {
  return {
    notBefore: new Date(now.getTime() - backdateMinutes * 60_000),
    notAfter: new Date(now.getTime() + days * 86_400_000),
  };
}

/** {@link validity} for a leaf issued by `ca`: it never ends after the CA does. */
export function leafValidity(ca: Signer, now: Date, days: number, backdateMinutes?: number): Validity {
  const win = validity(now, days, backdateMinutes);
  if (win.notAfter.getTime() > ca.cert.notAfter.getTime()) win.notAfter = ca.cert.notAfter;
  return win;
}

/** A random positive 128-bit serial number, as hex (top bit clear, next bit set: always 16 DER bytes). */
function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x40;
  return b.toString("hex");
}

/** Distinguished name text for a CN and optional O, e.g. "CN=admin, O=system:masters". */
export function distinguishedName(commonName: string, organization?: string): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, "\\$1");
  return [`CN=${esc(commonName)}`, ...(organization ? [`O=${esc(organization)}`] : [])].join(", ");
}

/** Parameters of {@link issueCa}. */
export interface CaParams {
  commonName: string;
  keys: CryptoKeyPair;
  algorithm: KeyAlgorithm;
  validity: Validity;
}

/**
 * Issues a self-signed CA: basicConstraints CA:true (critical), keyCertSign + cRLSign (critical), SKI, and
 * an AKI equal to the SKI. RFC 5280 lets a self-signed CA omit the AKI, but during a rotation the CA file
 * holds two CAs: without it OpenSSL and GnuTLS pick a CA by subject alone and fail on one of them.
 */
export async function issueCa(p: CaParams): Promise<x509.X509Certificate> {
  return await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: distinguishedName(p.commonName),
    notBefore: p.validity.notBefore,
    notAfter: p.validity.notAfter,
    keys: p.keys,
    signingAlgorithm: signingParams(p.algorithm),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(p.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(p.keys.publicKey),
    ],
  });
}

/** Parameters of {@link issueLeaf}. */
export interface LeafParams {
  /** Subject: DN text (see {@link distinguishedName}) or the exact Name of a certificate being renewed. */
  subject: string | x509.Name;
  /** Extended key usages: names of {@link Usage} or OIDs. */
  usages: (Usage | string)[];
  sans: { dns: string[]; ips: string[] };
  publicKey: CryptoKey;
  /** The algorithm of `publicKey`: RSA server leaves also get keyEncipherment. */
  keyAlgorithm: KeyAlgorithm;
  ca: Signer;
  validity: Validity;
}

/** The CA's key identifier: its SKI extension when present, else computed from its public key. */
async function caKeyId(ca: x509.X509Certificate): Promise<string> {
  const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return ski.keyId;
  const id = await ca.publicKey.getKeyIdentifier();
  return Array.from(new Uint8Array(id), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The keyUsage of a leaf with extended key usages `eku` (OIDs): digitalSignature, plus keyEncipherment for
 * an RSA key that serves TLS (serverAuth), where a TLS 1.2 client may encrypt the premaster secret to it.
 * A client-only certificate only ever signs, and RFC 5280 (and strict linters) allow keyEncipherment only
 * with key transport; ECDSA and Ed25519 keys cannot encipher at all.
 */
function leafKeyUsage(keyAlgorithm: KeyAlgorithm, eku: string[]): x509.KeyUsageFlags {
  const serves = eku.includes(x509.ExtendedKeyUsage.serverAuth);
  return x509.KeyUsageFlags.digitalSignature |
    (isRsa(keyAlgorithm) && serves ? x509.KeyUsageFlags.keyEncipherment : 0);
}

/**
 * Issues a leaf signed by `p.ca`: basicConstraints CA:false (critical), keyUsage (see {@link leafKeyUsage}),
 * the given EKUs, SANs when any, SKI and AKI.
 */
export async function issueLeaf(p: LeafParams): Promise<x509.X509Certificate> {
  const eku = p.usages.map((u) => (x509.ExtendedKeyUsage as Record<string, string>)[u] ?? u);
  const keyUsage = leafKeyUsage(p.keyAlgorithm, eku);
  const sans = [
    ...p.sans.dns.map((value) => ({ type: "dns" as const, value })),
    ...p.sans.ips.map((value) => ({ type: "ip" as const, value })),
  ];
  return await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: p.subject,
    issuer: p.ca.cert.subjectName,
    notBefore: p.validity.notBefore,
    notAfter: p.validity.notAfter,
    publicKey: p.publicKey,
    signingKey: p.ca.key,
    signingAlgorithm: signingParams(p.ca.algorithm),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(keyUsage, true),
      new x509.ExtendedKeyUsageExtension(eku, false),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans, false)] : []),
      await x509.SubjectKeyIdentifierExtension.create(p.publicKey),
      new x509.AuthorityKeyIdentifierExtension(await caKeyId(p.ca.cert), false),
    ],
  });
}
