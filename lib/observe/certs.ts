/**
 * The `certs` commands' observation: where the PKI is and what it is for (the install record, the host's
 * facts, the etcd account: {@link resolveTarget}), and the PKI's files as the planners read them
 * ({@link observeTarget}, lib/pki/observe.ts), each file once; for `certs check`, `status` and
 * `renew --if-expiring` every certificate is inspected from that same observation
 * ({@link inspectCertificates}, pure). Each command reads these before it decides anything; the planners
 * and the writer (lib/pki/write.ts: backups from the observed text, a file changed since refused) then work
 * on that data alone.
 */
import { notRoot } from "../errors.ts";
import type { HostFacts } from "../facts.ts";
import { HostRoot } from "../host/fs.ts";
import { readState } from "../host/state.ts";
import type { InstallState } from "../state_record.ts";
import { lookupUser } from "../host/accounts.ts";
import { gatherFacts } from "../host/facts.ts";
import { checkDir, checkDisjoint, checkLeads, installedDirs } from "../plan/dirs.ts";
import { clientPair, clientPairs } from "../pki/clients.ts";
import { type CertInspection, inspectPki } from "../pki/inspect.ts";
import { defaultPkiDir, type Layout, parseLayout, type PkiPaths, pkiPaths } from "../pki/layout.ts";
import { observePki } from "../pki/observe.ts";
import { leafProfiles } from "../pki/profiles.ts";
import type { Sans } from "../pki/sans.ts";
import type { EtcdIds, ObservedPki } from "../pki/types.ts";

/** Where the PKI is and what it is for, resolved once per command. */
export interface Target {
  host: HostRoot;
  /** The install record, when etcdup installed this host. */
  state?: InstallState;
  layout: Layout;
  paths: PkiPaths;
  memberName: string;
  etcdUid: number;
  etcdGid: number;
  facts: HostFacts;
}

/** The options (lib/specs/certs.ts) that say where the PKI is; the layout and name already checked. */
export interface WhereOptions {
  root: string;
  layout?: Layout;
  "pki-dir"?: string;
  name?: string;
}

/**
 * Resolves the PKI of `--root`/`--layout`/`--pki-dir`/`--name`; refuses to run without root (`command`
 * names the command in that error).
 */
export function resolveTarget(o: WhereOptions, command = "certs"): Target {
  const host = new HostRoot(o.root);
  const state = readState(host);
  const layout = o.layout ?? parseLayout(state?.layout ?? "etcd");
  const flagDir = o["pki-dir"];
  const pkiDir = flagDir
    ? checkDir("pki-dir", "pki", flagDir)
    : state && state.layout === layout
    ? state.pkiDir
    : defaultPkiDir(layout);
  if (state) {
    const dirs = [
      { flag: "pki-dir", role: "pki" as const, path: pkiDir },
      ...installedDirs(state).filter((d) => d.role !== "pki"),
    ];
    checkDisjoint(dirs);
    checkLeads(dirs, (p) => host.target(p));
  }
  const paths = pkiPaths(layout, pkiDir);
  const facts = gatherFacts(host);
  if (!facts.isRoot) {
    throw notRoot(command, "private keys are readable by root only, and it sets file owners");
  }
  const etcd = lookupUser(host, "etcd") ?? host.stat(paths.serverKey) ?? { uid: 0, gid: 0 };
  const member = o.name ?? state?.name ?? facts.hostname;
  return { host, state, layout, paths, memberName: member, etcdUid: etcd.uid, etcdGid: etcd.gid, facts };
}

/** The ids the target's "etcd" owner stands for (the account, else the server key's owner, else root). */
export function etcdIds(t: Target): EtcdIds {
  return { uid: t.etcdUid, gid: t.etcdGid };
}

/** What the PKI planners look at in `t`'s PKI, and at the `extra` paths a command plans, read now. */
export function observeTarget(t: Target, extra: string[] = []): ObservedPki {
  const place = { layout: t.layout, pkiDir: t.paths.dir, memberName: t.memberName };
  return observePki(t.host, place, { etcd: etcdIds(t), extra });
}

/**
 * Inspects every certificate of target `t`'s PKI as `pki` observed it (the layout's own and the client pairs
 * beside them), each with its problems: expiring within `warnDays`, server and peer not covering `sans`, ...
 * Reads nothing: `pki` is the one read of the files.
 */
export function inspectCertificates(
  t: Target,
  pki: ObservedPki,
  sans: Sans,
  warnDays: number,
): Promise<CertInspection[]> {
  return inspectPki(
    pki,
    { certPath: t.paths.caCert, keyPath: t.paths.caKey },
    leafProfiles(t.layout, t.paths, t.memberName),
    { now: new Date(), warnDays, hostSans: sans, etcdUid: t.etcdUid, etcdGid: t.etcdGid },
    clientPairs(pki, t.paths),
  );
}

/** What `certs renew` decides from: the PKI's files and, with `--if-expiring`, every certificate inspected. */
export interface RenewObserved {
  pki: ObservedPki;
  /** `--if-expiring` only: what `certs check --warn-days WINDOW` reports. */
  inspections?: CertInspection[];
}

/**
 * Observes `t` for `certs renew NAMES` (client pairs named on the command line and the recorded
 * `--for-user` pairs are looked at beside the PKI's own), each file read once; `ifExpiring` inspects every
 * certificate of that same observation.
 */
export async function observeRenew(
  t: Target,
  names: string[],
  ifExpiring?: { sans: Sans; window: number },
): Promise<RenewObserved> {
  const pairs = [...names.map((a) => clientPair(t.paths.dir, a)), ...t.state?.userClients ?? []];
  const pki = observeTarget(t, pairs.flatMap((p) => [p.certPath, p.keyPath]));
  const inspections = ifExpiring
    ? await inspectCertificates(t, pki, ifExpiring.sans, ifExpiring.window)
    : undefined;
  return { pki, ...(inspections ? { inspections } : {}) };
}
