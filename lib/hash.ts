/**
 * SHA-256 of bytes in memory, the digest etcdup records and compares everywhere (planned files, the state
 * record, manifests). Pure, so the model hashes what it plans; hashing a file on disk without holding it is
 * the host's (lib/host/hash.ts).
 */
import { createHash } from "node:crypto";

/** Hex SHA-256 of some bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
