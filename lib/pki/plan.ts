/**
 * Planning the PKI: from a request (layout, algorithm, SANs, validity, an optional CA to use) and what is
 * already on disk, the full set of files with content, owner and mode. Existing valid material is kept;
 * leaves are reissued (from the same CA) only when missing, expiring, issued by another CA, or no longer
 * covering the requested SANs; anything that cannot be fixed without losing trust (a CA without its key,
 * a key that does not match its certificate, a different CA given than the one in place) is an error.
 * Reads through {@link HostRoot}; never writes. The CA is planned by ca.ts, each leaf by leaf.ts; this
 * module holds the request and plan types, puts them together, and verifies a plan before it is applied.
 */
import type * as x509 from "@peculiar/x509";
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { KeyAlgorithm } from "./algorithms.ts";
import { planCa } from "./ca.ts";
import { chainsTo, keyMatches } from "./inspect.ts";
import { type Layout, type PkiPaths, pkiPaths } from "./layout.ts";
import { planLeaf } from "./leaf.ts";
import { parseCertificates, parsePrivateKey } from "./pem.ts";
import { leafProfiles, type LeafRole } from "./profiles.ts";
import { validateRequest } from "./request.ts";
import type { Sans } from "./sans.ts";

/** What the PKI should be. */
export interface PkiRequest {
  layout: Layout;
  pkiDir: string;
  /** Algorithm of new keys (existing valid keys are kept whatever their algorithm). */
  algorithm: KeyAlgorithm;
  memberName: string;
  /** Names server and peer certificates must cover. */
  sans: Sans;
  certDays: number;
  caDays: number;
  /** A CA to use (from --ca-from, or --ca-cert + --ca-key). */
  ca?: { certPem: string; keyPem: string; source?: string };
  etcdUid: number;
  etcdGid: number;
  now: Date;
  /** NotBefore backdating in minutes (default 5). */
  backdateMinutes?: number;
  /** Leaves to reissue even when valid (`certs renew`). */
  reissue?: LeafRole[];
  /** Keep the existing key of reissued leaves (`certs renew --reuse-keys`). */
  reuseKeys?: boolean;
  /**
   * Reissued server and peer certificates cover exactly `sans`, dropping names only the old certificate
   * had (`certs renew --reset-sans`); by default they keep their old names too.
   */
  exactSans?: boolean;
}

/** One file of the plan. */
export interface PlannedFile {
  /** Target absolute path. */
  path: string;
  /** Full content (for kept files, what is on disk). */
  content: string;
  uid: number;
  gid: number;
  mode: number;
  /** "ca-cert", "ca-key", "server-cert", "server-key", ... */
  role: string;
  /** keep: right as is; create: new file; replace: new content (old one backed up); fix-owner: owner/mode only. */
  action: "keep" | "create" | "replace" | "fix-owner";
}

/** The planned PKI. */
export interface PkiPlan {
  paths: PkiPaths;
  files: PlannedFile[];
  /** What planning decided, for the user: "kept valid CA", "reissued server: SAN drift (new 10.0.0.5)". */
  notes: string[];
  /** What the user should act on although the plan goes ahead (e.g. a given CA strict verifiers reject). */
  warnings?: string[];
  /** Whether any file is created, replaced or fixed. */
  changed: boolean;
}

/**
 * Plans the whole PKI of `req` against what `host` holds. Throws {@link EtcdupError} for invalid requests
 * (exit 2), unreadable or mismatched material (exit 3) and states it will not resolve on its own (exit 7).
 */
export async function planPki(req: PkiRequest, host: HostRoot): Promise<PkiPlan> {
  validateRequest(req);
  const paths = pkiPaths(req.layout, req.pkiDir);
  const notes: string[] = [];
  const warnings: string[] = [];
  const { ca, files } = await planCa(req, host, paths, notes, warnings);
  for (const profile of leafProfiles(req.layout, paths, req.memberName)) {
    files.push(...await planLeaf(req, host, profile, ca, notes));
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
