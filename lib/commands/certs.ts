/**
 * `etcdup certs check|renew|issue-client|rotate-ca|export`: thin orchestration over lib/pki. Each finds the
 * PKI (flags, else the install record, else the layout's defaults), plans with the pure planners, verifies
 * before replacing, applies through HostRoot with backups, and reloads etcd when it runs.
 */
import * as path from "node:path";
import type { CommandContext, CommandModule, FlagValues } from "../cli/spec.ts";
import type { Output } from "../cli/output.ts";
import { asEtcdupError, EtcdupError, Exit, type ExitCode, usageError } from "../errors.ts";
import { HostRoot } from "../host/fs.ts";
import { type InstallState, readState, writeState } from "../host/state.ts";
import { lookupUser } from "../host/accounts.ts";
import { serviceManager } from "../host/systemd.ts";
import { waitHealthy } from "../etcd/health.ts";
import { adminClient } from "../upgrade/client.ts";
import { ownedFileNow } from "../upgrade/swap.ts";
import { gatherFacts, type HostFacts } from "../plan/facts.ts";
import { absolutePath, positiveInt } from "../plan/validate.ts";
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm, parseKeyAlgorithm } from "../pki/algorithms.ts";
import { applyPki, type ApplyResult, restorePki } from "../pki/apply.ts";
import { checkClientName, clientPair, clientPairs, planNewClient, planReissue } from "../pki/clients.ts";
import { readCaFlags, renderCaExport } from "../pki/export.ts";
import { hostSans } from "../pki/hostsans.ts";
import { type CertInspection, inspectPki, type Sans } from "../pki/inspect.ts";
import { defaultPkiDir, type Layout, parseLayout, type PkiPaths, pkiPaths } from "../pki/layout.ts";
import {
  loadCa,
  type LoadedCa,
  MAX_DAYS,
  mergeSans,
  type PkiPlan,
  type PkiRequest,
  planPki,
  splitSans,
  validateRequest,
  verifyPlan,
} from "../pki/plan.ts";
import { leafProfiles, type LeafRole } from "../pki/profiles.ts";
import { planRotation, planRotationFinish, planRotationStage } from "../pki/rotate.ts";

/** Where the PKI is and what it is for, resolved once per command. */
interface Target {
  host: HostRoot;
  state?: InstallState;
  layout: Layout;
  paths: PkiPaths;
  memberName: string;
  etcdUid: number;
  etcdGid: number;
  facts: HostFacts;
}

const str = (v: FlagValues, k: string) => typeof v[k] === "string" ? v[k] as string : undefined;
const list = (v: FlagValues, k: string) => Array.isArray(v[k]) ? v[k] as string[] : [];

function resolveTarget(values: FlagValues): Target {
  const host = new HostRoot(str(values, "root") ?? "/");
  const state = readState(host);
  const layout = parseLayout(str(values, "layout") ?? state?.layout ?? "etcd");
  const flagDir = str(values, "pki-dir");
  const pkiDir = flagDir
    ? absolutePath("pki-dir", flagDir)
    : state && state.layout === layout
    ? state.pkiDir
    : defaultPkiDir(layout);
  const paths = pkiPaths(layout, pkiDir);
  const facts = gatherFacts(host);
  if (!facts.isRoot) {
    throw new EtcdupError({
      code: "not-root",
      message:
        "etcdup certs must run as root (private keys are readable by root only, and it sets file owners)",
      hint: "Run it with sudo.",
      exit: Exit.precondition,
    });
  }
  const etcd = lookupUser(host, "etcd") ?? host.stat(paths.serverKey) ?? { uid: 0, gid: 0 };
  const memberName = str(values, "name") ?? state?.name ?? facts.hostname;
  return { host, state, layout, paths, memberName, etcdUid: etcd.uid, etcdGid: etcd.gid, facts };
}

/** The key algorithm of new keys: the flag, else the installed one, else the default. */
function algorithmOf(values: FlagValues, t: Target): KeyAlgorithm {
  const flag = str(values, "key-algorithm");
  if (flag) return parseKeyAlgorithm(flag);
  return t.state ? parseKeyAlgorithm(t.state.keyAlgorithm) : DEFAULT_KEY_ALGORITHM;
}

/** The names server and peer must cover: the host's own, the recorded ones and `--san`. */
function wantedSans(values: FlagValues, t: Target): Sans {
  return mergeSans(hostSans(t.facts), t.state?.sans ?? { dns: [], ips: [] }, splitSans(list(values, "san")));
}

