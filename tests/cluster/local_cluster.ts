/**
 * Real etcd members on loopback for the cluster tests: the `sid` fixture's etcd binary, a throw-away PKI
 * issued with lib/pki (real etcd peers and clients judge it), every member on
 * 127.0.0.1 with its own free ports and temp data dir, mutual TLS on client and peer URLs. Nothing outside
 * one temp dir is touched; {@link LocalCluster.close} kills every process and removes it.
 */
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";
import { generateKeyPair } from "../../lib/pki/algorithms.ts";
import { issueCa, issueLeaf, validity } from "../../lib/pki/issue.ts";
import { certificatePem, privateKeyPem } from "../../lib/pki/pem.ts";
import type { Usage } from "../../lib/pki/profiles.ts";
import type { TlsClient } from "../../lib/etcd/admin_client.ts";
import { waitHealthy } from "../../lib/etcd/health.ts";

/** One running (or stopped) local member. */
export interface LocalMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  /** The etcd process while it runs. */
  proc?: Deno.ChildProcess;
}

/** A set of local etcd members sharing one CA. */
export interface LocalCluster {
  members: LocalMember[];
  /** Admin client files (CA, cert, key) trusted by every member; `endpoints` are the initial members'. */
  tls: TlsClient;
  /** The CA's private key (PEM file), to issue or export from (`join --ca-cert/--ca-key`). */
  caKey: string;
  /** The etcd and etcdctl binaries of the fixture. */
  etcdBin: string;
  etcdctlBin: string;
  /** Allocates ports and a data dir for a new member (not started, not added). */
  newMember(name: string): LocalMember;
  /** Starts `m` with `initialCluster` and `state` (no waiting). */
  start(m: LocalMember, initialCluster: string, state: "new" | "existing"): void;
  /** SIGKILLs `m` and waits for it to exit. */
  kill(m: LocalMember): Promise<void>;
  /** Kills everything and removes the temp dir. */
  close(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Makes a CA, one member cert (serverAuth+clientAuth, IP 127.0.0.1) and an admin client cert in `dir`, with
 * lib/pki's issuing functions (the real etcd members are what judge them).
 */
async function makePki(
  dir: string,
): Promise<{ ca: string; caKey: string; member: [string, string]; admin: [string, string] }> {
  const alg = "ecdsa-p256";
  const when = validity(new Date(), 2);
  const caKeys = await generateKeyPair(alg);
  const ca = await issueCa({ commonName: "test-ca", keys: caKeys, algorithm: alg, validity: when });
  await Deno.writeTextFile(path.join(dir, "ca.crt"), certificatePem(ca));
  await Deno.writeTextFile(path.join(dir, "ca.key"), await privateKeyPem(caKeys.privateKey), { mode: 0o600 });
  const leaf = async (name: string, usages: Usage[], ips: string[]): Promise<[string, string]> => {
    const keys = await generateKeyPair(alg);
    const cert = await issueLeaf({
      subject: `CN=${name}`,
      usages,
      sans: { dns: [], ips },
      publicKey: keys.publicKey,
      keyAlgorithm: alg,
      ca: { cert: ca, key: caKeys.privateKey, algorithm: alg },
      validity: when,
    });
    const files: [string, string] = [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
    await Deno.writeTextFile(files[0], certificatePem(cert));
    await Deno.writeTextFile(files[1], await privateKeyPem(keys.privateKey), { mode: 0o600 });
    return files;
  };
  return {
    ca: path.join(dir, "ca.crt"),
    caKey: path.join(dir, "ca.key"),
    member: await leaf("member", ["serverAuth", "clientAuth"], ["127.0.0.1"]),
    admin: await leaf("admin", ["clientAuth"], []),
  };
}

/**
 * Starts an `n`-member cluster on loopback and waits until every member is healthy; `extraArgs` go to every
 * member's etcd (e.g. a tiny `--quota-backend-bytes`).
 * @example const c = await startLocalCluster(3); try { ... } finally { await c.close(); }
 */
export async function startLocalCluster(n: number, extraArgs: string[] = []): Promise<LocalCluster> {
  const fx = await etcdFixture("sid");
  const dir = await Deno.makeTempDir({ prefix: "etcdup-cluster-test-" });
  const procs = new Set<Deno.ChildProcess>();
  try {
    await execOk(["tar", "-xzf", fx.tarball, "-C", dir, "--strip-components=1"]);
    const etcdBin = path.join(dir, "etcd");
    const pki = await makePki(dir);
    const newMember = (name: string): LocalMember => ({
      name,
      clientUrl: `https://127.0.0.1:${freePort()}`,
      peerUrl: `https://127.0.0.1:${freePort()}`,
      dataDir: path.join(dir, `${name}.data`),
    });
    const start = (m: LocalMember, initialCluster: string, state: "new" | "existing") => {
      const [cert, key] = pki.member;
      const args = [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${m.clientUrl}`,
        `--advertise-client-urls=${m.clientUrl}`,
        `--listen-peer-urls=${m.peerUrl}`,
        `--initial-advertise-peer-urls=${m.peerUrl}`,
        `--initial-cluster=${initialCluster}`,
        `--initial-cluster-state=${state}`,
        "--initial-cluster-token=local-test",
        "--client-cert-auth",
        `--trusted-ca-file=${pki.ca}`,
        `--cert-file=${cert}`,
        `--key-file=${key}`,
        "--peer-client-cert-auth",
        `--peer-trusted-ca-file=${pki.ca}`,
        `--peer-cert-file=${cert}`,
        `--peer-key-file=${key}`,
        "--heartbeat-interval=50",
        "--election-timeout=500",
        "--log-level=error",
        ...extraArgs,
      ];
      const log = Deno.openSync(path.join(dir, `${m.name}.log`), { append: true, create: true });
      m.proc = new Deno.Command(etcdBin, { args, stdin: "null", stdout: "null", stderr: "piped" })
        .spawn();
      procs.add(m.proc);
      m.proc.stderr.pipeTo(log.writable).catch(() => {});
    };
    const kill = async (m: LocalMember) => {
      if (!m.proc) return;
      try {
        m.proc.kill("SIGKILL");
      } catch { /* already gone */ }
      await m.proc.status;
      procs.delete(m.proc);
      m.proc = undefined;
    };
    const members = Array.from({ length: n }, (_, i) => newMember(`m${i + 1}`));
    const initial = members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
    for (const m of members) start(m, initial, "new");
    const tls: TlsClient = {
      endpoints: members.map((m) => m.clientUrl),
      caFile: pki.ca,
      certFile: pki.admin[0],
      keyFile: pki.admin[1],
    };
    await waitHealthy({ ...tls, timeoutMs: 30_000 });
    return {
      members,
      tls,
      caKey: pki.caKey,
      etcdBin,
      etcdctlBin: path.join(dir, "etcdctl"),
      newMember,
      start,
      kill,
      close: async () => {
        for (const p of [...procs]) {
          try {
            p.kill("SIGKILL");
          } catch { /* already gone */ }
          await p.status;
        }
        await Deno.remove(dir, { recursive: true });
      },
    };
  } catch (err) {
    for (const p of procs) {
      try {
        p.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}
