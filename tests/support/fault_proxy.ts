/**
 * A loopback TCP proxy that injects faults in front of a test server: it passes bytes through, or drops a
 * connection once it has carried N request bytes, or answers the next N connections with an HTTP 500 and
 * closes them. Faults are per connection (each one closes its connection), so a client's retry on a new
 * connection sees the next fault or the real server.
 */
import * as net from "node:net";
import type { AddressInfo } from "node:net";

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Faults injected so far (drops and 500s). */
  faults: number;
  /**
   * Drop the first connection that carries more than `bytes` bytes towards the server (`up`, an upload) or
   * back to the client (`down`, a download), once (or, `always`, every such connection).
   */
  dropAfter(bytes: number, direction?: "up" | "down", always?: boolean): void;
  /** Answer the next `count` connections with HTTP 500 (an S3 InternalError body) and close them. */
  fail500(count: number): void;
  close(): Promise<void>;
}

const ERROR_BODY =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected by the test proxy</Message></Error>';

/** Starts a proxy on a random loopback port forwarding to 127.0.0.1:`targetPort`. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  let dropAt: number | undefined;
  let dropAlways = false;
  let dropDown: number | undefined;
  let fail = 0;
  const state = { connections: 0, faults: 0 };
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  };
  const server = net.createServer((client) => {
    state.connections++;
    track(client);
    if (fail > 0) {
      fail--;
      state.faults++;
      let head = "";
      const onData = (b: Buffer) => {
        head += b.toString("latin1");
        if (!head.includes("\r\n\r\n")) return;
        client.off("data", onData);
        client.end(
          `HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: ${ERROR_BODY.length}\r\nConnection: close\r\n\r\n${ERROR_BODY}`,
        );
      };
      client.on("data", onData);
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    track(upstream);
    let sent = 0;
    client.on("data", (b: Buffer) => {
      sent += b.length;
      if (dropAt !== undefined && sent > dropAt) {
        if (!dropAlways) dropAt = undefined;
        state.faults++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(b);
    });
    let received = 0;
    upstream.on("data", (b: Buffer) => {
      const limit = dropDown;
      received += b.length;
      if (limit !== undefined && received > limit) {
        dropDown = undefined;
        state.faults++;
        client.end(b.subarray(0, b.length - (received - limit)), () => client.destroy());
        upstream.destroy();
        return;
      }
      client.write(b);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return state.connections;
    },
    get faults() {
      return state.faults;
    },
    dropAfter: (bytes, direction = "up", always = false) => {
      dropAlways = always;
      if (direction === "up") dropAt = bytes;
      else dropDown = bytes;
    },
    fail500: (count) => {
      fail = count;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