function backdateOf(values: FlagValues): number | undefined {
  const raw = str(values, "backdate");
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 1440) {
    throw usageError("bad-backdate", `--backdate: '${raw}' is not a whole number of minutes from 0 to 1440`);
  }
  return Number(raw);
}

/** Loads the CA in place; a clear error when it is missing. */
async function currentCa(t: Target, now: Date): Promise<LoadedCa> {
  const cert = t.host.readText(t.paths.caCert);
  const key = t.host.readText(t.paths.caKey);
  if (cert === undefined || key === undefined) {
    const missing = cert === undefined ? t.paths.caCert : t.paths.caKey;
    throw new EtcdupError({
      code: "no-ca",
      message: `${t.host.resolve(missing)} does not exist`,
      hint:
        "Point --pki-dir/--layout/--root at an etcdup or kubeadm PKI, or create one with 'etcdup install'.",
      exit: Exit.precondition,
    });
  }
  return await loadCa(cert, key, { cert: t.paths.caCert, key: t.paths.caKey }, now);
}

/** The base request for planners, from flags and the target. */
function baseRequest(values: FlagValues, t: Target, now: Date): PkiRequest {
  return {
    layout: t.layout,
    pkiDir: t.paths.dir,
    algorithm: algorithmOf(values, t),
    memberName: t.memberName,
    sans: wantedSans(values, t),
    certDays: positiveInt("cert-days", str(values, "cert-days") ?? "365", MAX_DAYS),
    caDays: positiveInt("ca-days", str(values, "ca-days") ?? "3650", MAX_DAYS),
    etcdUid: t.etcdUid,
    etcdGid: t.etcdGid,
    now,
    backdateMinutes: backdateOf(values),
    reuseKeys: values["reuse-keys"] === true,
  };
}

/** Reports the plan's notes and what was written. */
function report(out: Output, plan: PkiPlan, applied: ApplyResult): void {
  for (const n of plan.notes) out.info(n);
  for (const p of applied.written) out.info(`wrote ${p}`);
  if (applied.backupDir) out.info(`old files kept in ${applied.backupDir}`);
}

/**
 * Records the files now in place in the install record (when etcdup installed this host), so `status`
 * and `uninstall` see renewed certificates as etcdup's own rather than as user edits.
 */
function recordWritten(t: Target, written: string[]): void {
  if (!t.state || written.length === 0) return;
  const files = { ...t.state.files };
  for (const p of written) {
    const now = ownedFileNow(t.host, p);
    if (now) files[p] = now;
  }
  writeState(t.host, { ...t.state, files, updatedAt: new Date().toISOString() });
}

/**
 * Restarts etcd when it runs so it loads the new files, and waits for health over mTLS with the new
 * admin certificate; on failure the old files are put back and etcd restarted on them. Returns what happened.
 */
async function reloadEtcd(values: FlagValues, t: Target, out: Output, applied: ApplyResult): Promise<string> {
  if (values["no-restart"] === true) {
    return "not restarted (--no-restart): restart etcd to load the new files";
  }
  const sm = serviceManager(t.host);
  if (!sm.live) return "not restarted (--root)";
  const unit = t.state?.unit ?? "etcd.service";
  if (!(await sm.isActive(unit))) return `${unit} is not running: it loads the new files when it starts`;
  const timeoutMs = positiveInt("health-timeout", str(values, "health-timeout") ?? "60", 3600) * 1000;
  const client = t.state ? adminClient(t.host, t.state) : {
    endpoints: ["https://127.0.0.1:2379"],
    caFile: t.host.resolve(t.paths.caCert),
    certFile: t.host.resolve(t.paths.adminCert),
    keyFile: t.host.resolve(t.paths.adminKey),
  };
  out.step(`restarting ${unit} and waiting for health over mTLS`);
  try {
    await sm.restart(unit);
    await waitHealthy({ ...client, timeoutMs });
    return `${unit} restarted and healthy with the new certificates`;
  } catch (err) {
    const e = asEtcdupError(err);
    out.warn(`etcd did not come back with the new certificates; restoring the previous files`);
    restorePki(applied, t.host);
    await sm.restart(unit).catch(() => undefined);
    const journal = await sm.journalTail(unit, 20);
    throw new EtcdupError({
      code: "renewal-rolled-back",
      message: `${e.message}; the previous certificates were put back and ${unit} restarted on them`,
      hint: `Last journal lines:\n${journal.trim()}`,
      exit: Exit.health,
      cause: err,
    });
  }
}

