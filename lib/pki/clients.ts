/**
 * Client certificates beyond a layout's own (`certs issue-client NAME`): issuing one for another program
 * (kube-apiserver, a backup job, monitoring), finding those already in the PKI directory, and reissuing
 * one from a CA keeping its subject, extended key usages, SANs, key algorithm and lifetime (renewal, CA
 * rotation).
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import * as path from "node:path";
import { EtcdupError, Exit, usageError } from "../errors.ts";
import { asKeyAlgorithm, generateKeyPair, type KeyAlgorithm } from "./algorithms.ts";
import type { LoadedCa } from "./ca.ts";
import { CERT_OWNER, observedAt, ownerOf, readPkiFile, ROOT_KEY_OWNER } from "./files.ts";
import { distinguishedName, issueLeaf, leafValidity } from "./issue.ts";
import type { PkiPaths } from "./layout.ts";
import { certificatePem, parseCertificates, parsePrivateKey, privateKeyPem, publicOf } from "./pem.ts";
import { MAX_DAYS } from "./request.ts";
import { certSans } from "./sans.ts";
import type { ObservedFile, ObservedPki, PkiRequest, PlannedFile } from "./types.ts";

/** A certificate and key named NAME.crt / NAME.key. */
export interface ClientPair {
  name: string;
  certPath: string;
  keyPath: string;
}

/** The pair NAME in `dir`. */
export function clientPair(dir: string, name: string): ClientPair {
  return { name, certPath: path.join(dir, `${name}.crt`), keyPath: path.join(dir, `${name}.key`) };
}

/** Base names of `paths` (ca, server, peer, admin/healthcheck-client): not usable as client names. */
function reservedNames(paths: PkiPaths): string[] {
  return [paths.caCert, paths.serverCert, paths.peerCert, paths.adminCert, paths.apiserverClientCert]
    .filter((p): p is string => p !== undefined)
    .map((p) => path.basename(p, ".crt"));
}

/** Checks a client NAME: a plain file name and, when it goes into the PKI dir of `paths`, not one of the layout's own. */
export function checkClientName(name: string, paths?: PkiPaths): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 64) {
    throw usageError(
      "bad-client-name",
      `client name '${name}' must be letters, digits, '.', '_' or '-'`,
      "e.g. 'etcdup certs issue-client backup'.",
    );
  }
  if (paths && reservedNames(paths).includes(name)) {
    throw usageError(
      "bad-client-name",
      `client name '${name}' is one of the layout's own certificates`,
      `Renew it with 'etcdup certs renew ${name === "healthcheck-client" ? "admin" : name}' instead.`,
    );
  }
}

/**
 * Client pairs in `paths.dir` other than the layout's own (a regular NAME.crt with a NAME.key beside it),
 * as `observed` (its `dirCerts`).
 */
export function clientPairs(observed: ObservedPki, paths: PkiPaths): ClientPair[] {
  const reserved = reservedNames(paths);
  return observed.dirCerts.filter((p) => {
    const f = observedAt(observed, p);
    return !f.missing && f.isFile && !f.isSymlink;
  }).map((p) => path.basename(p, ".crt")).filter((n) => !reserved.includes(n))
    .map((n) => clientPair(paths.dir, n)).filter((p) => !observedAt(observed, p.keyPath).missing);
}

/** What `certs issue-client` asks for. */
export interface ClientRequest {
  pair: ClientPair;
  commonName: string;
  organization?: string;
  days: number;
  algorithm: KeyAlgorithm;
  now: Date;
  backdateMinutes?: number;
}

/** Plans a new client certificate (clientAuth) and key (0600 root); refuses to overwrite an existing pair. */
export async function planNewClient(
  req: ClientRequest,
  observed: ObservedPki,
  ca: LoadedCa,
): Promise<PlannedFile[]> {
  for (const p of [req.pair.certPath, req.pair.keyPath]) {
    if (!observedAt(observed, p).missing) {
      throw new EtcdupError({
        code: "client-exists",
        message: `${p} already exists`,
        hint: `Renew it with 'etcdup certs renew ${req.pair.name}', or pick another name or --out directory.`,
        exit: Exit.precondition,
      });
    }
  }
  const keys = await generateKeyPair(req.algorithm);
  const cert = await issueLeaf({
    subject: distinguishedName(req.commonName, req.organization),
    usages: ["clientAuth"],
    sans: { dns: [], ips: [] },
    publicKey: keys.publicKey,
    keyAlgorithm: req.algorithm,
    ca: ca.signer,
    validity: leafValidity(ca.signer, req.now, req.days, req.backdateMinutes),
  });
  return [
    {
      path: req.pair.certPath,
      content: certificatePem(cert),
      ...CERT_OWNER,
      role: `client:${req.pair.name}-cert`,
      action: "create",
    },
    {
      path: req.pair.keyPath,
      content: await privateKeyPem(keys.privateKey),
      ...ROOT_KEY_OWNER,
      role: `client:${req.pair.name}-key`,
      action: "create",
    },
  ];
}

