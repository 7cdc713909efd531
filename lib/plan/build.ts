/**
 * Install's typed options + host facts -> the validated {@link InstallPlan}. Pure: it reads nothing from the
 * host, so every rule is unit-tested. Each flag's own rule already ran (lib/plan/options.ts); this checks what
 * involves several flags or the host (sources, ports, lifetimes, CA flags, directories), each bad value a
 * usage error naming its flag.
 */
import * as path from "node:path";
import { isIPv6 } from "node:net";
import { usageError } from "../errors.ts";
import type { InstallOptions } from "../specs/install.ts";
import { DEFAULT_KEY_ALGORITHM } from "../pki/algorithms.ts";
import { defaultPkiDir } from "../pki/layout.ts";
import { hostSans } from "../pki/hostsans.ts";
import { checkCaFlags } from "../pki/export.ts";
import { checkLifetimes } from "../pki/request.ts";
import { mergeSans, parseSans, type Sans } from "../pki/sans.ts";
import {
  type Arch,
  nativeArchOf,
  parseArch,
  resolveVersion as manifestVersion,
} from "../release/manifest.ts";
import { DEFAULT_MIRROR } from "../release/source.ts";
import { parseTarballName } from "../release/file_name.ts";
import type { HostFacts } from "../facts.ts";
import type { InstallPlan, PlannedMember, PlannedPaths, PlannedPki, PlannedRelease } from "./types.ts";
import type { PlannedSource } from "../release_source.ts";
import * as v from "./validate.ts";
import { checkDir, checkDisjoint, type DirChoice } from "./dirs.ts";
import { planCare } from "./care.ts";
import { deriveClusterToken, formatInitialCluster, parseInitialCluster } from "./cluster.ts";
import { plannedTimers, textfileDirOf } from "./timers.ts";

/** Fixed target paths of the files install writes outside the bin, data and PKI dirs. */
export const FIXED_PATHS = {
  unitFile: "/etc/systemd/system/etcd.service",
  envFile: "/etc/default/etcd",
  envLocalFile: "/etc/default/etcd.local",
  profileFile: "/etc/profile.d/etcdctl.sh",
  completionFile: "/usr/share/bash-completion/completions/etcdctl",
} as const;

/** The metrics/health port on loopback. */
export const METRICS_PORT = 2381;

/** The release flags a plan's release is made from (`upgrade` has no --arch: it passes the recorded one). */
export type ReleaseOptions = Pick<
  InstallOptions,
  "version" | "arch" | "mirror" | "mirror-ca" | "tarball" | "bundle" | "sha256"
>;

/** The release arch this CPU runs, or undefined when etcd publishes none for it. */
function nativeArch(cpu: string): Arch | undefined {
  try {
    return nativeArchOf(cpu);
  } catch {
    return undefined;
  }
}

/** The release part of a plan from the release flags; `etcdup upgrade` reads its flags with it too. */
export function planRelease(
  options: ReleaseOptions,
  facts: HostFacts,
  resolveVersion: VersionResolver,
): PlannedRelease {
  const given = (["mirror", "tarball", "bundle"] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) {
    throw usageError(
      "conflicting-sources",
      `--${given[0]} and --${given[1]} cannot be used together`,
      "Pick one source: --mirror URL (download), --tarball FILE or --bundle DIR (air-gapped).",
    );
  }
  if (options["mirror-ca"] && !options.mirror && given.length > 0) {
    throw usageError("mirror-ca-without-mirror", `--mirror-ca only applies to --mirror downloads`);
  }
  const archRaw = options.arch;
  const cpu = nativeArch(facts.cpu);
  const arch = archRaw ? parseArch(archRaw) : cpu ?? nativeArchOf(facts.cpu);
  let source: PlannedSource;
  let fromName: string | undefined;
  const { tarball, bundle, mirror } = options;
  if (tarball) {
    source = { kind: "tarball", path: v.localFile(tarball) };
    fromName = parseTarballName(tarball)?.version;
  } else if (bundle) {
    source = { kind: "bundle", dir: v.localFile(bundle) };
  } else {
    // deno-lint-ignore no-control-regex -- URL parsing drops tabs and newlines silently: refuse them
    if (mirror && /[\s\x00-\x1f\x7f]/.test(mirror)) {
      throw usageError(
        "bad-mirror",
        `--mirror: '${JSON.stringify(mirror).slice(1, -1)}' has spaces or control characters`,
        `Give the URL alone, e.g. ${DEFAULT_MIRROR}`,
      );
    }
    if (mirror && !/^https?:\/\//.test(mirror)) {
      throw usageError("bad-mirror", `--mirror: '${mirror}' is not an http(s) URL`, `E.g. ${DEFAULT_MIRROR}`);
    }
    const caFile = options["mirror-ca"];
    source = {
      kind: "mirror",
      baseUrl: mirror ?? DEFAULT_MIRROR,
      ...(caFile ? { caFile: v.localFile(caFile) } : {}),
    };
  }
  const requested = options.version;
  const version = requested ? resolveVersion(requested) : fromName ?? resolveVersion(undefined);
  if (requested && fromName && fromName !== version) {
    throw usageError(
      "version-tarball-mismatch",
      `--version ${requested} asks for ${version}, but --tarball ${
        path.basename(tarball!)
      } is etcd ${fromName}`,
      `Leave --version out (the tarball's name gives it: ${fromName}), or give the ${version} tarball.`,
    );
  }
  const sha = options.sha256;
  return { version, arch, native: arch === cpu, source, ...(sha ? { sha256: sha } : {}) };
}

