/**
 * What the planner knows about the host, as plain data: gathered by lib/host/facts.ts, read by the model
 * (lib/plan/build.ts, lib/pki/hostsans.ts). Here, in the core, so that planning never imports the host.
 */

/** One non-loopback, non-link-local interface address. */
export interface HostAddress {
  address: string;
  family: "IPv4" | "IPv6";
}

/** What the planner knows about the host. */
export interface HostFacts {
  /** Short host name, e.g. "node1". */
  hostname: string;
  /** Fully qualified name when the host has one (from the hostname itself or /etc/hosts). */
  fqdn?: string;
  /** Routable interface addresses, IPv4 first, in interface order. */
  addresses: HostAddress[];
  /** Deno's name of the CPU architecture ("x86_64", "aarch64"). */
  cpu: string;
  /** Whether this process runs as root. */
  isRoot: boolean;
}
