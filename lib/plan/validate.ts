/**
 * Validators for single flag values. Each returns the parsed value or throws a usage error (exit 2) whose
 * message names the flag and the bad value, and whose hint names the fix.
 */
import * as path from "node:path";
import { isIP, isIPv6 } from "node:net";
import { usageError } from "../errors.ts";

/** A TCP port 1..65535. */
export function port(flag: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 65535) {
    throw usageError("bad-port", `--${flag}: '${raw}' is not a TCP port`, "Give a number from 1 to 65535.");
  }
  return n;
}

/** A positive whole number (days, seconds). */
export function positiveInt(flag: string, raw: string, max = 100_000): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > max) {
    throw usageError("bad-number", `--${flag}: '${raw}' is not a whole number from 1 to ${max}`);
  }
  return n;
}

/** An absolute path on the target (normalized, no trailing slash). */
export function absolutePath(flag: string, raw: string): string {
  if (!path.isAbsolute(raw)) {
    throw usageError("relative-path", `--${flag}: '${raw}' must be an absolute path`, `Write it as /${raw}.`);
  }
  if (!/^[A-Za-z0-9/._+@-]+$/.test(raw)) {
    throw usageError(
      "bad-path",
      `--${flag}: '${raw}' has characters systemd units and etcd flags cannot carry`,
      "Use letters, digits and / . _ + @ - only.",
    );
  }
  const p = path.normalize(raw).replace(/(.)\/+$/, "$1");
  if (p === "/") throw usageError("root-path", `--${flag}: '/' is not a usable directory`);
  return p;
}

/** A file on the machine running etcdup (relative paths resolve against the working directory). */
export function localFile(raw: string): string {
  return path.resolve(raw);
}

/** An IP address, normalized (IPv6 lowercased). */
export function ipAddress(flag: string, raw: string): string {
  const v = raw.trim().replace(/^\[(.*)\]$/, "$1");
  if (isIP(v) === 0) {
    throw usageError(
      "bad-address",
      `--${flag}: '${raw}' is not an IP address`,
      "Give an IPv4 or IPv6 literal.",
    );
  }
  return isIPv6(v) ? v.toLowerCase() : v;
}

/** Whether `s` is a DNS name (letters, digits, hyphens, dots; labels up to 63 characters). */
export function isDnsName(s: string): boolean {
  return s.length <= 253 &&
    s.split(".").every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

/** A member name etcd and certificate CNs accept. */
export function memberName(flag: string, raw: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(raw)) {
    throw usageError(
      "bad-name",
      `--${flag}: '${raw}' is not a valid member name`,
      "Use letters, digits, '.', '_' or '-' (at most 63), starting with a letter or digit.",
    );
  }
  return raw;
}

/** A hex SHA-256 digest, lowercased. */
export function sha256(flag: string, raw: string): string {
  const v = raw.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(v)) {
    throw usageError(
      "bad-sha256",
      `--${flag}: '${raw}' is not a SHA-256 digest`,
      "Give 64 hexadecimal digits.",
    );
  }
  return v;
}

/** A URL host part: IPv6 literals in brackets. */
export function urlHost(ip: string): string {
  return isIPv6(ip) ? `[${ip}]` : ip;
}
