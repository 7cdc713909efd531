/**
 * Cluster topology, pure: URLs with bracketed IPv6, the `--initial-cluster` list (parsed with errors that name
 * the bad entry), the cluster token derived from it, and this member's name, addresses and URLs resolved from
 * the flags. Install and join both plan through {@link resolveTopology}, so a static bootstrap and a join
 * render the same settings the same way.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { usageError } from "../errors.ts";

/** One member of a cluster as `--initial-cluster` names it: a name and its peer URLs. */
export interface ClusterMember {
  name: string;
  /** Normalised peer URLs (`https://host:port`, IPv6 bracketed, lower-case host). */
  peerUrls: string[];
}

/** Member names: what etcd and a hostname both accept, and never `=` or `,` (the list separators). */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * The host part of a URL: IPv6 literals bracketed, anything else unchanged.
 * @example formatHost("fd00::1") // "[fd00::1]"
 */
export function formatHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/**
 * An https URL for an address and port, IPv6 bracketed.
 * @example formatUrl("10.0.0.1", 2380) // "https://10.0.0.1:2380"
 * @example formatUrl("fd00::1", 2379) // "https://[fd00::1]:2379"
 */
export function formatUrl(address: string, port: number): string {
  return `https://${formatHost(address)}:${port}`;
}

/**
 * Normalises an https member URL to `https://host:port` (lower-case host, compressed IPv6, no trailing
 * slash), so URLs written differently compare equal. Throws a usage error naming `what` when `url` is not an
 * https URL with an explicit port and no path.
 * @example normalizeUrl("https://[FD00:0::1]:2380/", "--initial-cluster") // "https://[fd00::1]:2380"
 */
export function normalizeUrl(url: string, what: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(
      "bad-url",
      `${what}: '${url}' is not a URL`,
      "Write https://ADDRESS:PORT; bracket IPv6 literals (https://[fd00::1]:2380).",
    );
  }
  if (u.protocol !== "https:") {
    throw usageError(
      "bad-url",
      `${what}: '${url}' is not https`,
      "etcdup runs every member URL over TLS: use https://.",
    );
  }
  if (
    u.port === "" || u.username || u.password || u.search || u.hash ||
    (u.pathname !== "/" && u.pathname !== "")
  ) {
    throw usageError(
      "bad-url",
      `${what}: '${url}' must be https://ADDRESS:PORT with an explicit port and nothing after it`,
      "Write e.g. https://10.0.0.1:2380.",
    );
  }
  return `https://${u.host.toLowerCase()}`;
}

/** The bare address of a member URL (IPv6 without brackets). */
export function urlAddress(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
}

/** The port of a member URL. */
export function urlPort(url: string): number {
  return Number(new URL(url).port);
}

/** Throws a usage error unless `name` is a valid member name. */
export function checkMemberName(name: string, what = "--name"): void {
  if (!NAME_RE.test(name)) {
    throw usageError(
      "bad-member-name",
      `${what}: '${name}' is not a valid member name`,
      "Use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit.",
    );
  }
}

/**
 * Parses `name1=https://ip1:2380,name2=https://ip2:2380` (a name may repeat for several peer URLs, as in
 * etcd). Members keep their first-seen order; errors name the offending entry.
 * @example parseInitialCluster("a=https://10.0.0.1:2380,b=https://10.0.0.2:2380").map((m) => m.name) // ["a", "b"]
 */
