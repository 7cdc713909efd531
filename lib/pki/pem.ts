/**
 * Reading and writing PEM: certificates (one or a bundle) and private keys. Every malformed input becomes
 * an {@link EtcdupError} naming the file, so a truncated or foreign file is never half-used. Private keys
 * are read in any form OpenSSL writes (PKCS#8, PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY"), which
 * covers kubeadm's CA, and always written as PKCS#8.
 */
import "reflect-metadata";
import { X509Certificate } from "@peculiar/x509";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { EtcdupError, Exit } from "../errors.ts";
import { asKeyAlgorithm, describeKeyObject, type KeyAlgorithm, keyParams } from "./algorithms.ts";

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;

function badPem(where: string, what: string, cause?: unknown): EtcdupError {
  return new EtcdupError({
    code: "bad-pem",
    message: `${where}: ${what}`,
    hint:
      "The file must hold PEM text as written by etcdup, openssl or kubeadm; restore it from a backup or reissue it.",
    exit: Exit.verification,
    cause,
  });
}

/**
 * Parses every certificate in PEM `text` (a single certificate or a bundle, first one first).
 * `where` names the source (a path) in errors.
 */
export function parseCertificates(text: string, where: string): X509Certificate[] {
  const certs: X509Certificate[] = [];
  for (const m of text.matchAll(CERT_BLOCK)) {
    try {
      certs.push(
        new X509Certificate(Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0))),
      );
    } catch (err) {
      throw badPem(
        where,
        `certificate #${certs.length + 1} is not valid DER (${(err as Error).message})`,
        err,
      );
    }
  }
  if (certs.length === 0) throw badPem(where, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
  return certs;
}

/** PEM text of a certificate, newline-terminated. */
export function certificatePem(cert: X509Certificate): string {
  return cert.toString("pem").replace(/\r\n/g, "\n").trimEnd() + "\n";
}

/** A private key read from PEM. */
export interface LoadedKey {
  /** The node:crypto key (for comparisons and re-export). */
  keyObject: KeyObject;
  /** A KeyAlgorithm, or a description of an algorithm etcdup does not issue with (e.g. "rsa-1024"). */
  algorithm: string;
  /** The DER SubjectPublicKeyInfo of the matching public key. */
  spki: Uint8Array<ArrayBuffer>;
}

/** Parses a private key in PEM; `where` names the source in errors. */
export function parsePrivateKey(text: string, where: string): LoadedKey {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw badPem(where, "no PEM private key (-----BEGIN PRIVATE KEY-----) found");
  }
  if (text.includes("ENCRYPTED")) {
    throw badPem(
      where,
      "the private key is encrypted; etcdup needs it unencrypted (etcd reads it unattended)",
    );
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: text, format: "pem" });
  } catch (err) {
    throw badPem(where, `not a readable private key (${(err as Error).message})`, err);
  }
  const spki = new Uint8Array(
    createPublicKey(keyObject).export({ type: "spki", format: "der" }) as Uint8Array,
  );
  return { keyObject, algorithm: describeKeyObject(keyObject), spki };
}

/** PKCS#8 PEM text of a WebCrypto private key. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", key));
  const b64 = btoa(String.fromCharCode(...der)).replace(/.{64}/g, "$&\n").trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

/**
 * The WebCrypto signing key for a loaded key; errors (naming `where`) when etcdup cannot sign with its
 * algorithm.
 */
export async function signingKey(key: LoadedKey, where: string): Promise<CryptoKey> {
  const alg = asKeyAlgorithm(key.algorithm);
  if (!alg) {
    throw new EtcdupError({
      code: "unsupported-key-algorithm",
      message: `${where}: etcdup cannot sign with a ${key.algorithm} key`,
      hint: "Use a CA key of ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519.",
      exit: Exit.verification,
    });
  }
  const der = new Uint8Array(key.keyObject.export({ type: "pkcs8", format: "der" }) as Uint8Array);
  return await crypto.subtle.importKey("pkcs8", der, keyParams(alg), true, ["sign"]);
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
