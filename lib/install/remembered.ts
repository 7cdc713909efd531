/**
 * Remembered settings: a re-run of install or join without flags plans what the state record says was
 * installed (version, release source and digest, name, addresses, ports, SANs, layout, key algorithm, paths,
 * compaction, quota, raft timing, metrics address and textfile directory),
 * not etcdup's defaults; a flag given (on the command line, as ETCDUP_* or in --config) still wins. The one
 * setting a flag cannot change on a member with data is its name (see {@link refuseRename}).
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { FlagValues } from "../command.ts";
import type { InstallState } from "../state_record.ts";
import type { PlannedRelease } from "../plan/types.ts";
import type { PlannedSource } from "../release_source.ts";
import { MAX_QUOTA_BYTES } from "../plan/care.ts";

/** The flags that pick a release source; any one of them given replaces the recorded source. */
const SOURCE_FLAGS = ["tarball", "bundle", "mirror"] as const;
/** The flags that shape this member's place in the initial cluster. */
const MEMBER_FLAGS = ["name", "advertise-address", "peer-port", "initial-cluster", "cluster-token"] as const;

/** The flag values that reproduce a recorded release source. */
function sourceFlags(source: PlannedSource | undefined): FlagValues {
  switch (source?.kind) {
    case "tarball":
      return { tarball: source.path };
    case "bundle":
      return { bundle: source.dir };
    case "mirror":
      return { mirror: source.baseUrl, ...(source.caFile ? { "mirror-ca": source.caFile } : {}) };
    default:
      return {};
  }
}

/**
 * What the state record keeps of a release, for re-runs: its source as the operator gave it (a `--bundle`
 * as the directory) and the digest the operator vouched for with `--sha256`, if any.
 */
export function recordedSource(r: PlannedRelease): Pick<InstallState, "source" | "givenSha256"> {
  return {
    source: r.bundle !== undefined ? { kind: "bundle", dir: r.bundle } : r.source,
    ...(r.sha256 !== undefined ? { givenSha256: r.sha256 } : {}),
  };
}

/** Host and port of a recorded `https://HOST:PORT` URL (brackets of IPv6 removed), if it is one. */
function urlParts(url: string | undefined): { host: string; port: string } | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return { host: u.hostname.replace(/^\[(.*)\]$/, "$1"), port: u.port };
  } catch {
    return undefined;
  }
}

/** Every setting the state record holds, as the flag values that plan it. Fields a record lacks are left out. */
function recordedFlags(r: InstallState): FlagValues {
  const client = urlParts(r.clientUrls?.[0]);
  const peer = urlParts(r.peerUrls?.[0]);
  const sans = r.sans ? [...r.sans.dns, ...r.sans.ips] : [];
  const flags: FlagValues = {
    version: r.version,
    name: r.name,
    "advertise-address": client?.host,
    "client-port": client?.port || undefined,
    "peer-port": peer?.port || undefined,
    san: sans.length > 0 ? sans : undefined,
    layout: r.layout,
    "key-algorithm": r.keyAlgorithm,
    "pki-dir": r.pkiDir,
    "bin-dir": r.binDir,
    "data-dir": r.dataDir,
    "auto-compaction-retention": r.care?.compactionRetention,
    "quota-backend-bytes": r.care ? String(r.care.quotaBackendBytes) : undefined,
    "force-quota": r.care && r.care.quotaBackendBytes > MAX_QUOTA_BYTES ? true : undefined,
    "heartbeat-interval": r.care ? String(r.care.heartbeatMs) : undefined,
    "election-timeout": r.care ? String(r.care.electionMs) : undefined,
    "metrics-address": r.metricsAddress,
    "metrics-textfile-dir": r.metricsTextfileDir,
    ...(r.initialClusterState === "new"
      ? { "initial-cluster": r.initialCluster, "cluster-token": r.clusterToken }
      : {}),
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}

/**
 * The flags with every setting the operator did not give filled in from the state record. The release
 * source (and an operator-given digest) is kept only when no source flag and no other `--version` is given,
 * the version only when no `--tarball` names one, and the initial cluster only when no flag moves this
 * member in it.
 * @example keepRecordedSettings({}, state).tarball // the tarball the first install used
 */
export function keepRecordedSettings(values: FlagValues, previous: InstallState | undefined): FlagValues {
  if (previous === undefined) return values;
  const given = (k: string) => values[k] !== undefined;
  const recorded = recordedFlags(previous);
  const filled: FlagValues = { ...values };
  for (const [k, v] of Object.entries(recorded)) if (!given(k)) filled[k] = v;
  if (given("tarball") && !given("version")) delete filled.version; // the tarball's name gives it
  if (given("tuning")) { // a preset asked for replaces the recorded timing
    for (const k of ["heartbeat-interval", "election-timeout"]) if (!given(k)) delete filled[k];
  }
  if (MEMBER_FLAGS.some(given)) {
    for (const k of ["initial-cluster", "cluster-token"]) if (!given(k)) delete filled[k];
  }
  // Another --version needs another release: the recorded source holds the installed one (the version
  // change is then refused with the upgrade command, not blamed on a tarball the operator did not give).
  const sameVersion = !given("version") ||
    String(values.version).trim().replace(/^v/, "") === previous.version?.replace(/^v/, "");
  if (!SOURCE_FLAGS.some(given) && sameVersion) {
    Object.assign(filled, sourceFlags(previous.source));
    if (previous.givenSha256 && !given("sha256")) filled.sha256 = previous.givenSha256;
  }
  return filled;
}

/**
 * Throws (exit 7) when `--name` would rename a member whose data dir holds etcd's data: the name is in
 * etcd's member list and in the server and peer certificates' CN, so a rename is a member replacement. The
 * hint names that procedure. Passes for the recorded name, without a record, or before etcd has data.
 */
export function refuseRename(previous: InstallState | undefined, name: string, hasData: boolean): void {
  if (previous?.name === undefined || previous.name === name || !hasData) return;
  throw new EtcdupError({
    code: "rename-needs-replace",
    message: `member '${previous.name}' has data here; --name ${name} would rename it, and a member's ` +
      `name is fixed once etcd has data (etcd's member list and the certificates' CN carry it)`,
    hint: `Leave --name out (or give --name ${previous.name}) to keep it. To rename, replace the member: ` +
      `in a cluster, 'etcdctl member remove <ID of ${previous.name}>' on a healthy member, then here ` +
      `'etcdup uninstall --purge' and 'etcdup join ... --name ${name}'; on a single node, ` +
      `'etcdctl snapshot save FILE', 'etcdup uninstall --purge', 'etcdup install --name ${name}' ` +
      `(settings as before), then restore FILE with 'etcdutl snapshot restore FILE --name ${name}'.`,
    exit: Exit.precondition,
  });
}
