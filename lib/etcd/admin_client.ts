/**
 * The one mutual-TLS admin client: the PKI layout's admin certificate and key plus its CA, as REAL paths
 * under the host tree, with the client URLs to ask. Every command that talks to etcd as admin (health,
 * cluster API, etcdctl, snapshots) builds it here. No undici here: the connection itself is
 * `tlsAgent` (lib/etcd/health.ts), loaded only by the commands that connect.
 */
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../state_record.ts";
import { type Layout, type PkiPaths, pkiPaths } from "../pki/layout.ts";

/** Files and endpoints for a mutual-TLS conversation with etcd (REAL paths, readable by this process). */
export interface TlsClient {
  /** Client URLs, e.g. `https://127.0.0.1:2379`. */
  endpoints: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * The admin client of the PKI at `pki` on `host`, talking to `endpoints`.
 * @example adminTlsClient(host, pkiPaths("etcd", "/etc/etcd/pki"), ["https://127.0.0.1:2379"]).certFile
 */
export function adminTlsClient(host: HostRoot, pki: PkiPaths, endpoints: string[]): TlsClient {
  return {
    endpoints,
    caFile: host.resolve(pki.caCert),
    certFile: host.resolve(pki.adminCert),
    keyFile: host.resolve(pki.adminKey),
  };
}

/** Whether a client URL points at the loopback interface. */
function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/**
 * The admin client of the member `state` describes (its recorded PKI layout and client URLs), endpoints
 * ordered loopback first: that works whatever the host's addresses do.
 * @example adminClient(new HostRoot("/"), state).endpoints[0] // "https://127.0.0.1:2379"
 */
export function adminClient(host: HostRoot, state: InstallState): TlsClient {
  const endpoints = [...state.clientUrls].sort((a, b) => Number(isLoopbackUrl(b)) - Number(isLoopbackUrl(a)));
  return adminTlsClient(host, pkiPaths(state.layout as Layout, state.pkiDir), endpoints);
}
