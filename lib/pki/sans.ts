/**
 * Subject alternative names as sets: parsing `--san` values, canonical IP text, union, what a certificate
 * holds and which wanted names it lacks. Pure; planning (what to issue) and inspection (SAN drift) share it.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

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

/** The DNS names and IP addresses in a certificate's SAN extension. */
export function certSans(cert: x509.X509Certificate): Sans {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
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

/** Splits `--san` values into DNS names and canonical IPs (deduplicated, order kept). */
export function splitSans(values: string[]): Sans {
  const sans: Sans = { dns: [], ips: [] };
  for (const v of values) {
    const ip = normalizeIp(v);
    if (ip !== undefined) {
      if (!sans.ips.includes(ip)) sans.ips.push(ip);
    } else if (!sans.dns.includes(v.toLowerCase())) sans.dns.push(v.toLowerCase());
  }
  return sans;
}

/** Union of SAN sets, order kept. */
export function mergeSans(...sets: Sans[]): Sans {
  return splitSans(sets.flatMap((s) => [...s.dns, ...s.ips]));
}
