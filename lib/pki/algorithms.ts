/**
 * Key algorithms etcdup issues certificates with: parsing the `--key-algorithm` value, generating a
 * WebCrypto key pair, the signature algorithm a CA key signs with, and recognising the algorithm of an
 * existing key or certificate.
 */
import type { KeyObject } from "node:crypto";
import { usageError } from "../errors.ts";
import { takePooledKey } from "./keypool.ts";

/** A key algorithm offered by `--key-algorithm`. */
export type KeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "rsa-2048" | "rsa-3072" | "rsa-4096" | "ed25519";

/** Every {@link KeyAlgorithm}, default first. */
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = [
  "ecdsa-p256",
  "ecdsa-p384",
  "rsa-2048",
  "rsa-3072",
  "rsa-4096",
  "ed25519",
];

/** The default key algorithm. */
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = "ecdsa-p256";

/**
 * Parses a `--key-algorithm` value (case-insensitive).
 * @example parseKeyAlgorithm("RSA-2048") // "rsa-2048"
 */
export function parseKeyAlgorithm(s: string): KeyAlgorithm {
  const v = s.trim().toLowerCase() as KeyAlgorithm;
  if (KEY_ALGORITHMS.includes(v)) return v;
  throw usageError(
    "bad-key-algorithm",
    `--key-algorithm: unknown key algorithm '${s}'`,
    `Use one of: ${KEY_ALGORITHMS.join(", ")}.`,
  );
}

/** WebCrypto parameters to generate and import keys of `alg`. */
export function keyParams(alg: KeyAlgorithm): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  switch (alg) {
    case "ecdsa-p256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ecdsa-p384":
      return { name: "ECDSA", namedCurve: "P-384" };
    case "ed25519":
      return { name: "Ed25519" };
    default:
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: Number(alg.slice(4)),
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      };
  }
}

/** The signature algorithm a key of `alg` signs certificates with (SHA-384 for P-384, SHA-256 otherwise). */
export function signingParams(alg: KeyAlgorithm): Algorithm | EcdsaParams {
  switch (alg) {
    case "ecdsa-p256":
      return { name: "ECDSA", hash: "SHA-256" } as EcdsaParams;
    case "ecdsa-p384":
      return { name: "ECDSA", hash: "SHA-384" } as EcdsaParams;
    case "ed25519":
      return { name: "Ed25519" };
    default:
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm;
  }
}

/** Generates an extractable key pair of `alg` with WebCrypto, or takes one made ahead (lib/pki/keypool.ts). */
export async function generateKeyPair(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  return await (takePooledKey(alg) ?? freshKeyPair(alg));
}

/** Generates an extractable key pair of `alg` with WebCrypto now. */
export async function freshKeyPair(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(keyParams(alg), true, ["sign", "verify"]) as CryptoKeyPair;
}

/** Whether `alg` is RSA (the only algorithm whose server leaves also get keyEncipherment). */
export function isRsa(alg: KeyAlgorithm): boolean {
  return alg.startsWith("rsa-");
}

/**
 * Names the algorithm of a node:crypto key (private or public): a {@link KeyAlgorithm} when etcdup offers
 * it, otherwise a description such as "rsa-1024" or "ec-secp521r1" (inspectable, but not signed with).
 */
export function describeKeyObject(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "rsa":
      return `rsa-${d.modulusLength}`;
    case "ec":
      if (d.namedCurve === "prime256v1") return "ecdsa-p256";
      if (d.namedCurve === "secp384r1") return "ecdsa-p384";
      return `ec-${d.namedCurve}`;
    case "ed25519":
      return "ed25519";
    default:
      return String(key.asymmetricKeyType);
  }
}

/** The {@link KeyAlgorithm} a described algorithm is, or undefined when etcdup does not sign with it. */
export function asKeyAlgorithm(described: string): KeyAlgorithm | undefined {
  return (KEY_ALGORITHMS as readonly string[]).includes(described) ? described as KeyAlgorithm : undefined;
}
