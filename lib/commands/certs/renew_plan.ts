/**
 * What `certs renew` does, decided from what was observed (lib/observe/certs.ts) before anything is
 * written: which certificates are reissued and why (named on the command line or `all`, expiring within
 * `--window` with `--if-expiring`; the planner's own reason beside: expiring, SAN drift, another CA), the
 * names server and peer gain or drop (`--san`, a renamed host, `--reset-sans`), and every PKI file with its
 * action. `--dry-run` prints this value; the run writes exactly its files. Data in, data out (keys are
 * generated, nothing is read or written).
 */
import type * as x509 from "@peculiar/x509";
import { usageError } from "../../errors.ts";
import type { Options } from "../../specs/spec.ts";
import type { renewFlags } from "../../specs/certs.ts";
import type { RenewObserved, Target } from "../../observe/certs.ts";
import { loadCaAt } from "../../pki/ca.ts";
import { type ClientPair, clientPair, planReissue } from "../../pki/clients.ts";
import { ownerOf } from "../../pki/files.ts";
import { parseCertificates } from "../../pki/pem.ts";
import { type PkiPlan, type PlannedFile, planPki } from "../../pki/plan.ts";
import { leafProfiles, type LeafRole } from "../../pki/profiles.ts";
import { validateRequest } from "../../pki/request.ts";
import { certSans, type Sans } from "../../pki/sans.ts";
import type { ObservedPki } from "../../pki/types.ts";
import { baseRequest } from "./target.ts";

/** One certificate renewed and why. */
export interface RenewReason {
  /** A leaf role (server, peer, ...) or a client pair's name. */
  name: string;
  /** Why it was chosen: named, `all`, or expiring (`--if-expiring`). */
  why: string;
  /** What the planner says of it ("reissued server: SAN drift (new newname)"). */
  planner?: string;
  /** Names the new certificate covers that the old one did not, and the reverse. */
  sans?: { added: string[]; dropped: string[] };
}

/** The renewal, decided. */
export interface RenewPlan {
  /** `--if-expiring` found nothing expiring within `window` days: nothing is written or restarted. */
  nothingDue: boolean;
  window?: number;
  /** The names renewed (leaf roles and client pairs), as asked or as found expiring. */
  asked: string[];
  reasons: RenewReason[];
  pki: PkiPlan;
  /** What the user should act on (the CA itself expiring: 'certs rotate-ca'). */
  warnings: string[];
  /** The CA new leaves must chain to. */
  signer?: x509.X509Certificate;
  /** The wanted SANs to record (`--reset-sans`). */
  recordSans?: Sans;
}

