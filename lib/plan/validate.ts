/**
 * Validators for single flag values. Each returns the parsed value or throws a usage error (exit 2) whose
 * message names the flag and the bad value, and whose hint names the fix.
 */
import * as path from "node:path";
import { isIP, isIPv4, isIPv6 } from "node:net";
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

/**
 * An absolute path on the target, as written: no `.` or `..` segments (so what is checked is what is used),
 * only characters systemd units, env files and shell profiles carry unquoted (no spaces, quotes or control
 * characters that could start a new line); a trailing slash is dropped.
 */
export function absolutePath(flag: string, raw: string): string {
  if (!path.isAbsolute(raw)) {
    throw usageError("relative-path", `--${flag}: '${raw}' must be an absolute path`, `Write it as /${raw}.`);
  }
  if (!/^[A-Za-z0-9/._+@-]+$/.test(raw)) {
    throw usageError(
      "bad-path",
      `--${flag}: '${
        JSON.stringify(raw).slice(1, -1)
      }' has characters systemd units and etcd flags cannot carry`,
      "Use letters, digits and / . _ + @ - only.",
    );
  }
  const p = path.normalize(raw).replace(/(.)\/+$/, "$1");
  if (raw.split("/").some((s) => s === "." || s === "..")) {
    throw usageError(
      "bad-path",
      `--${flag}: '${raw}' has '.' or '..' segments`,
      `Write the directory it means without them: ${p}.`,
    );
  }
  if (p.length > 1024 || p.split("/").some((s) => s.length > 255)) {
    throw usageError(
      "bad-path",
      `--${flag}: '${p.slice(0, 64)}...' is too long for a path`,
      "Give a path of at most 1024 characters, each name at most 255.",
    );
  }
  if (p === "/") {
    throw usageError(
      "root-path",
      `--${flag}: '/' is not a usable directory`,
      "Give a dedicated directory (see 'etcdup install --help' for the defaults).",
    );
  }
  return p;
}

/**
 * The `--root` tree (`/`, the live host, when not given). An empty value (`--root ""`, `ETCDUP_ROOT=`) is
 * refused: resolved like a path it would mean the working directory, which run from `/` is the live host.
 * @example rootDir(undefined) // "/"
 */
export function rootDir(raw: string | boolean | string[] | undefined): string {
  if (raw === undefined) return "/";
  if (typeof raw !== "string" || raw.trim() === "") {
    throw usageError(
      "empty-root",
      "--root (or ETCDUP_ROOT) is set but empty: etcdup will not guess which tree it means",
      "Give the tree's directory, e.g. --root /mnt/image; to work on this host, leave --root and ETCDUP_ROOT unset.",
    );
  }
  return raw;
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

/**
 * Why etcd members cannot reach each other on `ip` (normalized, no brackets), or undefined when they can:
 * the unspecified address (`0.0.0.0`, `::`: "any", an address to listen on, not to be reached at), a
 * multicast or the broadcast address. IPv4-mapped IPv6 addresses are judged as their IPv4 address.
 * @example unreachableAddress("::") // "is the unspecified address"
 */
export function unreachableAddress(ip: string): string | undefined {
  const canon = canonicalIp(ip);
  if (isIPv4(canon)) {
    const [a] = canon.split(".").map(Number);
    if (a === 0) return "is the unspecified address (0.0.0.0/8)";
    if (a >= 224 && a <= 239) return "is a multicast address";
    if (canon === "255.255.255.255") return "is the broadcast address";
    return undefined;
  }
  if (canon === "::") return "is the unspecified address (::)";
  if (/^ff[0-9a-f]{2}:/.test(canon)) return "is a multicast address";
  return undefined;
}

/**
 * One spelling per address: IPv6 compressed and lower case, an IPv4-mapped IPv6 address as its IPv4 address.
 * @example canonicalIp("::FFFF:10.0.0.1") // "10.0.0.1"
 */
export function canonicalIp(ip: string): string {
  if (isIPv4(ip)) return ip;
  const canon = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canon);
  if (!mapped) return canon;
  const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
}

/** An address etcd advertises to other members and clients: an IP (see {@link ipAddress}) they can reach. */
export function advertiseAddress(flag: string, raw: string): string {
  const ip = ipAddress(flag, raw);
  const why = unreachableAddress(ip);
  if (why) {
    throw usageError(
      "bad-advertise-address",
      `--${flag}: '${raw}' ${why}; other members and clients cannot reach this node there`,
      "Give this node's own address on the network its peers use, e.g. 10.0.0.5.",
    );
  }
  return ip;
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
