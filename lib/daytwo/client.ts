/**
 * How day-two commands reach the local member: the admin client certificate of the recorded PKI layout and
 * the member's recorded client URLs, loopback first (it works whatever the host's addresses do).
 */
import type { TlsClient } from "../etcd/health.ts";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../host/state.ts";
import { type Layout, pkiPaths } from "../pki/layout.ts";

/** Whether a client URL points at the loopback interface. */
function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/**
 * The mutual-TLS client for the member `state` describes: REAL file paths under `host`, endpoints ordered
 * loopback first.
 * @example adminClient(new HostRoot("/"), state).endpoints[0] // "https://127.0.0.1:2379"
 */
export function adminClient(host: HostRoot, state: InstallState): TlsClient {
  const paths = pkiPaths(state.layout as Layout, state.pkiDir);
  const endpoints = [...state.clientUrls].sort((a, b) => Number(isLoopbackUrl(b)) - Number(isLoopbackUrl(a)));
  return {
    endpoints,
    caFile: host.resolve(paths.caCert),
    certFile: host.resolve(paths.adminCert),
    keyFile: host.resolve(paths.adminKey),
  };
}
