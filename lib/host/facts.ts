/**
 * Gathering the host facts the planner needs (lib/facts.ts): names, addresses, architecture, whether we
 * are root. Gathered once, at the edge; {@link buildPlan} only reads the result, so planning stays pure.
 */
import { isIPv6 } from "node:net";
import type { HostRoot } from "./fs.ts";
import type { HostAddress, HostFacts } from "../facts.ts";

/** Whether `ip` is loopback or link-local (useless in a certificate or an advertise URL). */
export function isLocalOnly(ip: string): boolean {
  const v = ip.toLowerCase();
  return v.startsWith("127.") || v === "::1" || v.startsWith("169.254.") || /^fe[89ab][0-9a-f]:/.test(v);
}

/**
 * Finds the FQDN of `hostname` in /etc/hosts text: a dotted name on a line that also names the host.
 * @example fqdnFromHosts("10.0.0.5 node1.example.com node1\n", "node1") // "node1.example.com"
 */
export function fqdnFromHosts(hostsText: string, hostname: string): string | undefined {
  for (const raw of hostsText.split("\n")) {
    const names = raw.replace(/#.*/, "").trim().split(/\s+/).slice(1);
    if (!names.some((n) => n === hostname || n.split(".")[0] === hostname)) continue;
    const fq = names.find((n) => n.includes(".") && n.split(".")[0] === hostname);
    if (fq) return fq;
  }
  return undefined;
}

/** Sorts addresses IPv4 first and drops loopback, link-local and duplicates. */
export function routableAddresses(ifaces: { address: string; family: string }[]): HostAddress[] {
  const seen = new Set<string>();
  const out: HostAddress[] = [];
  for (const i of ifaces) {
    const address = i.address.replace(/%.*$/, "");
    if (isLocalOnly(address) || seen.has(address)) continue;
    seen.add(address);
    out.push({ address, family: isIPv6(address) ? "IPv6" : "IPv4" });
  }
  return [...out.filter((a) => a.family === "IPv4"), ...out.filter((a) => a.family === "IPv6")];
}

/**
 * Gathers the facts of `host`. The host name comes from {root}/etc/hostname when present (an image being
 * built under --root), else from the running kernel; addresses are always the running host's.
 */
export function gatherFacts(host: HostRoot): HostFacts {
  const fromFile = host.isLive ? undefined : host.readText("/etc/hostname")?.trim();
  const full = fromFile || Deno.hostname();
  const hostname = full.split(".")[0];
  const fqdn = full.includes(".") ? full : fqdnFromHosts(host.readText("/etc/hosts") ?? "", hostname);
  return {
    hostname,
    fqdn,
    addresses: routableAddresses(Deno.networkInterfaces()),
    cpu: Deno.build.arch,
    isRoot: Deno.uid() === 0,
  };
}