// ---- check ----

function formatRow(c: CertInspection): string {
  const flags = [
    c.chains === undefined ? "" : c.chains ? "chain ok" : "CHAIN BAD",
    c.keyMatches === undefined ? "" : c.keyMatches ? "key ok" : "KEY BAD",
    c.sansCover === undefined ? "" : c.sansCover ? "sans ok" : "SAN DRIFT",
  ].filter(Boolean).join(", ");
  if (!c.present) return `${c.role.padEnd(22)} missing ${c.certPath}`;
  const sans = c.sans && (c.sans.dns.length + c.sans.ips.length) > 0
    ? `\n${"".padEnd(23)}SANs: ${[...c.sans.dns, ...c.sans.ips].join(", ")}`
    : "";
  return `${c.role.padEnd(22)} ${(c.subject ?? "?").padEnd(36)} ${(c.keyAlgorithm ?? "?").padEnd(11)} ` +
    `${(c.notAfter ?? "?").slice(0, 10)} ${String(c.daysLeft ?? "?").padStart(5)}d  ${flags}` +
    `${c.bundleSize && c.bundleSize > 1 ? `, trusts ${c.bundleSize} CAs (rotation in progress)` : ""}` +
    `\n${"".padEnd(23)}issuer: ${c.issuer ?? "?"}; ${c.certPath}${sans}`;
}

async function check(ctx: CommandContext): Promise<ExitCode> {
  const t = resolveTarget(ctx.values);
  if (t.host.stat(t.paths.dir) === undefined) {
    throw new EtcdupError({
      code: "no-pki",
      message: `no PKI directory at ${t.host.resolve(t.paths.dir)}`,
      hint: "Give --pki-dir (and --layout kubeadm for a kubeadm PKI), or install first.",
      exit: Exit.precondition,
    });
  }
  const warnRaw = str(ctx.values, "warn-days") ?? "30";
  if (!/^\d+$/.test(warnRaw.trim())) {
    throw usageError("bad-number", `--warn-days: '${warnRaw}' is not a whole number`);
  }
  const certs = await inspectPki(
    t.host,
    { certPath: t.paths.caCert, keyPath: t.paths.caKey },
    leafProfiles(t.layout, t.paths, t.memberName),
    {
      now: new Date(),
      warnDays: Number(warnRaw),
      hostSans: wantedSans(ctx.values, t),
      etcdUid: t.etcdUid,
      etcdGid: t.etcdGid,
    },
    clientPairs(t.host, t.paths),
  );
  const problems = certs.flatMap((c) => c.problems.map((p) => ({ role: c.role, ...p })));
  const human = [
    `PKI ${t.paths.dir} (layout ${t.layout}${t.host.isLive ? "" : `, root ${t.host.root}`})`,
    "",
    ...certs.map(formatRow),
    "",
    problems.length === 0
      ? "no problems found"
      : `${problems.length} problem(s):\n${problems.map((p) => `  - [${p.code}] ${p.message}`).join("\n")}`,
  ].join("\n");
  ctx.out.result({
    pkiDir: t.paths.dir,
    layout: t.layout,
    ok: problems.length === 0,
    certificates: certs,
    problems,
  }, human);
  return problems.length === 0 ? Exit.ok : Exit.check;
}

// ---- renew ----

