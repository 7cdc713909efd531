/**
 * The names a host's server and peer certificates must cover: localhost, the host name and FQDN, the IPv4
 * loopback and every routable interface address. `::1` is not among them: etcd listens on it only for an
 * IPv6 member, whose plan adds it (lib/plan/build.ts), so a certificate never names a loopback etcd does not
 * serve. `certs check` compares certificates with it (SAN drift after an address or name change) and
 * `certs renew` adds it. A host name that is not a valid DNS name (e.g. with '_') is left out: strict
 * verifiers reject it in a certificate.
 */
import type { HostFacts } from "../facts.ts";
import { dnsName, mergeSans, type Sans } from "./sans.ts";

/**
 * The host's own names from its facts.
 * @example hostSans({ hostname: "n1", addresses: [{ address: "10.0.0.5", family: "IPv4" }], cpu: "x86_64", isRoot: true })
 * // { dns: ["localhost", "n1"], ips: ["127.0.0.1", "10.0.0.5"] }
 */
export function hostSans(facts: HostFacts): Sans {
  return mergeSans({
    dns: ["localhost", facts.hostname, ...(facts.fqdn ? [facts.fqdn] : [])].filter((n) => dnsName(n)),
    ips: ["127.0.0.1", ...facts.addresses.map((a) => a.address)],
  });
}
