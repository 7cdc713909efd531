/**
 * Real etcd members on loopback for the cluster tests: the `sid` fixture's etcd binary, a throw-away PKI
 * made with openssl (the independent tool, so these tests do not lean on lib/pki), every member on
 * 127.0.0.1 with its own free ports and temp data dir, mutual TLS on client and peer URLs. Nothing outside
 * one temp dir is touched; {@link LocalCluster.close} kills every process and removes it.
 */
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";
import type { TlsClient } from "../../lib/etcd/health.ts";
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

/** Makes a CA, one member cert (serverAuth+clientAuth, IP 127.0.0.1) and an admin client cert in `dir`. */
async function makePki(
  dir: string,
): Promise<{ ca: string; member: [string, string]; admin: [string, string] }> {
  const at = (f: string) => path.join(dir, f);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await execOk([
    "openssl",
    "req",
    "-x509",
    ...ec,
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.crt"),
    "-days",
    "2",
    "-subj",
    "/CN=test-ca",
  ]);
  const leaf = async (name: string, ext: string) => {
    await execOk([
      "openssl",
      "req",
      ...ec,
      "-keyout",
      at(`${name}.key`),
      "-out",
      at(`${name}.csr`),
      "-subj",
      `/CN=${name}`,
    ]);
    await Deno.writeTextFile(at(`${name}.ext`), ext);
    await execOk([
      "openssl",
      "x509",
      "-req",
      "-in",
      at(`${name}.csr`),
      "-CA",
      at("ca.crt"),
      "-CAkey",
      at("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      at(`${name}.crt`),
      "-extfile",
      at(`${name}.ext`),
    ]);
    return [at(`${name}.crt`), at(`${name}.key`)] as [string, string];
  };
  const member = await leaf(
    "member",
    "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
  );
  const admin = await leaf("admin", "extendedKeyUsage=clientAuth\n");
  return { ca: at("ca.crt"), member, admin };
}

/**
 * Starts an `n`-member cluster on loopback and waits until every member is healthy.
 * @example const c = await startLocalCluster(3); try { ... } finally { await c.close(); }
 */
export async function startLocalCluster(n: number): Promise<LocalCluster> {
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
