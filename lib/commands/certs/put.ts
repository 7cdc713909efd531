/**
 * Putting a planned PKI change in place, the same way for `renew`, `issue-client` and `rotate-ca`: verify
 * the new certificates, write them with backups (from what was observed: nothing is read again), report, restart etcd when it runs (rolling back on an
 * unhealthy restart), and record the new files in the install record.
 */
import type * as x509 from "@peculiar/x509";
import type { Output } from "../../output.ts";
import { asEtcdupError, EtcdupError, Exit } from "../../errors.ts";
import { writeState } from "../../host/state.ts";
import { serviceManager } from "../../host/systemd.ts";
import { waitHealthy } from "../../etcd/health.ts";
import { adminClient, adminTlsClient } from "../../etcd/admin_client.ts";
import { type PkiPlan, verifyPlan } from "../../pki/plan.ts";
import type { Sans } from "../../pki/sans.ts";
import type { ObservedPki } from "../../pki/types.ts";
import { restorePki, writePki, type WriteResult } from "../../pki/write.ts";
import { etcdIds, type Target } from "../../observe/certs.ts";

/** The restart options of renew and rotate-ca (lib/specs/certs.ts), checked by their rules. */
export interface RestartOptions {
  "no-restart": boolean;
  /** In milliseconds. */
  "health-timeout": number;
}

/** How {@link putInPlace} handles one plan. */
export interface PutOptions {
  now: Date;
  /** The CA new leaves must chain to (default: the plan's CA file). */
  signer?: x509.X509Certificate;
  /** Progress line printed before writing. */
  step?: string;
  /** Restart etcd on the new files as these options say (renew, rotate-ca); issue-client changes nothing etcd loads. */
  restart?: RestartOptions;
  /** Names to record as the wanted SANs (`renew --reset-sans`). */
  recordSans?: Sans;
  /** Runs once the plan is verified, before its first write (rotate-ca records its switch there). */
  beforeWrite?: () => void;
}

/** What {@link putInPlace} did. */
export interface PutResult {
  applied: WriteResult;
  /** What happened to etcd, for the user (undefined when `restart` was false). */
  reload?: string;
}

/**
 * Verifies and writes `plan`, decided from `observed` (see the module doc); throws before writing anything
 * when a new file is wrong or a file changed since it was observed (lib/pki/write.ts).
 */
export async function putInPlace(
  t: Target,
  out: Output,
  plan: PkiPlan,
  observed: ObservedPki,
  opts: PutOptions,
): Promise<PutResult> {
  await verifyPlan(plan, opts.signer);
  for (const w of plan.warnings ?? []) out.warn(w);
  if (opts.step) out.step(opts.step);
  opts.beforeWrite?.();
  const applied = writePki(plan, observed, t.host, opts.now, etcdIds(t));
  for (const n of plan.notes) out.info(n);
  for (const p of applied.written) out.info(`wrote ${p}`);
  if (applied.backupDir) out.info(`old files kept in ${applied.backupDir}`);
  const reload = opts.restart ? await reloadEtcd(opts.restart, t, out, applied) : undefined;
  record(t, applied, opts.recordSans);
  return { applied, reload };
}

/**
 * Records the files now in place in the install record (when etcdup installed this host), so `status`
 * and `uninstall` see renewed certificates as etcdup's own rather than as user edits; `sans` replaces
 * the recorded wanted names when given. What was written is known: no file is read back.
 */
function record(t: Target, applied: WriteResult, sans?: Sans): void {
  if (!t.state || (applied.written.length === 0 && !sans)) return;
  const files = { ...t.state.files, ...applied.files };
  writeState(t.host, { ...t.state, files, sans: sans ?? t.state.sans, updatedAt: new Date().toISOString() });
}

/**
 * Restarts etcd when it runs so it loads the new files, and waits for health over mTLS with the new
 * admin certificate; on failure the old files are put back and etcd restarted on them. Returns what happened.
 */
async function reloadEtcd(o: RestartOptions, t: Target, out: Output, applied: WriteResult): Promise<string> {
  if (o["no-restart"]) {
    return "not restarted (--no-restart): restart etcd to load the new files";
  }
  const sm = serviceManager(t.host);
  if (!sm.live) return "not restarted (--root)";
  const unit = t.state?.unit ?? "etcd.service";
  if (!(await sm.isActive(unit))) return `${unit} is not running: it loads the new files when it starts`;
  const timeoutMs = o["health-timeout"];
  const client = t.state
    ? adminClient(t.host, t.state)
    : adminTlsClient(t.host, t.paths, ["https://127.0.0.1:2379"]);
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