async function renew(ctx: CommandContext): Promise<ExitCode> {
  const t = resolveTarget(ctx.values);
  const now = new Date();
  const req = baseRequest(ctx.values, t, now);
  req.caDays = MAX_DAYS;
  const ca = await currentCa(t, now);
  const asked = ctx.positionals.length === 0 ? ["all"] : ctx.positionals;
  const profiles = leafProfiles(t.layout, t.paths, t.memberName);
  const roles = new Set<LeafRole>();
  const names: string[] = [];
  const choices = `all, ${profiles.map((p) => p.role).join(", ")}, or a client made by 'certs issue-client'`;
  for (const a of asked) {
    const profile = profiles.find((p) => p.role === a);
    if (a === "all") {
      profiles.forEach((p) => roles.add(p.role));
    } else if (profile) {
      roles.add(profile.role);
    } else if (a === "ca") {
      throw usageError(
        "renew-ca",
        "'certs renew' reissues leaves; the CA is replaced with 'certs rotate-ca'",
      );
    } else if (t.host.stat(clientPair(t.paths.dir, a).certPath) !== undefined) {
      names.push(a);
    } else {
      throw usageError(
        "unknown-certificate",
        `no certificate '${a}' in the ${t.layout} layout at ${t.host.resolve(t.paths.dir)}`,
        `Name one of: ${choices}.`,
      );
    }
  }
  validateRequest(req);
  const plan = roles.size > 0 ? await planPki({ ...req, reissue: [...roles] }, t.host) : {
    paths: t.paths,
    files: [],
    notes: [],
    changed: false,
  };
  for (const name of names) {
    const pair = clientPair(t.paths.dir, name);
    plan.files.push(
      ...await planReissue({ ...pair, role: `client:${name}` }, t.host, ca, {
        days: req.certDays,
        algorithm: req.algorithm,
        reuseKeys: req.reuseKeys ?? false,
        now,
        backdateMinutes: req.backdateMinutes,
      }),
    );
    plan.notes.push(`reissued client ${name}`);
    plan.changed = true;
  }
  await verifyPlan(plan, ca.signer.cert);
  ctx.out.step(`renewing ${asked.join(", ")} in ${t.paths.dir}`);
  const applied = applyPki(plan, t.host, now);
  report(ctx.out, plan, applied);
  const reload = await reloadEtcd(ctx.values, t, ctx.out, applied);
  recordWritten(t, applied.written);
  ctx.out.result(
    { notes: plan.notes, written: applied.written, backupDir: applied.backupDir, reload },
    reload,
  );
  return Exit.ok;
}

// ---- issue-client ----

async function issueClient(ctx: CommandContext): Promise<ExitCode> {
  const t = resolveTarget(ctx.values);
  const now = new Date();
  const name = ctx.positionals[0];
  const outDir = str(ctx.values, "out") ? path.resolve(str(ctx.values, "out")!) : t.paths.dir;
  checkClientName(name, outDir === t.paths.dir ? t.paths : undefined);
  const ca = await currentCa(t, now);
  const pair = clientPair(outDir, name);
  const files = await planNewClient(
    {
      pair,
      commonName: str(ctx.values, "cn") ?? name,
      organization: str(ctx.values, "org"),
      days: positiveInt("days", str(ctx.values, "days") ?? "365", MAX_DAYS),
      algorithm: parseKeyAlgorithm(str(ctx.values, "key-algorithm") ?? DEFAULT_KEY_ALGORITHM),
      now,
      backdateMinutes: backdateOf(ctx.values),
    },
    t.host,
    ca,
  );
  const plan: PkiPlan = { paths: t.paths, files, notes: [`issued client ${name}`], changed: true };
  await verifyPlan(plan, ca.signer.cert);
  const applied = applyPki(plan, t.host, now);
  report(ctx.out, plan, applied);
  recordWritten(t, applied.written);
  const endpoints = t.state?.clientUrls.join(",") ?? "https://127.0.0.1:2379";
  const [caFile, certFile, keyFile] = [t.paths.caCert, pair.certPath, pair.keyPath];
  const human = [
    `Client certificate '${name}' written: ${certFile} (0644 root), ${keyFile} (0600 root).`,
    "",
    "etcdctl:",
    `  etcdctl --endpoints=${endpoints} --cacert=${caFile} --cert=${certFile} --key=${keyFile} endpoint health`,
    "environment:",
    `  export ETCDCTL_ENDPOINTS=${endpoints} ETCDCTL_CACERT=${caFile} ETCDCTL_CERT=${certFile} ETCDCTL_KEY=${keyFile}`,
    "kube-apiserver:",
    `  --etcd-servers=${endpoints} --etcd-cafile=${caFile} --etcd-certfile=${certFile} --etcd-keyfile=${keyFile}`,
  ].join("\n");
  ctx.out.result({ name, certFile, keyFile, caFile, endpoints: endpoints.split(",") }, human);
  return Exit.ok;
}

// ---- rotate-ca ----

