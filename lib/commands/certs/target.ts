/**
 * What every `etcdup certs` subcommand resolves first: where the PKI is and what it is for (flags, else
 * the install record, else the layout's defaults), and the planner request its flags describe.
 */
import { notRoot } from "../../errors.ts";
import { HostRoot } from "../../host/fs.ts";
import { type InstallState, readState } from "../../host/state.ts";
import { lookupUser } from "../../host/accounts.ts";
import { gatherFacts } from "../../host/facts.ts";
import type { HostFacts } from "../../facts.ts";
import { checkDir, checkDisjoint, checkLeads, installedDirs } from "../../plan/dirs.ts";
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm, parseKeyAlgorithm } from "../../pki/algorithms.ts";
import { hostSans } from "../../pki/hostsans.ts";
import { defaultPkiDir, type Layout, parseLayout, type PkiPaths, pkiPaths } from "../../pki/layout.ts";
import { observePki } from "../../pki/observe.ts";
import type { PkiRequest } from "../../pki/plan.ts";
import type { EtcdIds, ObservedPki } from "../../pki/types.ts";
import { MAX_DAYS } from "../../pki/request.ts";
import { dnsName, mergeSans, parseSans, type Sans } from "../../pki/sans.ts";

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

/** The options that say which names server and peer must cover. */
export interface SanOptions {
  san?: readonly string[];
  "reset-sans"?: boolean;
}

/** The options of a reissue (renew, rotate-ca), checked by their specs' rules. */
export interface ReissueOptions extends SanOptions {
  "key-algorithm"?: KeyAlgorithm;
  "cert-days": number;
  /** Unset for renew, which never makes a CA. */
  "ca-days"?: number;
  backdate?: number;
  "reuse-keys": boolean;
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

/** The key algorithm of new keys: the flag, else the installed one, else the default. */
function algorithmOf(o: ReissueOptions, t: Target): KeyAlgorithm {
  if (o["key-algorithm"]) return o["key-algorithm"];
  return t.state ? parseKeyAlgorithm(t.state.keyAlgorithm) : DEFAULT_KEY_ALGORITHM;
}

/**
 * The names server and peer must cover: the host's own and `--san`, plus the recorded ones unless
 * `--reset-sans` (which asks for exactly the host's current names and `--san`). A recorded name that the
 * `--san` rule now refuses (an earlier release took `foo_bar.example`) is no longer asked for; certificates
 * that hold it keep it until `--reset-sans`.
 */
export function wantedSans(o: SanOptions, t: Target): Sans {
  const state = t.state?.sans ?? { dns: [], ips: [] };
  const recorded = o["reset-sans"]
    ? []
    : [{ dns: state.dns.filter((d) => dnsName(d) !== undefined), ips: state.ips }];
  return mergeSans(hostSans(t.facts), ...recorded, parseSans([...o.san ?? []]));
}

/** The planner request of the options and the target. */
export function baseRequest(o: ReissueOptions, t: Target, now: Date): PkiRequest {
  return {
    layout: t.layout,
    pkiDir: t.paths.dir,
    algorithm: algorithmOf(o, t),
    memberName: t.memberName,
    sans: wantedSans(o, t),
    certDays: o["cert-days"],
    caDays: o["ca-days"] ?? MAX_DAYS,
    now,
    backdateMinutes: o.backdate,
    reuseKeys: o["reuse-keys"],
  };
}