function planMember(options: InstallOptions, facts: HostFacts, notes: string[]): PlannedMember {
  const name = options.name ?? v.memberName("name", facts.hostname); // the default is checked like a given one
  const clientPort = options["client-port"] ?? 2379;
  const peerPort = options["peer-port"] ?? 2380;
  if (clientPort === peerPort || clientPort === METRICS_PORT || peerPort === METRICS_PORT) {
    throw usageError(
      "port-clash",
      `--client-port ${clientPort} and --peer-port ${peerPort} must differ from each other and from ${METRICS_PORT}`,
      `Port ${METRICS_PORT} serves metrics and /health on loopback.`,
    );
  }
  const clusterRaw = options["initial-cluster"];
  const cluster = clusterRaw ? parseInitialCluster(clusterRaw) : undefined;
  const self = cluster?.find((m) => m.name === name);
  if (cluster && !self) {
    throw usageError(
      "self-not-in-cluster",
      `--initial-cluster does not list this member '${name}'`,
      `Add ${name}=https://<this node's IP>:${peerPort}, or pass --name with the name used there.`,
    );
  }
  const advRaw = options["advertise-address"];
  let advertiseAddress: string;
  if (advRaw) advertiseAddress = v.advertiseAddress("advertise-address", advRaw);
  else if (self && facts.addresses.some((a) => a.address === self.host)) advertiseAddress = self.host;
  else if (facts.addresses.length > 0) advertiseAddress = facts.addresses[0].address;
  else {
    advertiseAddress = "127.0.0.1";
    notes.push(
      "no routable address found: etcd advertises 127.0.0.1 (pass --advertise-address for other hosts)",
    );
  }
  const adv = v.urlHost(advertiseAddress);
  const selfPeerUrl = `https://${adv}:${peerPort}`;
  if (self && self.peerUrl !== selfPeerUrl) {
    throw usageError(
      "cluster-url-mismatch",
      `--initial-cluster gives ${name}=${self.peerUrl}, but this node advertises ${selfPeerUrl}`,
      "Pass --advertise-address and --peer-port matching this member's entry.",
    );
  }
  const members = cluster ?? [{ name, peerUrl: selfPeerUrl, host: advertiseAddress }];
  const loopback = isIPv6(advertiseAddress) ? "[::1]" : "127.0.0.1";
  const local = advertiseAddress === "127.0.0.1" || advertiseAddress === "::1";
  const token = options["cluster-token"];
  if (token !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(token)) {
    throw usageError(
      "bad-cluster-token",
      `--cluster-token: '${token}' has characters etcd would mangle`,
      "Use letters, digits, '.', '_' or '-'.",
    );
  }
  return {
    name,
    advertiseAddress,
    clientPort,
    peerPort,
    metricsPort: METRICS_PORT,
    metricsAddress: v.ipAddress("metrics-address", options["metrics-address"] ?? "127.0.0.1"),
    listenClientUrls: local
      ? [`https://${adv}:${clientPort}`]
      : [`https://${adv}:${clientPort}`, `https://${loopback}:${clientPort}`],
    advertiseClientUrls: [`https://${adv}:${clientPort}`],
    listenPeerUrls: [selfPeerUrl],
    advertisePeerUrls: [selfPeerUrl],
    initialCluster: formatInitialCluster(members),
    initialClusterState: "new",
    clusterToken: token ?? deriveClusterToken(members),
  };
}