async function rotateCa(ctx: CommandContext): Promise<ExitCode> {
  const t = resolveTarget(ctx.values);
  const now = new Date();
  const req = baseRequest(ctx.values, t, now);
  const finish = ctx.values.finish === true;
  const stage = ctx.values.stage === true;
  const given = readCaFlags({
    caFrom: str(ctx.values, "ca-from"),
    caCert: str(ctx.values, "ca-cert"),
    caKey: str(ctx.values, "ca-key"),
  });
  const out = str(ctx.values, "out");
  if (finish && (given || stage)) {
    throw usageError(
      "conflicting-flags",
      "--finish takes no --stage or CA flags",
      "Run 'rotate-ca --finish' alone.",
    );
  }
  if (stage && !given && !out) {
    throw usageError(
      "missing-out",
      "rotate-ca --stage makes a new CA: --out FILE is required to carry it to the other members",
      "Add --out /root/new-ca.pem, or pass the CA to stage with --ca-from FILE.",
    );
  }
  if (out && !(stage && !given)) {
    throw usageError("unexpected-out", "--out is only for 'rotate-ca --stage' making a new CA");
  }
  if (!str(ctx.values, "key-algorithm") && !t.state) {
    req.algorithm = (await currentCa(t, now)).signer.algorithm;
  }
  let plan: PkiPlan;
  let exported: string | undefined;
  if (finish) {
    plan = await planRotationFinish(req, t.host);
  } else if (stage) {
    const staged = await planRotationStage(req, t.host, given);
    plan = staged.plan;
    if (staged.exportText && out) exported = writeExport(out, staged.exportText, ctx.values.force === true);
  } else {
    plan = await planRotation(req, t.host, given);
  }
  if (!plan.changed) {
    for (const n of plan.notes) ctx.out.info(n);
    ctx.out.result({ notes: plan.notes, written: [], reload: "nothing to do" }, plan.notes.join("\n"));
    return Exit.ok;
  }
  await verifyPlan(plan);
  const what = finish
    ? "finishing the CA rotation"
    : stage
    ? "staging the new CA"
    : "switching to the new CA";
  ctx.out.step(`${what} in ${t.paths.dir}`);
  const applied = applyPki(plan, t.host, now);
  report(ctx.out, plan, applied);
  const reload = await reloadEtcd(ctx.values, t, ctx.out, applied);
  recordWritten(t, applied.written);
  const next = finish
    ? "Old-CA certificates are refused from now on."
    : stage
    ? `Stage the same CA on every other member (rotate-ca --stage --ca-from ${
      exported ?? "FILE"
    }), then run ` +
      `'rotate-ca --ca-from ${exported ?? "FILE"}' on each member, one at a time.`
    : "Give clients the new CA file and new certificates, then run 'etcdup certs rotate-ca --finish'.";
  ctx.out.result(
    { notes: plan.notes, written: applied.written, backupDir: applied.backupDir, reload, exported },
    `${reload}\n${exported ? `New CA exported to ${exported} (0600): it holds the CA key.\n` : ""}${next}`,
  );
  return Exit.ok;
}

// ---- export ----

/** Writes a CA export to the local file `raw` (0600, the caller's), refusing to overwrite unless `force`. */
function writeExport(raw: string, text: string, force: boolean): string {
  const file = path.resolve(raw);
  const local = new HostRoot("/");
  if (local.stat(file) !== undefined && !force) {
    throw new EtcdupError({
      code: "out-exists",
      message: `--out ${file} already exists`,
      hint: "Pick another path, or pass --force to overwrite it.",
      exit: Exit.precondition,
    });
  }
  if (local.stat(path.dirname(file))?.isDirectory !== true) {
    throw usageError("out-dir-missing", `--out ${file}: directory ${path.dirname(file)} does not exist`);
  }
  local.writeAtomic(file, text, { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0, mode: 0o600 });
  return file;
}

async function exportCa(ctx: CommandContext): Promise<ExitCode> {
  const raw = str(ctx.values, "out");
  if (!raw) {
    throw usageError(
      "missing-out",
      "etcdup certs export: --out FILE is required",
      "e.g. --out /root/etcd-ca.pem",
    );
  }
  const t = resolveTarget(ctx.values);
  const now = new Date();
  await currentCa(t, now);
  const text = await renderCaExport(t.host.readText(t.paths.caCert)!, t.host.readText(t.paths.caKey)!, now);
  const file = writeExport(raw, text, ctx.values.force === true);
  ctx.out.result(
    { file, mode: "0600" },
    `CA exported to ${file} (0600). It holds the CA private key: copy it securely, then delete it.\n` +
      `On another node: etcdup install --ca-from ${path.basename(file)}`,
  );
  return Exit.ok;
}

/** The bodies of the `certs` subcommands, loaded by lib/cli/specs/certs.ts. */
export const certsCommands: Record<"check" | "renew" | "issueClient" | "rotateCa" | "export", CommandModule> =
  {
    check: { run: check },
    renew: { run: renew },
    issueClient: { run: issueClient },
    rotateCa: { run: rotateCa },
    export: { run: exportCa },
  };
