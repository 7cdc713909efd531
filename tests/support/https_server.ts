/**
 * A real HTTPS server on 127.0.0.1 for tests: a fresh throw-away CA and leaf made with @peculiar/x509
 * (SANs 127.0.0.1 and localhost), a random free port, and a log of the paths it was asked for. Use it as a
 * release mirror with {@link serveFiles} (layout `{base}/{version}/{file}`, like GitHub releases).
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import * as https from "node:https";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A running test server. */
export interface TestServer {
  /** `https://127.0.0.1:PORT` (random free port). */
  url: string;
  /** The test CA certificate (PEM) that signed the server's certificate. */
  caPem: string;
  /** {@link caPem} written to a file in a temp dir (for `--mirror-ca`). */
  caFile: string;
  /** Request paths seen, in order (e.g. `/v3.5.30/SHA256SUMS`). */
  requests: string[];
  /** Stops the server, drops open connections and removes the temp dir. */
  close(): Promise<void>;
}

/** A request handler. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

function pem(der: ArrayBuffer, label: string): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}

/** Issues a throw-away CA and a leaf for 127.0.0.1/localhost; returns PEMs. */
export async function makeTestPki(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const now = Date.now();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 24 * 3600_000);
  const caKeys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=etcdup test CA",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const leafKeys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=127.0.0.1",
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }, {
        type: "dns",
        value: "localhost",
      }]),
    ],
  });
  const keyDer = await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey);
  return {
    caPem: ca.toString("pem") + "\n",
    certPem: leaf.toString("pem") + "\n",
    keyPem: pem(keyDer, "PRIVATE KEY"),
  };
}

/**
 * Starts an HTTPS server on 127.0.0.1 with a fresh test CA + leaf (SANs 127.0.0.1, localhost), made with
 * @peculiar/x509 (not openssl). Every request path is appended to `requests` before `handler` runs.
 */
export async function startHttpsServer(handler: Handler): Promise<TestServer> {
  const { caPem, certPem, keyPem } = await makeTestPki();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "etcdup-https-"));
  const caFile = path.join(dir, "ca.pem");
  fs.writeFileSync(caFile, caPem);
  const requests: string[] = [];
  const server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
    requests.push(req.url ?? "");
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem,
    caFile,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses a single `bytes=START-[END]` range against `size`; undefined when absent or unsatisfiable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const m = header?.match(/^bytes=(\d+)-(\d*)$/);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end ? { start, end } : undefined;
}

/**
 * A handler serving files (url path -> real file path or bytes), 404 otherwise, honouring a single
 * `Range: bytes=N-[M]` request with 206 (416 when unsatisfiable). File paths are streamed, not buffered.
 */
export function serveFiles(files: Record<string, string | Uint8Array>): Handler {
  return (req, res) => {
    const urlPath = new URL(req.url ?? "/", "http://x").pathname;
    const entry = files[urlPath];
    if (entry === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(entry === undefined ? 404 : 405, { "content-type": "text/plain" });
      res.end(entry === undefined ? "not found\n" : "method not allowed\n");
      return;
    }
    const size = typeof entry === "string" ? fs.statSync(entry).size : entry.length;
    const rangeHeader = req.headers.range;
    const range = parseRange(rangeHeader, size);
    if (rangeHeader !== undefined && range === undefined) {
      res.writeHead(416, { "content-range": `bytes */${size}` });
      res.end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const headers: Record<string, string | number> = {
      "content-type": "application/octet-stream",
      "content-length": Math.max(end - start + 1, 0),
      "accept-ranges": "bytes",
    };
    if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === "HEAD" || size === 0) {
      res.end();
    } else if (typeof entry === "string") {
      fs.createReadStream(entry, { start, end }).pipe(res);
    } else {
      res.end(entry.subarray(start, end + 1));
    }
  };
}