/** The layout's leaves and the client pairs named (`all` when none is), each with why it is renewed. */
function chosen(
  asked: string[],
  t: Target,
  observed: ObservedPki,
): { roles: Set<LeafRole>; clients: ClientPair[] } {
  const profiles = leafProfiles(t.layout, t.paths, t.memberName);
  const roles = new Set<LeafRole>();
  const clients: ClientPair[] = [];
  for (const a of asked) {
    const profile = profiles.find((p) => p.role === a);
    const pair = clientPair(t.paths.dir, a);
    const seen = observed.files[pair.certPath];
    if (a === "all") {
      profiles.forEach((p) => roles.add(p.role));
    } else if (profile) {
      roles.add(profile.role);
    } else if (a === "ca") {
      throw usageError(
        "renew-ca",
        "'certs renew' reissues leaves; the CA is replaced with 'certs rotate-ca'",
      );
    } else if (seen !== undefined && !seen.missing) {
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
 * `--if-expiring`: the names of what `certs check --warn-days WINDOW` reported as expired or expiring
 * (leaf roles and client pairs), with why; the CA is never among them: its expiry is a warning naming
 * 'certs rotate-ca'.
 */
function expiring(
  observed: RenewObserved,
  t: Target,
  window: number,
): { names: string[]; why: Map<string, string>; warnings: string[] } {
  const names: string[] = [];
  const why = new Map<string, string>();
  const warnings: string[] = [];
  for (const c of observed.inspections ?? []) {
    const due = c.problems.find((p) => p.code === "expired" || p.code === "expiring");
    if (!due) continue;
    if (c.role === "ca") {
      warnings.push(
        `the CA ${t.paths.caCert} expires in ${c.daysLeft} days: etcdup never renews it by itself; ` +
          "replace it with 'etcdup certs rotate-ca' (on every member) in good time",
      );
      continue;
    }
    const name = c.role.replace(/^client:/, "");
    names.push(name);
    why.set(
      name,
      due.code === "expired"
        ? "expired (--if-expiring)"
        : `expires in ${c.daysLeft} days (--if-expiring --window ${window})`,
    );
  }
  return { names, why, warnings };
}

/** The SANs of the first certificate of PEM `text`, as strings; none when it cannot be read. */
function sansOf(text: string | undefined, where: string): Set<string> {
  if (text === undefined) return new Set();
  try {
    const s = certSans(parseCertificates(text, where)[0]);
    return new Set([...s.dns, ...s.ips]);
  } catch {
    return new Set();
  }
}

/** What the new certificate of `certPath` covers beyond the old one's names, and what it drops. */
function sanChange(certPath: string, pki: PkiPlan, observed: ObservedPki): RenewReason["sans"] {
  const planned = pki.files.find((f) => f.path === certPath && f.action !== "keep");
  const seen = observed.files[certPath];
  if (!planned || !seen || seen.missing || seen.text === undefined) return undefined;
  const [before, after] = [sansOf(seen.text, certPath), sansOf(planned.content, certPath)];
  const added = [...after].filter((n) => !before.has(n));
  const dropped = [...before].filter((n) => !after.has(n));
  return added.length + dropped.length > 0 ? { added, dropped } : undefined;
}

/**
 * Why each certificate the plan reissues is: the leaves chosen and those the planner reissues unasked
 * (SAN drift), then the client pairs; with the planner's note and the SANs gained or dropped.
 */
function reasonsOf(
  pki: PkiPlan,
  observed: ObservedPki,
  t: Target,
  c: { roles: Set<LeafRole>; clients: ClientPair[]; asked: string[]; due?: Map<string, string> },
): RenewReason[] {
  const rewritten = (certPath: string) => pki.files.some((f) => f.path === certPath && f.action !== "keep");
  const whyOf = (name: string) =>
    c.due?.get(name) ??
      (c.asked.includes(name)
        ? "named on the command line"
        : c.roles.has(name as LeafRole)
        ? "all of the layout's certificates"
        : "not asked for, but it no longer fits (the planner's reason)");
  const leaves = leafProfiles(t.layout, t.paths, t.memberName)
    .filter((p) => c.roles.has(p.role) || rewritten(p.certPath));
  return [
    ...leaves.map((p) => ({ name: p.role as string, certPath: p.certPath })),
    ...c.clients.map((pair) => ({ name: pair.name, certPath: pair.certPath })),
  ].map(({ name, certPath }) => {
    const planner = pki.notes.find((n) =>
      n.startsWith(`reissued ${name}:`) || n === `reissued client ${name}`
    );
    const sans = sanChange(certPath, pki, observed);
    return { name, why: whyOf(name), ...(planner ? { planner } : {}), ...(sans ? { sans } : {}) };
  });
}

/** What the flags say beyond the names. */
export interface RenewAsk {
  /** The certificates named on the command line. */
  names: string[];
  /** Whether --cert-days was given (a client pair keeps its own lifetime otherwise). */
  certDaysGiven: boolean;
  now: Date;
}

/** Plans `certs renew` (see the module doc) from what was observed. */
export async function planRenew(
  o: Options<typeof renewFlags>,
  ask: RenewAsk,
  t: Target,
  observed: RenewObserved,
): Promise<RenewPlan> {
  const { now } = ask;
  const empty: PkiPlan = { paths: t.paths, files: [], notes: [], changed: false };
  const due = o["if-expiring"] ? expiring(observed, t, o.window) : undefined;
  if (due && due.names.length === 0) {
    return { nothingDue: true, window: o.window, asked: [], reasons: [], pki: empty, warnings: due.warnings };
  }
  const asked = due ? due.names : ask.names.length === 0 ? ["all"] : ask.names;
  const resetSans = o["reset-sans"];
  const req = { ...baseRequest(o, t, now), exactSans: resetSans };
  const ca = await loadCaAt(observed.pki, t.paths, now);
  const { roles, clients } = chosen(asked, t, observed.pki);
  if (resetSans && !roles.has("server") && !roles.has("peer")) {
    throw usageError(
      "reset-sans-unused",
      "--reset-sans: only server and peer certificates carry the host's names",
      "Renew server and/or peer (or all) with it.",
    );
  }
  validateRequest(req);
  const pki: PkiPlan = roles.size > 0 ? await planPki({ ...req, reissue: [...roles] }, observed.pki) : empty;
  const own = {
    ...req,
    certDays: ask.certDaysGiven ? req.certDays : undefined,
    forceAlgorithm: o["key-algorithm"] !== undefined,
  };
  for (const pair of clients) {
    pki.files.push(...keepCertOwner(pair, observed.pki, await planReissue(pair, observed.pki, ca, own)));
    pki.notes.push(`reissued client ${pair.name}`);
    pki.changed = true;
  }
  const reasons = reasonsOf(pki, observed.pki, t, { roles, clients, asked, due: due?.why });
  return {
    nothingDue: false,
    ...(due ? { window: o.window } : {}),
    asked,
    reasons,
    pki,
    warnings: due?.warnings ?? [],
    signer: ca.signer.cert,
    ...(resetSans ? { recordSans: req.sans } : {}),
  };
}
