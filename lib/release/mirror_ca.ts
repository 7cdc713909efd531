/** The `--mirror-ca` file: read apart from the HTTP client, so planning can check it without loading undici. */
import * as fs from "node:fs";
import { usageError } from "../errors.ts";

/**
 * Reads a `--mirror-ca` (or `--s3-ca`) PEM file, failing with a usage error (exit 2) naming the flag when it
 * is unreadable or holds no certificate. Planning calls it too, so a wrong path is reported before anything
 * is written.
 */
export function readMirrorCa(file: string, flag: "--mirror-ca" | "--s3-ca" = "--mirror-ca"): string {
  const code = flag === "--s3-ca" ? "s3-ca" : "mirror-ca";
  let pem: string;
  try {
    pem = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw usageError(
      `${code}-unreadable`,
      `${flag} ${file}: ${(err as Error).message}`,
      "Give a readable PEM file with the CA certificate(s) of your mirror.",
    );
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw usageError(
      `${code}-invalid`,
      `${flag} ${file} holds no PEM certificate`,
      "Give a PEM file with one or more '-----BEGIN CERTIFICATE-----' blocks.",
    );
  }
  return pem;
}
