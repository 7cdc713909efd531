/**
 * `etcdup download` fetches and verifies both arches into a bundle with a SHA256SUMS; then, in a network
 * namespace with no network at all, the bundle installs (bundleTarball + obtainRelease) while the mirror is
 * unreachable.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "../../main.ts";
import { Exit } from "../../lib/errors.ts";
import { parseSha256Sums } from "../../lib/release/source.ts";
import { serveRelease } from "./mirror_fixture.ts";
import { tempDir } from "./helpers.ts";

const V = "v9.4.0";
const repo = path.resolve(import.meta.dirname!, "../..");

Deno.test("download amd64,arm64 into a bundle, then install from it with no network", async () => {
  const work = tempDir();
  const src = path.join(work, "mirror");
  const bundle = path.join(work, "bundle");
  fs.mkdirSync(src);
  const { amd, arm, server } = await serveRelease(src, V);
  try {
    const args = [
      "download",
      "--quiet",
      "--version",
      V.slice(1),
      "--arch",
      "amd64,arm64",
      "--output",
      bundle,
    ];
    const env = { ETCDUP_MIRROR: server.url, ETCDUP_MIRROR_CA: server.caFile };
    assert.equal(await main(args, env), Exit.ok);
    assert.deepEqual(fs.readdirSync(bundle).sort(), ["SHA256SUMS", amd.name, arm.name]);
    const sums = parseSha256Sums(fs.readFileSync(path.join(bundle, "SHA256SUMS"), "utf8"));
    assert.deepEqual(Object.fromEntries(sums), { [amd.name]: amd.sha256, [arm.name]: arm.sha256 });
    assert.equal(fs.statSync(path.join(bundle, amd.name)).mode & 0o777, 0o644);
    const check = new Deno.Command("sha256sum", { args: ["-c", "SHA256SUMS"], cwd: bundle }).outputSync();
    assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));

    // --sha256 with two arches is ambiguous; a missing --output is a usage error.
    assert.equal(await main([...args, "--sha256", amd.sha256], env), Exit.usage);
    assert.equal(await main(["download", "--quiet", "--version", V], env), Exit.usage);

    const code = `
      import { bundleTarball, obtainRelease } from "${repo}/lib/release/obtain.ts";
      import { createOutput } from "${repo}/lib/cli/output.ts";
      const out = createOutput({ quiet: true, env: {} });
      const offline = await obtainRelease({ version: "${V}", arch: "amd64", env: {}, http: { retries: 0 },
        source: { kind: "mirror", baseUrl: "${server.url}", caFile: "${server.caFile}" },
        stagingParent: "${work}" }, out).then(() => "reached", (e) => e.code);
      const picked = bundleTarball("${bundle}", undefined, "amd64");
      const staged = await obtainRelease({ version: picked.version, arch: "amd64",
        source: { kind: "tarball", path: picked.path }, stagingParent: "${work}" }, out);
      staged.cleanup();
      console.log(JSON.stringify({ offline, version: picked.version, trust: staged.trust, sha256: staged.sha256 }));`;
    const res = await new Deno.Command("unshare", {
      args: ["--net", Deno.execPath(), "eval", "--ext=ts", code],
      cwd: repo,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(res.stdout);
    assert.equal(res.code, 0, new TextDecoder().decode(res.stderr));
    assert.deepEqual(JSON.parse(stdout), {
      offline: "download-failed",
      version: V,
      trust: "sha256sums",
      sha256: amd.sha256,
    });
  } finally {
    await server.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