/**
 * SANs of server and peer certs: the host's own names and addresses, the advertise address, every address
 * etcd listens on for clients (the loopback one included: `::1` for an IPv6 member), --san extras.
 */
function planSans(options: InstallOptions, facts: HostFacts, member: PlannedMember): Sans {
  const extra = parseSans(options.san);
  const listening = member.listenClientUrls.map((u) => new URL(u).hostname.replace(/^\[(.*)\]$/, "$1"));
  return mergeSans(hostSans(facts), { dns: [], ips: [member.advertiseAddress, ...listening] }, extra);
}

function planPki(options: InstallOptions, facts: HostFacts, member: PlannedMember): PlannedPki {
  const layout = options.layout ?? "etcd";
  const pkiDir = checkDir("pki-dir", "pki", options["pki-dir"] ?? defaultPkiDir(layout));
  const certDays = options["cert-days"];
  const caDays = options["ca-days"];
  checkLifetimes(certDays, caDays);
  const { "ca-from": caFrom, "ca-cert": caCert, "ca-key": caKey } = options;
  checkCaFlags({ caFrom, caCert, caKey });
  return {
    layout,
    pkiDir,
    algorithm: options["key-algorithm"] ?? DEFAULT_KEY_ALGORITHM,
    certDays,
    caDays,
    sans: planSans(options, facts, member),
    ...(caFrom ? { caSource: { kind: "export" as const, file: v.localFile(caFrom) } } : {}),
    ...(caCert && caKey
      ? { caSource: { kind: "pair" as const, certFile: v.localFile(caCert), keyFile: v.localFile(caKey) } }
      : {}),
  };
}

/**
 * The bin, data and WAL dirs, each checked for its role and all apart from each other and from the PKI dir
 * (see lib/plan/dirs.ts). The WAL dir is optional: without it etcd keeps its WAL in the data dir.
 */
function planDirs(
  options: InstallOptions,
  pkiDir: string,
): Pick<PlannedPaths, "binDir" | "dataDir" | "walDir"> {
  const binDir = checkDir("bin-dir", "bin", options["bin-dir"] ?? "/usr/local/bin");
  const dataDir = checkDir("data-dir", "data", options["data-dir"] ?? "/var/lib/etcd");
  const walRaw = options["wal-dir"];
  const walDir = walRaw === undefined ? undefined : checkDir("wal-dir", "wal", walRaw);
  const choices: DirChoice[] = [
    { flag: "data-dir", role: "data", path: dataDir },
    ...(walDir ? [{ flag: "wal-dir", role: "wal" as const, path: walDir }] : []),
    { flag: "pki-dir", role: "pki", path: pkiDir },
    { flag: "bin-dir", role: "bin", path: binDir },
  ];
  checkDisjoint(choices);
  return { binDir, dataDir, ...(walDir ? { walDir } : {}) };
}

/**
 * Turns a `--version` value (or undefined for the default) into an exact version, e.g. the embedded
 * manifest's `resolveVersion`; throws a usage error for an unknown alias.
 */
export type VersionResolver = (requested: string | undefined) => string;

/**
 * Builds the install plan from install's typed options (join's merged values parsed with install's flags)
 * and host facts. Versions are resolved against the embedded manifest unless a resolver is given (tests).
 * @example buildPlan(parseOptions(installFlags, { version: "v3.5.30" }), facts, "/").member.listenClientUrls
 */
export function buildPlan(
  options: InstallOptions,
  facts: HostFacts,
  root: string,
  resolveVersion: VersionResolver = manifestVersion,
): InstallPlan {
  const notes: string[] = [];
  const release = planRelease(options, facts, resolveVersion);
  const member = planMember(options, facts, notes);
  const pki = planPki(options, facts, member);
  const dirs = planDirs(options, pki.pkiDir);
  const healthTimeoutMs = options["health-timeout"];
  const care = planCare(options, notes);
  const textfileDir = textfileDirOf(options);
  const live = path.resolve(root) === "/"; // under --root the service step says etcd is not started
  return {
    root: path.resolve(root),
    release,
    member,
    pki,
    paths: { ...dirs, ...FIXED_PATHS },
    service: {
      unit: "etcd.service",
      start: live && !options["no-start"],
      healthTimeoutMs,
    },
    diskCheck: live && !options["skip-disk-check"],
    care,
    user: { name: "etcd", home: "/var/lib/etcd" },
    ...(textfileDir ? { metricsTextfileDir: textfileDir } : {}),
    timers: plannedTimers(options, pki.pkiDir, textfileDir),
    notes,
  };
}
