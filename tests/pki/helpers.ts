/**
 * Support for the PKI tests: throw-away roots, a PkiRequest with test defaults, issuing a whole PKI
 * through observePki + planPki + writePki, openssl and GnuTLS certtool as the independent strict verifiers, and a real
 * etcd (the `sid` fixture's binaries) serving mutual TLS on loopback with a temp data dir.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { EtcdupError } from "../../lib/errors.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { observeFile, observePki } from "../../lib/pki/observe.ts";
import { type PkiPlan, type PkiRequest, planPki } from "../../lib/pki/plan.ts";
import type { ObservedPki } from "../../lib/pki/types.ts";
import { writePki, type WriteResult } from "../../lib/pki/write.ts";
import { loadCa } from "../../lib/pki/ca.ts";
import { clientPair, planNewClient } from "../../lib/pki/clients.ts";
import { hostSans } from "../../lib/pki/hostsans.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { gatherFacts } from "../../lib/host/facts.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { exec, execOk } from "../support/exec.ts";
import { waitUntil } from "../support/wait.ts";

/** A temp directory used as `--root`; removed by `cleanup`. */
export interface TempRoot {
  root: string;
  host: HostRoot;
  cleanup(): Promise<void>;
}

/** Makes a temp root. */
export async function tempRoot(prefix = "etcdup-pki-"): Promise<TempRoot> {
  const root = await Deno.makeTempDir({ prefix });
  return { root, host: new HostRoot(root), cleanup: () => Deno.remove(root, { recursive: true }) };
}

/** A request for the etcd layout under /etc/etcd/pki with SANs localhost, 127.0.0.1 and ::1. */
export function request(overrides: Partial<PkiRequest> = {}): PkiRequest {
  return {
    layout: "etcd",
    pkiDir: "/etc/etcd/pki",
    algorithm: "ecdsa-p256",
    memberName: "node1",
    sans: { dns: ["localhost"], ips: ["127.0.0.1", "::1"] },
    certDays: 365,
    caDays: 3650,
    now: new Date(),
    ...overrides,
  };
}

/** The ids the tests' etcd account has (files etcd owns are chowned to them under the temp root). */
export const ETCD_IDS = { uid: 4242, gid: 4343 };

/** What the planners see of `host`'s PKI at `req`'s place (and the `extra` paths), read now. */
export function observe(host: HostRoot, req: PkiRequest = request(), extra?: string[]): ObservedPki {
  return observePki(host, req, { etcd: ETCD_IDS, extra });
}

/** {@link planPki} of `req` on what `host` holds now. */
export function planOn(req: PkiRequest, host: HostRoot): Promise<PkiPlan> {
  return planPki(req, observe(host, req));
}

/**
 * {@link writePki} of `plan` to `host`, etcd being {@link ETCD_IDS}, from the plan's files as they are now
 * (tests that plan and write in one go; a run writes from what it planned from).
 */
export function writeOn(plan: PkiPlan, host: HostRoot, now: Date): WriteResult {
  const files = Object.fromEntries(plan.files.map((f) => [f.path, observeFile(host, f.path, ETCD_IDS)]));
  return writePki(plan, { files, dirCerts: [], orphanCaKeys: [] }, host, now, ETCD_IDS);
}

/** Plans and writes `req` on `host`; returns the plan. */
export async function makePki(host: HostRoot, req: PkiRequest): Promise<PkiPlan> {
  const plan = await planOn(req, host);
  writeOn(plan, host, req.now);
  return plan;
}

/** Runs `body` with a temp root holding a PKI of {@link request}(); removes the root after. */
export async function withPki(body: (t: TempRoot) => Promise<void>): Promise<void> {
  const t = await tempRoot();
  try {
    await makePki(t.host, request());
    await body(t);
  } finally {
    await t.cleanup();
  }
}

