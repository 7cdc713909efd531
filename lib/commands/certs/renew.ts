/**
 * `etcdup certs renew [all|ROLE|NAME...]`: reissue the layout's leaves and named client pairs from the
 * existing CA, then restart etcd and wait for health (old files restored when it does not come back).
 */
import { type ContextOf, given, type Options } from "../../specs/spec.ts";
import type { renewFlags } from "../../specs/certs.ts";
import { Exit, type ExitCode, usageError } from "../../errors.ts";
import { loadCaAt } from "../../pki/ca.ts";
import { type ClientPair, clientPair, planReissue } from "../../pki/clients.ts";
import { ownerOf } from "../../pki/files.ts";
import { type PkiPlan, type PlannedFile, planPki } from "../../pki/plan.ts";
import type { ObservedPki } from "../../pki/types.ts";
import { leafProfiles, type LeafRole } from "../../pki/profiles.ts";
import { validateRequest } from "../../pki/request.ts";
import type { Output } from "../../output.ts";
import { textfilePath, writeCertMetrics } from "../../monitor/textfile.ts";
import { putInPlace } from "./put.ts";
import { baseRequest, observeTarget, resolveTarget, type Target } from "./target.ts";
import { checkCertificates } from "./check.ts";

/** The layout's leaves and the client pairs named on the command line (`all` when none is). */
function chosen(asked: string[], t: Target): { roles: Set<LeafRole>; clients: ClientPair[] } {
  const profiles = leafProfiles(t.layout, t.paths, t.memberName);
  const roles = new Set<LeafRole>();
  const clients: ClientPair[] = [];
  for (const a of asked) {
    const profile = profiles.find((p) => p.role === a);
    const pair = clientPair(t.paths.dir, a);
    if (a === "all") {
      profiles.forEach((p) => roles.add(p.role));
    } else if (profile) {
      roles.add(profile.role);
    } else if (a === "ca") {
      throw usageError(
        "renew-ca",
        "'certs renew' reissues leaves; the CA is replaced with 'certs rotate-ca'",
      );
    } else if (t.host.stat(pair.certPath) !== undefined) {
      clients.push(pair);
    } else if (t.state?.userClients?.some((c) => c.name === a)) {
      clients.push(...t.state.userClients.filter((c) => c.name === a));
    } else {
      throw usageError(
        "unknown-certificate",
        `no certificate '${a}' in the ${t.layout} layout at ${t.host.resolve(t.paths.dir)}`,
        `Name one of: all, ${
          profiles.map((p) => p.role).join(", ")
        }, or a client made by 'certs issue-client'.`,
      );
    }
  }
  return { roles, clients };
}

/**
 * A reissued pair's certificate with the owner of its key: a non-root user's pair (`--for-user`) stays
 * theirs; the layout's and root's pairs are root's either way.
 */
function keepCertOwner(pair: ClientPair, observed: ObservedPki, files: PlannedFile[]): PlannedFile[] {
  const key = observed.files[pair.keyPath];
  if (!key || key.missing || key.uid === 0) return files;
  return files.map((f) => f.path === pair.certPath ? { ...f, owner: ownerOf(key) } : f);
}

/**
 * `--if-expiring`: the names of what `certs check --warn-days WINDOW` reports as expired or expiring (leaf
 * roles and client pairs). The CA is never among them: its expiry is a warning naming 'certs rotate-ca'.
 */
async function expiring(
  o: Options<typeof renewFlags>,
  t: Target,
  out: Output,
): Promise<{ names: string[]; window: number }> {
  const window = o.window;
  const certs = await checkCertificates(t, o, window);
  const names: string[] = [];
  for (const c of certs) {
    const due = c.problems.find((p) => p.code === "expired" || p.code === "expiring");
    if (!due) continue;
    if (c.role === "ca") {
      out.warn(
        `the CA ${t.paths.caCert} expires in ${c.daysLeft} days: etcdup never renews it by itself; ` +
          "replace it with 'etcdup certs rotate-ca' (on every member) in good time",
      );
    } else names.push(c.role.replace(/^client:/, ""));
  }
  return { names, window };
}

/** Runs `certs renew`. */
export async function run(ctx: ContextOf<typeof renewFlags>): Promise<ExitCode> {
  const { options } = ctx;
  const t = resolveTarget(options);
  const now = new Date();
  let asked = ctx.positionals.length === 0 ? ["all"] : ctx.positionals;
  const textfile = options.prometheus ? textfilePath(options.prometheus) : undefined;
  /** Refreshes the textfile metrics after the run (the timer's job: renewal and monitoring in one). */
  const refresh = async () => {
    if (!textfile) return;
    writeCertMetrics(textfile, await checkCertificates(t, options, options.window), new Date());
  };
  if (options["if-expiring"]) {
    if (ctx.positionals.length > 0) {
      throw usageError(
        "if-expiring-with-names",
        `--if-expiring picks the certificates itself; it does not take names (${ctx.positionals.join(", ")})`,
        "Drop the names, or drop --if-expiring to renew exactly those.",
      );
    }
    const due = await expiring(options, t, ctx.out);
    if (due.names.length === 0) {
      await refresh();
      ctx.out.result(
        { renewed: [], window: due.window, reload: "not restarted" },
        `nothing expires within ${due.window} days: no certificate renewed, etcd not restarted`,
      );
      return Exit.ok;
    }
    ctx.out.info(`expiring within ${due.window} days: ${due.names.join(", ")}`);
    asked = due.names;
  } else if (given(ctx, "window")) {
    throw usageError("window-without-if-expiring", "--window only applies with --if-expiring");
  }
  const resetSans = options["reset-sans"];
  const req = { ...baseRequest(options, t, now), exactSans: resetSans };
  // every pair `chosen` may pick: NAME in the PKI dir, or a recorded --for-user pair
  const pairs = [...asked.map((a) => clientPair(t.paths.dir, a)), ...t.state?.userClients ?? []];
  const observed = observeTarget(t, pairs.flatMap((p) => [p.certPath, p.keyPath]));
  const ca = await loadCaAt(observed, t.paths, now);
  const { roles, clients } = chosen(asked, t);
  if (resetSans && !roles.has("server") && !roles.has("peer")) {
    throw usageError(
      "reset-sans-unused",
      "--reset-sans: only server and peer certificates carry the host's names",
      "Renew server and/or peer (or all) with it.",
    );
  }
  validateRequest(req);
  const plan: PkiPlan = roles.size > 0
    ? await planPki({ ...req, reissue: [...roles] }, observed)
    : { paths: t.paths, files: [], notes: [], changed: false };
  const own = {
    ...req,
    certDays: given(ctx, "cert-days") ? req.certDays : undefined,
    forceAlgorithm: options["key-algorithm"] !== undefined,
  };
  for (const pair of clients) {
    plan.files.push(...keepCertOwner(pair, observed, await planReissue(pair, observed, ca, own)));
    plan.notes.push(`reissued client ${pair.name}`);
    plan.changed = true;
  }
  const { applied, reload } = await putInPlace(t, ctx.out, plan, {
    now,
    signer: ca.signer.cert,
    step: `renewing ${asked.join(", ")} in ${t.paths.dir}`,
    restart: options,
    recordSans: resetSans ? req.sans : undefined,
  });
  await refresh();
  ctx.out.result(
    { renewed: asked, notes: plan.notes, written: applied.written, backupDir: applied.backupDir, reload },
    reload!,
  );
  return Exit.ok;
}
