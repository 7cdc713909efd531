/**
 * Planning the PKI: from a request (layout, algorithm, SANs, validity, an optional CA to use) and what is
 * already on disk, the full set of files with content, owner and mode. Existing valid material is kept;
 * leaves are reissued (from the same CA) only when missing, expiring, issued by another CA, or no longer
 * covering the requested SANs; anything that cannot be fixed without losing trust (a CA without its key,
 * a key that does not match its certificate, a different CA given than the one in place) is an error.
 * Pure: it decides from what observe.ts read ({@link ObservedPki}), never reads or writes the host; owners
 * are "root" and "etcd" by name (write.ts turns them into ids). The CA is planned by ca.ts, each leaf by
 * leaf.ts; this module puts them together, and verifies a plan before it is written. The types are in
 * types.ts.
 */
import type * as x509 from "@peculiar/x509";
import { EtcdupError, Exit } from "../errors.ts";
import { planCa } from "./ca.ts";
import { chainsTo, keyMatches } from "./match.ts";
import { pkiPaths } from "./layout.ts";
import { planLeaf } from "./leaf.ts";
import { parseCertificates, parsePrivateKey } from "./pem.ts";
import { leafProfiles } from "./profiles.ts";
import { validateRequest } from "./request.ts";
import type { ObservedPki, PkiPlan, PkiRequest } from "./types.ts";

/** The plan's types, for the commands that take a plan from here. */
export type { PkiPlan, PkiRequest, PlannedFile } from "./types.ts";

/**
 * Plans the whole PKI of `req` from what was `observed` of it (observePki). Throws {@link EtcdupError}
 * for invalid requests (exit 2), unreadable or mismatched material (exit 3) and states it will not resolve
 * on its own (exit 7).
 */
export async function planPki(req: PkiRequest, observed: ObservedPki): Promise<PkiPlan> {
  validateRequest(req);
  const paths = pkiPaths(req.layout, req.pkiDir);
  const notes: string[] = [];
  const warnings: string[] = [];
  const { ca, files } = await planCa(req, observed, paths, notes, warnings);
  for (const profile of leafProfiles(req.layout, paths, req.memberName)) {
    files.push(...await planLeaf(req, observed, profile, ca, notes));
  }
  return { paths, files, notes, warnings, changed: files.some((f) => f.action !== "keep") };
}

/**
 * Checks a plan before anything is put in place: every new leaf certificate chains to `signer` (default:
 * the first certificate of the plan's CA file) and matches its planned key. Throws a verification error (exit 3)
 * naming the file otherwise.
 */
export async function verifyPlan(plan: PkiPlan, signer?: x509.X509Certificate): Promise<void> {
  const caFile = plan.files.find((f) => f.role === "ca-cert");
  const ca = signer ?? (caFile ? parseCertificates(caFile.content, caFile.path)[0] : undefined);
  for (const f of plan.files) {
    if (!f.role.endsWith("-cert") || f.role === "ca-cert" || f.action === "keep") continue;
    const cert = parseCertificates(f.content, f.path)[0];
    const keyFile = plan.files.find((k) => k.role === f.role.replace(/-cert$/, "-key"));
    const fail = (what: string) =>
      new EtcdupError({
        code: "renewal-unsafe",
        message: `the new ${f.path} ${what}; nothing was replaced`,
        hint: "This is a bug in etcdup; re-run with ETCDUP_DEBUG=1 and report it.",
        exit: Exit.verification,
      });
    if (ca && !(await chainsTo(cert, [ca]))) throw fail("does not verify against the CA");
    if (keyFile && !keyMatches(cert, parsePrivateKey(keyFile.content, keyFile.path))) {
      throw fail("does not match its key");
    }
  }
}
