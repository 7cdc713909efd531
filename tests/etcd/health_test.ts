/** waitHealthy gives up on time with Exit.health and names the endpoint and the reason. */
import assert from "node:assert/strict";
import { waitHealthy } from "../../lib/etcd/health.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { makeTestPki } from "../support/https_server.ts";

Deno.test("health: nothing listening -> EtcdupError Exit.health within the timeout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-health-" });
  try {
    const pki = await makeTestPki();
    await Deno.writeTextFile(`${dir}/ca.crt`, pki.caPem);
    await Deno.writeTextFile(`${dir}/c.crt`, pki.certPem);
    await Deno.writeTextFile(`${dir}/c.key`, pki.keyPem);
    const started = Date.now();
    await assert.rejects(
      waitHealthy({
        endpoints: ["https://127.0.0.1:9"],
        caFile: `${dir}/ca.crt`,
        certFile: `${dir}/c.crt`,
        keyFile: `${dir}/c.key`,
        timeoutMs: 600,
      }),
      (e: unknown) =>
        e instanceof EtcdupError && e.code === "unhealthy" && e.exit === Exit.health &&
        /127\.0\.0\.1:9/.test(e.message),
    );
    assert.ok(Date.now() - started < 5000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