export function parseInitialCluster(text: string, what = "--initial-cluster"): ClusterMember[] {
  const members: ClusterMember[] = [];
  const seenUrls = new Map<string, string>();
  const entries = text.split(",").map((e) => e.trim());
  if (entries.every((e) => e === "")) {
    throw usageError("bad-initial-cluster", `${what} is empty`, "Write name1=https://ip1:2380,name2=...");
  }
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq <= 0) {
      throw usageError(
        "bad-initial-cluster",
        `${what}: entry '${entry}' is not NAME=URL`,
        "Write name1=https://ip1:2380,name2=https://ip2:2380 (no spaces, one entry per peer URL).",
      );
    }
    const name = entry.slice(0, eq);
    checkMemberName(name, `${what} entry '${entry}'`);
    const url = normalizeUrl(entry.slice(eq + 1), `${what} entry '${entry}'`);
    const owner = seenUrls.get(url);
    if (owner !== undefined) {
      throw usageError(
        "bad-initial-cluster",
        `${what}: peer URL ${url} is listed twice (${owner} and ${name})`,
        "Each member needs its own address and port.",
      );
    }
    seenUrls.set(url, name);
    const member = members.find((m) => m.name === name);
    if (member) member.peerUrls.push(url);
    else members.push({ name, peerUrls: [url] });
  }
  return members;
}

/**
 * Renders members as etcd's `ETCD_INITIAL_CLUSTER` value, in the given order.
 * @example formatInitialCluster([{ name: "a", peerUrls: ["https://10.0.0.1:2380"] }]) // "a=https://10.0.0.1:2380"
 */
export function formatInitialCluster(members: readonly ClusterMember[]): string {
  return members.flatMap((m) => m.peerUrls.map((u) => `${m.name}=${u}`)).join(",");
}

/**
 * The cluster token every node derives alike from the same member list, whatever order it was written in:
 * `etcd-` and 16 hex digits of the SHA-256 of the sorted `name=url` entries. Two clusters bootstrapped from
 * different lists get different tokens, so their members never mistake each other.
 * @example deriveClusterToken(parseInitialCluster("a=https://10.0.0.1:2380")) // "etcd-" + 16 hex digits
 */
export function deriveClusterToken(members: readonly ClusterMember[]): string {
  const entries = members.flatMap((m) => m.peerUrls.map((u) => `${m.name}=${u}`)).sort();
  return `etcd-${createHash("sha256").update(entries.join(",")).digest("hex").slice(0, 16)}`;
}

/** What {@link resolveTopology} needs: the member flags as given, and this host's facts. */
export interface TopologyInput {
  /** `--name`, or the short hostname when not given. */
  name: string;
  /** `--advertise-address`, if given. */
  advertiseAddress?: string;
  /** `--initial-cluster`, if given. */
  initialCluster?: string;
  /** `--cluster-token`, if given. */
  clusterToken?: string;
  /** `--client-port` and `--peer-port` when given (defaults 2379 and 2380, or the port in the member's entry). */
  clientPort?: number;
  peerPort?: number;
  /** Non-loopback addresses of this host, preferred first (used when nothing else names the address). */
  hostAddresses: readonly string[];
}

/** This member's place in the cluster: everything etcd's env file and the certificates' SANs need. */
export interface Topology {
  name: string;
  /** The address peers and clients use (bare, IPv6 unbracketed); always one of the certificates' IP SANs. */
  advertiseAddress: string;
  clientPort: number;
  peerPort: number;
  /** `ETCD_ADVERTISE_CLIENT_URLS`. */
  clientUrls: string[];
  /** `ETCD_INITIAL_ADVERTISE_PEER_URLS`. */
  peerUrls: string[];
  /** Every member, this one included. */
  members: ClusterMember[];
  /** `ETCD_INITIAL_CLUSTER`. */
  initialCluster: string;
  /** `ETCD_INITIAL_CLUSTER_STATE`: `new` for a bootstrap, `existing` for a join. */
  initialClusterState: "new" | "existing";
  /** `ETCD_INITIAL_CLUSTER_TOKEN`: given, or {@link deriveClusterToken} of the members. */
  clusterToken: string;
}

