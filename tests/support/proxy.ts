/**
 * A real HTTP CONNECT proxy on 127.0.0.1 for tests: tunnels TCP to the requested host:port and records every
 * CONNECT target, so a test can prove its download actually went through the proxy.
 */
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

/** A running test proxy. */
export interface TestProxy {
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY. */
  url: string;
  /** CONNECT targets seen, e.g. `127.0.0.1:43121`. */
  connects: string[];
  /** Stops the proxy and drops open tunnels. */
  close(): Promise<void>;
}

/** Starts a CONNECT proxy on a random free loopback port; plain (non-CONNECT) requests get 405. */
export async function startConnectProxy(): Promise<TestProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end("CONNECT only\n");
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
