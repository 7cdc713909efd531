/** scripts/refresh-manifest.ts against a mirror on loopback: adds new digests, never overwrites a conflict. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { serveFiles, startHttpsServer } from "../support/https_server.ts";
import { tempDir } from "./helpers.ts";

const repo = path.resolve(import.meta.dirname!, "../..");

Deno.test("refresh-manifest: adds a new version's digests, reports a conflicting one and keeps the old", async () => {
  const work = tempDir();
  const file = path.join(work, "releases.json");
  fs.writeFileSync(
    file,
    JSON.stringify({ source: "test", tarballs: { "v3.6.6": { amd64: "a".repeat(64) } } }),
  );
  const sums = (v: string, d: string) =>
    new TextEncoder().encode(
      `${d}  etcd-${v}-linux-amd64.tar.gz\n${"c".repeat(64)}  etcd-${v}-darwin-arm64.zip\n`,
    );
  const server = await startHttpsServer(serveFiles({
    "/v3.6.6/SHA256SUMS": sums("v3.6.6", "b".repeat(64)),
    "/v9.0.1/SHA256SUMS": sums("v9.0.1", "d".repeat(64)),
  }));
  try {
    const run = async (...extra: string[]) => {
      const args = [
        "run",
        "-A",
        "scripts/refresh-manifest.ts",
        "--manifest",
        file,
        "--mirror",
        server.url,
        "--mirror-ca",
        server.caFile,
        ...extra,
      ];
      const r = await new Deno.Command(Deno.execPath(), { args, cwd: repo, stdout: "piped", stderr: "piped" })
        .output();
      return { code: r.code, text: new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr) };
    };
    const r = await run("--add", "9.0.1");
    assert.equal(r.code, 1, r.text);
    assert.match(r.text, /CONFLICT v3\.6\.6 amd64: manifest a{64}/);
    const after = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.deepEqual(after.tarballs, {
      "v3.6.6": { amd64: "a".repeat(64) },
      "v9.0.1": { amd64: "d".repeat(64) },
    });
    assert.match(
      after.source,
      /^Refreshed \d{4}-\d\d-\d\d from https:\/\/127\.0\.0\.1:\d+\/\{version\}\/SHA256SUMS\. test$/,
    );
  } finally {
    await server.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