/** Asserts `fn` rejects with an EtcdupError of `code` (and `exit`), returning it. */
export async function rejectsWith(
  fn: () => Promise<unknown>,
  code: string,
  exit?: number,
): Promise<EtcdupError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof EtcdupError, `expected EtcdupError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (exit !== undefined) assert.equal(err.exit, exit);
    return err;
  }
  throw new Error(`expected an error ${code}`);
}

/** The JSON events of an etcdup `--json` run's stdout, in order. */
export function events(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

/** Runs openssl and returns its stdout (throws with stderr on failure). */
export function openssl(...args: string[]): Promise<string> {
  return execOk(["openssl", ...args]);
}

/** `openssl x509 -text -noout` of a certificate file. */
export function x509Text(file: string): Promise<string> {
  return openssl("x509", "-in", file, "-text", "-noout");
}

/** What a certificate is presented as, for the verifiers' purpose (EKU) check. */
export type TlsPurpose = "server" | "client";

/**
 * Verifies the certificate file `cert` against the CA file `caFile` (one CA or a rotation bundle) with
 * both independent verifiers in strict mode: `openssl verify -x509_strict` and GnuTLS `certtool --verify`
 * (profile medium), each checking `purpose` (serverAuth/clientAuth) when given (not for a CA itself) and
 * that the certificate covers `hostname` when given.
 * Resolves to undefined when both accept, else to what the refusing verifier(s) said.
 */
export async function strictVerify(
  caFile: string,
  cert: string,
  purpose?: TlsPurpose,
  hostname?: string,
): Promise<string | undefined> {
  const ssl = await exec([
    "openssl",
    "verify",
    "-x509_strict",
    ...(purpose ? ["-purpose", purpose === "server" ? "sslserver" : "sslclient"] : []),
    ...(hostname ? ["-verify_hostname", hostname] : []),
    "-CAfile",
    caFile,
    cert,
  ]);
  const gnutls = await exec([
    "certtool",
    "--verify",
    "--verify-profile=medium",
    ...(purpose ? [`--verify-purpose=1.3.6.1.5.5.7.3.${purpose === "server" ? 1 : 2}`] : []),
    ...(hostname ? [`--verify-hostname=${hostname}`] : []),
    "--load-ca-certificate",
    caFile,
    "--infile",
    cert,
  ]);
  const failed = [
    ...(ssl.code === 0 ? [] : [`openssl: ${ssl.stdout}${ssl.stderr}`.trim()]),
    ...(gnutls.code === 0 ? [] : [`certtool: ${gnutls.stdout}${gnutls.stderr}`.trim()]),
  ];
  return failed.length === 0 ? undefined : failed.join("\n");
}

/** {@link strictVerify} for each of `purposes` (`[undefined]` for a CA); throws naming `cert` and what failed. */
export async function assertStrictlyValid(
  caFile: string,
  cert: string,
  purposes: (TlsPurpose | undefined)[],
): Promise<void> {
  for (const purpose of purposes) {
    const failed = await strictVerify(caFile, cert, purpose);
    if (failed) throw new Error(`${cert} (${purpose ?? "CA"}) against ${caFile}:\n${failed}`);
  }
}

/**
 * A self-signed P-256 CA made by openssl as `dir`/NAME.crt and NAME.key, with `subject` and exactly the
 * `-addext` extensions given (a minimal config, so openssl adds none of its own, e.g. no AKI): the shape
 * of CAs made by other tools, or by older etcdup releases.
 * @example await opensslCa(dir, "legacy", "/CN=etcdup-ca", ["basicConstraints=critical,CA:TRUE"])
 */
export async function opensslCa(
  dir: string,
  name: string,
  subject: string,
  extensions: string[],
): Promise<{ cert: string; key: string }> {
  const config = path.join(dir, "minimal.cnf");
  await Deno.writeTextFile(config, "[req]\ndistinguished_name = dn\n[dn]\n");
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await openssl(
    ...["req", "-config", config, "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", key, "-out", cert, "-days", "3650", "-subj", subject],
    ...extensions.flatMap((e) => ["-addext", e]),
  );
  return { cert, key };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** etcd and etcdctl binaries unpacked from the `sid` fixture into `dir`. */
export async function etcdBinaries(dir: string): Promise<{ etcd: string; etcdctl: string; version: string }> {
  const fx = await etcdFixture("sid");
  await execOk(["tar", "-xzf", fx.tarball, "-C", dir, "--strip-components=1"]);
  return { etcd: path.join(dir, "etcd"), etcdctl: path.join(dir, "etcdctl"), version: fx.version };
}

/** Client files for etcdctl (real paths). */
export interface ClientFiles {
  ca: string;
  cert: string;
  key: string;
}

/** An etcd member on loopback with mutual TLS on client and peer URLs. */
export interface LocalEtcd {
  name: string;
  endpoint: string;
  /** `name=peerURL`, for an initial cluster list. */
  peerEntry: string;
  /** Runs etcdctl against the member with `client`; returns the result whatever its exit code. */
  ctl(client: ClientFiles, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** (Re)starts etcd on the PKI files as they are now, without waiting (members of a new cluster start together). */
  spawn(initialCluster?: string): Promise<void>;
  /** Waits until the member answers `endpoint health` with `client`; fails early if etcd exited. */
  waitHealthy(client: ClientFiles): Promise<void>;
  /** spawn() then waitHealthy(): a single-member cluster of its own unless `initialCluster` is given. */
  start(client: ClientFiles, initialCluster?: string): Promise<void>;
  /** Stops etcd (SIGTERM, then waits for exit). */
  stop(): Promise<void>;
}

/** An etcd member named `name` using the server/peer files of `pki` (real dir), data in `dataDir`. */
export function localEtcd(
  bins: { etcd: string; etcdctl: string },
  pki: string,
  dataDir: string,
  name = "node1",
): LocalEtcd {
  const endpoint = `https://127.0.0.1:${freePort()}`;
  const peer = `https://127.0.0.1:${freePort()}`;
  let proc: Deno.ChildProcess | undefined;
  let exited = false;
  let log = "";
  let cluster = `${name}=${peer}`;
  const at = (f: string) => path.join(pki, f);
  const ctl = (client: ClientFiles, ...args: string[]) =>
    exec([
      bins.etcdctl,
      `--endpoints=${endpoint}`,
      `--cacert=${client.ca}`,
      `--cert=${client.cert}`,
      `--key=${client.key}`,
      "--dial-timeout=3s",
      "--command-timeout=5s",
      ...args,
    ], { timeoutMs: 20_000 });
  const stop = async () => {
    if (!proc) return;
    const p = proc;
    proc = undefined;
    try {
      p.kill("SIGTERM");
    } catch { /* already gone */ }
    await p.status;
  };
  const spawn = async (initialCluster?: string) => {
    await stop();
    if (initialCluster) cluster = initialCluster;
    const child = new Deno.Command(bins.etcd, {
      args: [
        `--name=${name}`,
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${endpoint}`,
        `--advertise-client-urls=${endpoint}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=${cluster}`,
        `--cert-file=${at("server.crt")}`,
        `--key-file=${at("server.key")}`,
        `--trusted-ca-file=${at("ca.crt")}`,
        "--client-cert-auth",
        `--peer-cert-file=${at("peer.crt")}`,
        `--peer-key-file=${at("peer.key")}`,
        `--peer-trusted-ca-file=${at("ca.crt")}`,
        "--peer-client-cert-auth",
        "--listen-metrics-urls=",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    proc = child;
    exited = false;
    log = "";
    child.status.then(() => {
      if (proc === child) exited = true;
    });
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) log = (log + r.value).slice(-4000);
    })().catch(() => {});
  };
  const waitHealthy = async (client: ClientFiles) => {
    const outcome = await waitUntil(
      async () => {
        if (exited) return "exited";
        const r = await ctl(client, "endpoint", "health");
        if (r.code !== 0) throw new Error(r.stderr.trim());
        return "healthy";
      },
      30_000,
      `etcd ${endpoint} to be healthy`,
      200,
    );
    if (outcome === "exited") throw new Error(`etcd ${name} exited before it was healthy:\n${log}`);
  };
  return {
    name,
    endpoint,
    peerEntry: `${name}=${peer}`,
    ctl,
    spawn,
    waitHealthy,
    stop,
    async start(client, initialCluster) {
      await spawn(initialCluster);
      await waitHealthy(client);
    },
  };
}

/**
 * A root whose /etc/hostname is `name`, with a PKI (etcd layout) covering that host's names and addresses;
 * `over` changes the request (e.g. a short-lived CA).
 */
export async function hostRoot(name: string, over: Partial<PkiRequest> = {}): Promise<TempRoot> {
  const t = await tempRoot();
  t.host.ensureDir("/etc", { uid: 0, gid: 0, mode: 0o755 });
  t.host.writeAtomic("/etc/hostname", `${name}\n`, { uid: 0, gid: 0, mode: 0o644 });
  await makePki(t.host, request({ memberName: name, sans: hostSans(gatherFacts(t.host)), ...over }));
  return t;
}

/** Adds a client pair NAME to the etcd layout's PKI at /etc/etcd/pki, issued at `now` for `days`. */
export async function addClient(host: HostRoot, name: string, now: Date, days: number): Promise<void> {
  const p = pkiPaths("etcd", "/etc/etcd/pki");
  const ca = await loadCa(host.readText(p.caCert)!, host.readText(p.caKey)!, { cert: "ca", key: "ca" }, now);
  const pair = clientPair(p.dir, name);
  const files = await planNewClient(
    { pair, commonName: name, days, algorithm: "ecdsa-p256", now },
    observe(host, request(), [pair.certPath, pair.keyPath]),
    ca,
  );
  writeOn({ paths: p, files, notes: [], changed: true }, host, now);
}
