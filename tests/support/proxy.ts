/**
 * A real HTTP proxy on 127.0.0.1 for tests: tunnels TCP to the requested host:port (CONNECT) or forwards
 * absolute-form http:// requests, and records every target, so a test can prove its traffic actually went
 * through the proxy.
 */
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

/** A running test proxy. */
export interface TestProxy {
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY. */
  url: string;
  /** Targets seen (CONNECT or forwarded), e.g. `127.0.0.1:43121`. */
  connects: string[];
  /** Stops the proxy and drops open tunnels. */
  close(): Promise<void>;
}

/** Starts the proxy on a random free loopback port; other requests (origin-form) get 405. */
export async function startConnectProxy(): Promise<TestProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    // A plain-HTTP request in absolute form (how clients send http:// URLs to a proxy): forward it.
    if (!req.url?.startsWith("http://")) {
      res.writeHead(405);
      res.end("CONNECT or absolute-form http:// requests only\n");
      return;
    }
    const target = new URL(req.url);
    connects.push(target.host);
    const upstream = http.request(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Uint8Array) => {
    const target = req.url ?? "";
    connects.push(target);
    const [host, port] = [
      target.slice(0, target.lastIndexOf(":")),
      Number(target.slice(target.lastIndexOf(":") + 1)),
    ];
    const upstream = net.connect(port, host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
