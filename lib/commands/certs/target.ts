/**
 * What every `etcdup certs` subcommand resolves first: where the PKI is and what it is for (flags, else
 * the install record, else the layout's defaults), and the planner request its flags describe.
 */
import type { FlagValues } from "../../command.ts";
import { notRoot, usageError } from "../../errors.ts";
import { HostRoot } from "../../host/fs.ts";
import { type InstallState, readState } from "../../host/state.ts";
import { lookupUser } from "../../host/accounts.ts";
import { gatherFacts } from "../../host/facts.ts";
import type { HostFacts } from "../../facts.ts";
import { memberName, positiveInt, rootDir } from "../../plan/validate.ts";
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

/** A string flag's value, or undefined when it is not given. */
export const flag = (v: FlagValues, k: string): string | undefined =>
  typeof v[k] === "string" ? v[k] as string : undefined;

/** A repeatable flag's values (empty when it is not given). */
const flagList = (v: FlagValues, k: string): string[] => Array.isArray(v[k]) ? v[k] as string[] : [];

/**
 * Resolves the PKI of `--root`/`--layout`/`--pki-dir`/`--name`; refuses to run without root (`command`
 * names the command in that error).
 */
export function resolveTarget(values: FlagValues, command = "certs"): Target {
  const host = new HostRoot(rootDir(values.root));
  const state = readState(host);
  const layout = parseLayout(flag(values, "layout") ?? state?.layout ?? "etcd");
  const flagDir = flag(values, "pki-dir");
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
  const name = flag(values, "name");
  const member = name === undefined ? state?.name ?? facts.hostname : memberName("name", name);
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
function algorithmOf(values: FlagValues, t: Target): KeyAlgorithm {
  const given = flag(values, "key-algorithm");
  if (given) return parseKeyAlgorithm(given);
  return t.state ? parseKeyAlgorithm(t.state.keyAlgorithm) : DEFAULT_KEY_ALGORITHM;
}

/**
 * The names server and peer must cover: the host's own and `--san`, plus the recorded ones unless
 * `--reset-sans` (which asks for exactly the host's current names and `--san`). A recorded name that the
 * `--san` rule now refuses (an earlier release took `foo_bar.example`) is no longer asked for; certificates
 * that hold it keep it until `--reset-sans`.
 */
export function wantedSans(values: FlagValues, t: Target): Sans {
  const state = t.state?.sans ?? { dns: [], ips: [] };
  const recorded = values["reset-sans"] === true
    ? []
    : [{ dns: state.dns.filter((d) => dnsName(d) !== undefined), ips: state.ips }];
  return mergeSans(hostSans(t.facts), ...recorded, parseSans(flagList(values, "san")));
}

/** `--backdate MINUTES` (0 to 1440), or undefined for the default. */
export function backdateOf(values: FlagValues): number | undefined {
  const raw = flag(values, "backdate");
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 1440) {
    throw usageError("bad-backdate", `--backdate: '${raw}' is not a whole number of minutes from 0 to 1440`);
  }
  return Number(raw);
}

/** The planner request of the flags and the target. */
export function baseRequest(values: FlagValues, t: Target, now: Date): PkiRequest {
  return {
    layout: t.layout,
    pkiDir: t.paths.dir,
    algorithm: algorithmOf(values, t),
    memberName: t.memberName,
    sans: wantedSans(values, t),
    certDays: positiveInt("cert-days", flag(values, "cert-days") ?? "365", MAX_DAYS),
    caDays: positiveInt("ca-days", flag(values, "ca-days") ?? "3650", MAX_DAYS),
    now,
    backdateMinutes: backdateOf(values),
    reuseKeys: values["reuse-keys"] === true,
  };
}
