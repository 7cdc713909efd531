/**
 * Subject alternative names as sets: the one validator of `--san` values (install and every certs
 * command), canonical IP and DNS text, union, what a certificate holds and which wanted names it lacks.
 * Pure; planning (what to issue) and inspection (SAN drift) share it.
 */
import type * as x509 from "@peculiar/x509";
import { domainToASCII } from "node:url";
import { usageError } from "../errors.ts";

/** Subject alternative names, IPs in canonical text form. */
export interface Sans {
  dns: string[];
  ips: string[];
}

/**
 * The canonical text of an IPv4 or IPv6 address (IPv6 compressed, lower case), or undefined when `s`
 * is not an address.
 * @example normalizeIp("0:0:0:0:0:0:0:1") // "::1"
 */
export function normalizeIp(s: string): string | undefined {
  const bare = s.trim().replace(/^\[(.*)\]$/, "$1");
  if (/^[0-9.]+$/.test(bare)) {
    const parts = bare.split(".");
    if (
      parts.length !== 4 || parts.some((p) => p === "" || Number(p) > 255 || (p.length > 1 && p[0] === "0"))
    ) {
      return undefined;
    }
    return parts.map(Number).join(".");
  }
  if (!bare.includes(":") || !/^[0-9a-fA-F:.]+$/.test(bare)) return undefined;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * The canonical form of a DNS name for a certificate, or undefined when `s` is not one. A dNSName must be
 * in RFC 1034/1123 preferred syntax (RFC 5280 4.2.1.6): dot-separated labels of letters, digits and
 * hyphens, 1 to 63 characters, not starting or ending with a hyphen, at most 253 in all, and a last label
 * that is not all digits (that reads as an IPv4 address). Underscores are refused (strict linters and the
 * CA/Browser rules reject them). Canonical means: one trailing dot (the absolute form of the same name)
 * dropped, since Go and OpenSSL refuse a SAN ending in a dot; lower case; an internationalised name as its
 * A-label (`bücher.example` is `xn--bcher-kva.example`). A wildcard `*.` may be the whole first label, with
 * at least two labels after it (OpenSSL never matches `*.example`).
 * @example dnsName("Etcd.Example.") // "etcd.example"
 */
export function dnsName(s: string): string | undefined {
  const wildcard = s.startsWith("*.");
  const rest = (wildcard ? s.slice(2) : s).replace(/\.$/, "");
  const ascii = domainToASCII(rest);
  const labels = ascii.split(".");
  const ok = ascii.length > 0 && ascii.length <= 253 &&
    labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) &&
    !/^\d+$/.test(labels[labels.length - 1]) && (!wildcard || labels.length >= 2);
  return ok ? (wildcard ? "*." : "") + ascii : undefined;
}

/**
 * Checks one `--san` value: an IP address or a DNS name (see {@link dnsName}), else a usage error (exit 2)
 * naming it. Every path that takes SANs (install, join, each certs command, a planner request) uses this.
 */
export function checkSan(value: string): void {
  if (normalizeIp(value) !== undefined || dnsName(value) !== undefined) return;
  if (/^[\d.]*\d[\d.]*$/.test(value)) throw usageError("bad-san", `--san: '${value}' is not an IP address`);
  throw usageError(
    "bad-san",
    `--san: '${value}' is neither an IP address nor a DNS name`,
    "A DNS name is dot-separated labels of letters, digits and '-' (no '_'), optionally '*.' first followed " +
      "by two or more labels; a trailing dot is dropped, upper case and international names are converted.",
  );
}

/** `--san` values as canonical SAN sets, each checked by {@link checkSan}. */
export function parseSans(values: string[]): Sans {
  values.forEach(checkSan);
  return splitSans(values);
}

/** The subjectAltName extension's OID (RFC 5280, 4.2.1.6). */
const SAN_OID = "2.5.29.17";

/** The DNS names and IP addresses in a certificate's SAN extension (as held, lower-cased). */
export function certSans(cert: x509.X509Certificate): Sans {
  // By OID, so this module needs x509 only as types (install plans SANs before it loads the x509 code).
  const ext = cert.getExtension<x509.SubjectAlternativeNameExtension>(SAN_OID);
  const sans: Sans = { dns: [], ips: [] };
  for (const n of ext?.names.items ?? []) {
    if (n.type === "dns") sans.dns.push(n.value.toLowerCase());
    if (n.type === "ip") sans.ips.push(normalizeIp(n.value) ?? n.value);
  }
  return sans;
}

/** The requested names a certificate does not cover (DNS compared case-insensitively, IPs canonically). */
export function missingSans(cert: x509.X509Certificate, wanted: Sans): string[] {
  const have = certSans(cert);
  return [
    ...wanted.dns.filter((d) => !have.dns.includes(d.toLowerCase())),
    ...wanted.ips.filter((ip) => !have.ips.includes(normalizeIp(ip) ?? ip)),
  ];
}

/**
 * Splits names into canonical DNS names and IPs (deduplicated, order kept). A name that is neither (one an
 * older certificate holds) is kept lower-cased: renewing never fails on it; {@link checkSan} keeps new ones out.
 */
export function splitSans(values: string[]): Sans {
  const sans: Sans = { dns: [], ips: [] };
  for (const v of values) {
    const ip = normalizeIp(v);
    const dns = dnsName(v) ?? v.toLowerCase();
    if (ip !== undefined) {
      if (!sans.ips.includes(ip)) sans.ips.push(ip);
    } else if (!sans.dns.includes(dns)) sans.dns.push(dns);
  }
  return sans;
}

/** Union of SAN sets, order kept. */
export function mergeSans(...sets: Sans[]): Sans {
  return splitSans(sets.flatMap((s) => [...s.dns, ...s.ips]));
}
