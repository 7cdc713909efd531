/**
 * The checks planning and inspection share, on parsed certificates and keys only: does a key belong to a
 * certificate, was a certificate issued by a CA, how many days until a date. Pure, so the planner (model)
 * and `certs check` (host: it reads the files) use the same rule.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPublicKey } from "node:crypto";
import type { LoadedKey } from "./pem.ts";

/** Whether `key` is the private key of `cert`. */
export function keyMatches(cert: x509.X509Certificate, key: LoadedKey): boolean {
  const spki = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: "der", type: "spki" })
    .export({ type: "spki", format: "der" }) as Uint8Array;
  return Buffer.from(spki).equals(Buffer.from(key.spki));
}

/** Whether `cert` was issued by `ca`: names match and `ca`'s key verifies the signature. */
async function issuedBy(cert: x509.X509Certificate, ca: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== ca.subject) return false;
  try {
    return await cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/** Whether `cert` was issued by any of `cas` (a trust bundle). */
export async function chainsTo(cert: x509.X509Certificate, cas: x509.X509Certificate[]): Promise<boolean> {
  for (const ca of cas) if (await issuedBy(cert, ca)) return true;
  return false;
}

/** Whole days from `now` until `date` (negative once past). */
export function daysUntil(date: Date, now: Date): number {
  return Math.floor((date.getTime() - now.getTime()) / 86_400_000);
}
