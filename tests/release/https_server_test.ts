/** The test HTTPS server itself: TLS verified against its CA, files served, Range honoured, 404 otherwise. */
import assert from "node:assert/strict";
import { serveFiles, startHttpsServer } from "../support/https_server.ts";

/** Runs curl asynchronously (the server lives in this process, so a sync call would deadlock). */
async function curl(...args: string[]): Promise<{ code: number; body: string }> {
  const r = await new Deno.Command("curl", { args: ["-sS", "--max-time", "10", ...args], stderr: "null" })
    .output();
  return { code: r.code, body: new TextDecoder().decode(r.stdout) };
}

Deno.test("https test server: CA-verified TLS, files, Range and 404", async () => {
  const server = await startHttpsServer(serveFiles({ "/v1/file": new TextEncoder().encode("0123456789") }));
  const port = new URL(server.url).port;
  try {
    const ca = ["--cacert", server.caFile];
    assert.equal((await curl(...ca, `${server.url}/v1/file`)).body, "0123456789");
    assert.equal((await curl(...ca, "-r", "4-", `${server.url}/v1/file`)).body, "456789");
    assert.equal(
      (await curl(...ca, "-o", "/dev/null", "-w", "%{http_code}", `${server.url}/nope`)).body,
      "404",
    );
    const byName = await curl(
      ...ca,
      "--resolve",
      `localhost:${port}:127.0.0.1`,
      `https://localhost:${port}/v1/file`,
    );
    assert.equal(byName.body, "0123456789");
    assert.deepEqual(server.requests, ["/v1/file", "/v1/file", "/nope", "/v1/file"]);
    assert.notEqual((await curl(`${server.url}/v1/file`)).code, 0, "an unknown CA must be refused");
  } finally {
    await server.close();
  }
});