/** What {@link planReissue} takes from a {@link PkiRequest}, and what it may override of the pair's own. */
export interface ReissueRequest
  extends Pick<PkiRequest, "algorithm" | "reuseKeys" | "now" | "backdateMinutes"> {
  /** Validity of the new certificate in days; undefined keeps the pair's own lifetime. */
  certDays?: number;
  /**
   * Whether a new key is of `algorithm` (an explicit `--key-algorithm`); otherwise it keeps the pair's own
   * algorithm, and `algorithm` is used only when etcdup cannot issue that one (e.g. rsa-1024).
   */
  forceAlgorithm?: boolean;
}

/** Whole days from a certificate's NotBefore to its NotAfter (its lifetime as issued, backdating aside). */
function lifetimeDays(cert: x509.X509Certificate): number {
  const days = Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000);
  return Math.min(Math.max(days, 1), MAX_DAYS);
}

/**
 * Plans reissuing the client pair `pair` from `ca`, keeping the certificate's subject, extended key usages,
 * SANs and lifetime (unless `req.certDays`), with a new key of the old key's algorithm (unless
 * `req.forceAlgorithm`) or the old key itself with `req.reuseKeys`. The key keeps its owner and mode.
 * A pair made with `issue-client --days 90 --key-algorithm ed25519` stays so through renewals and CA rotations.
 */
export async function planReissue(
  pair: ClientPair,
  observed: ObservedPki,
  ca: LoadedCa,
  req: ReissueRequest,
): Promise<PlannedFile[]> {
  const certText = readPkiFile(observed, pair.certPath);
  const keyText = readPkiFile(observed, pair.keyPath);
  if (certText === undefined || keyText === undefined) {
    throw new EtcdupError({
      code: "missing-pair",
      message: `cannot renew ${pair.certPath}: ${
        certText === undefined ? pair.certPath : pair.keyPath
      } does not exist`,
      hint: "Issue it anew ('etcdup certs issue-client NAME', or 'etcdup install' for the layout's own).",
      exit: Exit.precondition,
    });
  }
  const old = parseCertificates(certText, pair.certPath)[0];
  const oldKey = parsePrivateKey(keyText, pair.keyPath);
  const eku = old.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String) ?? ["clientAuth"];
  const reuse = req.reuseKeys ? await publicOf(oldKey) : undefined;
  const algorithm = req.forceAlgorithm ? req.algorithm : asKeyAlgorithm(oldKey.algorithm) ?? req.algorithm;
  const fresh = reuse ? undefined : await generateKeyPair(algorithm);
  const days = req.certDays ?? lifetimeDays(old);
  const cert = await issueLeaf({
    subject: old.subjectName,
    usages: eku,
    sans: certSans(old),
    publicKey: reuse?.publicKey ?? fresh!.publicKey,
    keyAlgorithm: reuse?.algorithm ?? algorithm,
    ca: ca.signer,
    validity: leafValidity(ca.signer, req.now, days, req.backdateMinutes),
  });
  const st = observedAt(observed, pair.keyPath) as ObservedFile & { missing: false };
  const keyOwn = { owner: ownerOf(st), mode: st.mode & 0o077 ? 0o600 : st.mode };
  return [
    {
      path: pair.certPath,
      content: certificatePem(cert),
      ...CERT_OWNER,
      role: `client:${pair.name}-cert`,
      action: "replace",
    },
    {
      path: pair.keyPath,
      content: fresh ? await privateKeyPem(fresh.privateKey) : keyText,
      ...keyOwn,
      role: `client:${pair.name}-key`,
      action: fresh ? "replace" : (keyOwn.mode === st.mode ? "keep" : "fix-owner"),
    },
  ];
}
