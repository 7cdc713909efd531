/**
 * etcd health over mutual TLS: `GET https://ENDPOINT/health` with the admin client certificate, the way
 * `etcdctl endpoint health` asks it. Waiting is bounded polling on that explicit condition.
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "undici";
import { EtcdupError, Exit } from "../errors.ts";
import type { TlsClient } from "./admin_client.ts";

/** Options of {@link waitHealthy}. */
export interface WaitHealthyOptions extends TlsClient {
  /** Give up after this long (EtcdupError with Exit.health). */
  timeoutMs: number;
  /** Pause between attempts; default 250 ms. */
  intervalMs?: number;
}

/** One endpoint's answer. */
export interface EndpointHealth {
  endpoint: string;
  healthy: boolean;
  /** Why not, when unhealthy (connection error, HTTP status, etcd's reason). */
  error?: string;
}

/**
 * An undici Agent presenting the client certificate and trusting only the given CA. `http1` turns HTTP/2
 * off: etcd's peer port hands every HTTP/2 connection to its gRPC server.
 */
export function tlsAgent(client: Omit<TlsClient, "endpoints">, opts: { http1?: boolean } = {}): Agent {
  return new Agent({
    ...(opts.http1 ? { allowH2: false } : {}),
    connect: {
      ca: readFileSync(client.caFile),
      cert: readFileSync(client.certFile),
      key: readFileSync(client.keyFile),
      timeout: 3000,
    },
    headersTimeout: 3000,
    bodyTimeout: 3000,
  });
}

/** Asks one endpoint for `/health` once. */
export async function checkHealth(endpoint: string, agent: Agent): Promise<EndpointHealth> {
  try {
    const res = await request(new URL("/health", endpoint), { dispatcher: agent, method: "GET" });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      return { endpoint, healthy: false, error: `HTTP ${res.statusCode}: ${text.trim()}` };
    }
    const body = JSON.parse(text) as { health?: string; reason?: string };
    return body.health === "true"
      ? { endpoint, healthy: true }
      : { endpoint, healthy: false, error: body.reason || `health=${body.health}` };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { endpoint, healthy: false, error: e.code ? `${e.code}: ${e.message}` : e.message };
  }
}

/**
 * Polls every endpoint until all report healthy, or throws an EtcdupError (Exit.health) naming the last
 * failure once `timeoutMs` has passed.
 */
export async function waitHealthy(opts: WaitHealthyOptions): Promise<void> {
  const agent = tlsAgent(opts);
  const deadline = Date.now() + opts.timeoutMs;
  let last: EndpointHealth[] = [];
  try {
    while (true) {
      last = await Promise.all(opts.endpoints.map((e) => checkHealth(e, agent)));
      if (last.every((h) => h.healthy)) return;
      if (Date.now() >= deadline) break;
      await new Promise((r) =>
        setTimeout(r, Math.min(opts.intervalMs ?? 250, Math.max(deadline - Date.now(), 0)))
      );
    }
  } finally {
    await agent.close();
  }
  const bad = last.filter((h) => !h.healthy).map((h) => `${h.endpoint}: ${h.error}`).join("; ");
  throw new EtcdupError({
    code: "unhealthy",
    message: `etcd did not become healthy within ${Math.round(opts.timeoutMs / 1000)}s (${bad})`,
    hint: "Check 'journalctl -u etcd'; raise --health-timeout if the disk or network is slow.",
    exit: Exit.health,
  });
}
