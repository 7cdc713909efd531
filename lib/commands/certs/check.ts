/**
 * `etcdup certs check`: inspect every certificate of the PKI and say where a CA rotation stands (its phase
 * record, rotation_phase.ts: the phase and the exact next command); exit 6 when any certificate has a
 * problem or a rotation step was cut short (`rotation-interrupted`).
 */
import type { ContextOf } from "../../specs/spec.ts";
import type { checkFlags } from "../../specs/certs.ts";
import { EtcdupError, Exit, type ExitCode } from "../../errors.ts";
import { textfilePath, writeCertMetrics } from "../../monitor/textfile.ts";
import type { CertInspection } from "../../pki/inspect.ts";
import { inspectCertificates, observeTarget, resolveTarget, type Target } from "../../observe/certs.ts";
import { type SanOptions, wantedSans } from "./target.ts";
import { type RotationReport, rotationReport, whereFlags } from "./rotation_phase.ts";

/** One certificate as two or three lines of the human report. */
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

/**
 * Every certificate of `t` observed (once) and inspected with the names the options ask server and peer to
 * cover; `status` reports the same.
 */
export function checkCertificates(t: Target, o: SanOptions, warnDays: number): Promise<CertInspection[]> {
  return inspectCertificates(t, observeTarget(t), wantedSans(o, t), warnDays);
}

/** Runs `certs check`. */
export async function run(ctx: ContextOf<typeof checkFlags>): Promise<ExitCode> {
  const { options } = ctx;
  const t = resolveTarget(options);
  if (t.host.stat(t.paths.dir) === undefined) {
    throw new EtcdupError({
      code: "no-pki",
      message: `no PKI directory at ${t.host.resolve(t.paths.dir)}`,
      hint: "Give --pki-dir (and --layout kubeadm for a kubeadm PKI), or install first.",
      exit: Exit.precondition,
    });
  }
  const now = new Date();
  const observed = observeTarget(t);
  const certs = await inspectCertificates(t, observed, wantedSans(options, t), options["warn-days"]);
  const rotation = rotationReport(observed, t.paths, whereFlags(t));
  if (options.prometheus) writeCertMetrics(textfilePath(options.prometheus), certs, now);
  const problems = [
    ...certs.flatMap((c) => c.problems.map((p) => ({ role: c.role as string, ...p }))),
    ...(rotation?.interrupted ? [interrupted(rotation)] : []),
  ];
  const human = [
    `PKI ${t.paths.dir} (layout ${t.layout}${t.host.isLive ? "" : `, root ${t.host.root}`})`,
    "",
    ...certs.map(formatRow),
    ...(rotation ? ["", ...rotationLines(rotation)] : []),
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
    ...(rotation ? { rotation } : {}),
    problems,
  }, human);
  return problems.length === 0 ? Exit.ok : Exit.check;
}

/** The problem of a rotation step cut short: its phase and the command that finishes it. */
function interrupted(r: RotationReport): { role: string; code: string; message: string } {
  return {
    role: "ca",
    code: "rotation-interrupted",
    message: `a CA rotation stopped while ${r.phase} (since ${r.since}); run '${r.next}' to finish that step`,
  };
}

/** Where a CA rotation stands, for the human report. */
function rotationLines(r: RotationReport): string[] {
  return [
    `CA rotation: ${r.phase}${r.interrupted ? " (cut short)" : ""} since ${r.since}` +
    `${r.newCa ? `, new CA '${r.newCa}'` : ""}`,
    `  next: ${r.next}`,
    ...(r.then ? [`  then: ${r.then}`] : []),
  ];
}