/**
 * Resolves the member flags into one {@link Topology}. With `--initial-cluster`, this member's entry (by
 * `--name`) supplies the advertise address and peer port unless they are given, and must agree with them
 * when they are. Without it, this is a one-member cluster on the advertise address (the flag, else the
 * host's first address).
 * @example resolveTopology({ name: "a", initialCluster: "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380", hostAddresses: [] }).advertiseAddress // "10.0.0.1"
 */
export function resolveTopology(input: TopologyInput): Topology {
  checkMemberName(input.name);
  if (input.advertiseAddress !== undefined && isIP(input.advertiseAddress) === 0) {
    throw usageError(
      "bad-advertise-address",
      `--advertise-address: '${input.advertiseAddress}' is not an IPv4 or IPv6 address`,
      "Give one of this host's IP addresses, without brackets or port.",
    );
  }
  if (input.clusterToken !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(input.clusterToken)) {
    throw usageError(
      "bad-cluster-token",
      `--cluster-token: '${input.clusterToken}' is not a valid token`,
      "Use 1-128 letters, digits, '.', '_' or '-'; or leave it out to derive one from --initial-cluster.",
    );
  }
  const clientPort = input.clientPort ?? 2379;
  if (!input.initialCluster) {
    const advertiseAddress = input.advertiseAddress ?? firstAddress(input.hostAddresses);
    const peerPort = input.peerPort ?? 2380;
    const members = [{ name: input.name, peerUrls: [formatUrl(advertiseAddress, peerPort)] }];
    return build(input, members, advertiseAddress, clientPort, peerPort);
  }
  const members = parseInitialCluster(input.initialCluster);
  const self = members.find((m) => m.name === input.name);
  if (!self) {
    throw usageError(
      "not-in-initial-cluster",
      `--initial-cluster does not list this member '${input.name}' (it lists ${
        members.map((m) => m.name).join(", ")
      })`,
      "Pass --name with this node's name in the list, or add name=https://ADDRESS:PEER_PORT for it.",
    );
  }
  const mine = self.peerUrls.find((u) =>
    (input.advertiseAddress === undefined || sameAddress(urlAddress(u), input.advertiseAddress)) &&
    (input.peerPort === undefined || urlPort(u) === input.peerPort)
  );
  if (!mine) {
    throw usageError(
      "advertise-mismatch",
      `--initial-cluster gives ${input.name}=${self.peerUrls.join(",")}, which does not match ` +
        `${input.advertiseAddress ? `--advertise-address ${input.advertiseAddress}` : ""}` +
        `${input.advertiseAddress && input.peerPort ? " and " : ""}` +
        `${input.peerPort ? `--peer-port ${input.peerPort}` : ""}`,
      "Make this member's entry in --initial-cluster use the advertise address and peer port, or drop those flags.",
    );
  }
  return build(input, members, urlAddress(mine), clientPort, urlPort(mine), self.peerUrls);
}

function build(
  input: TopologyInput,
  members: ClusterMember[],
  advertiseAddress: string,
  clientPort: number,
  peerPort: number,
  peerUrls = [formatUrl(advertiseAddress, peerPort)],
): Topology {
  return {
    name: input.name,
    advertiseAddress,
    clientPort,
    peerPort,
    clientUrls: [formatUrl(advertiseAddress, clientPort)],
    peerUrls,
    members,
    initialCluster: formatInitialCluster(members),
    initialClusterState: "new",
    clusterToken: input.clusterToken ?? deriveClusterToken(members),
  };
}

function firstAddress(addresses: readonly string[]): string {
  const first = addresses.find((a) => isIP(a) !== 0);
  if (first === undefined) {
    throw usageError(
      "no-address",
      "this host has no non-loopback address to advertise",
      "Pass --advertise-address IP (127.0.0.1 for a single-node lab).",
    );
  }
  return first;
}

/** Whether two IP literals name the same address (IPv6 compared in canonical form). */
export function sameAddress(a: string, b: string): boolean {
  return urlAddress(formatUrl(a, 1)) === urlAddress(formatUrl(b, 1));
}
