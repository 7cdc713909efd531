/**
 * Shipping inside a real systemd container (a fresh bookworm VM stand-in sharing the host's loopback):
 * `curl -fsSL URL/install.sh | sh -s -- ARGS` against a loopback HTTPS release (the test CA trusted through
 * curl's own CURL_CA_BUNDLE), refusing a checksum mismatch, then the README's cloud-init example run as
 * user data. etcdup is the compiled binary when ETCDUP_CMD names one; otherwise install.sh ships a stand-in
 * that records its arguments, and the cloud-init run ships the e2e harness's script that runs this source tree
 * with Deno (bind-mounted read-only), so the real CLI answers inside the container either way.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Container } from "../e2e/harness/container.ts";
import { serveFiles, startHttpsServer, type TestServer } from "../support/https_server.ts";
import { etcdupUnderTest } from "../e2e/harness/etcdup.ts";
import { REPO } from "./etcdup_cmd.ts";
import { releaseFiles, STAND_IN, sumsFor } from "./release_files.ts";
import { runUserData } from "./cloud_init.ts";

const COMPILED = Deno.env.get("ETCDUP_CMD");
const CA = "/root/test-ca.pem";
const EXAMPLE = path.join(REPO, "examples/cloud-init.yaml");
const RELEASES = "https://github.com/etcdup/etcdup/releases/latest/download";

/** Serves install.sh, `binary` as both architectures and SHA256SUMS (`sums`, default the true one). */
async function withServer<T>(
  binary: string | Uint8Array,
  sums: string | undefined,
  fn: (s: TestServer) => Promise<T>,
) {
  const server = await startHttpsServer(serveFiles(releaseFiles(binary, sums)));
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test("install.sh in a systemd container: a mismatch installs nothing; curl | sh -s -- ARGS installs and runs etcdup install", async () => {
  const binary = COMPILED ? fs.readFileSync(COMPILED) : STAND_IN;
  const ct = await Container.boot({ name: "shipsh" });
  try {
    await withServer(binary, sumsFor("not the binary"), async (server) => {
      await ct.copyIn(server.caFile, CA);
      const env = { URL: server.url, CURL_CA_BUNDLE: CA, ETCDUP_BASE_URL: server.url };
      const r = await ct.exec(["sh", "-c", 'curl -fsSL "$URL/install.sh" | sh -s -- --version v3.6.6'], {
        env,
      });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /checksum mismatch/);
      assert.equal(fs.existsSync(ct.path("/usr/local/bin/etcdup")), false, "nothing installed");
    });
    await withServer(binary, undefined, async (server) => {
      await ct.copyIn(server.caFile, CA);
      const env = { URL: server.url, CURL_CA_BUNDLE: CA, ETCDUP_BASE_URL: server.url };
      const args = COMPILED ? ["--help"] : ["--version", "v3.6.6", "--san", "etcd.example.internal"];
      const r = await ct.exec(["sh", "-c", 'curl -fsSL "$URL/install.sh" | sh -s -- "$@"', "sh", ...args], {
        env,
      });
      assert.equal(r.code, 0, r.stderr);
      const st = fs.statSync(ct.path("/usr/local/bin/etcdup"));
      assert.equal(st.mode & 0o7777, 0o755);
      assert.equal(st.uid, 0);
      if (COMPILED) {
        assert.match(r.stdout, /^Usage: etcdup install \[flags\]$/m);
      } else {
        assert.equal(
          fs.readFileSync(ct.path("/usr/local/bin/etcdup.record"), "utf8"),
          "arg=install\narg=--version\narg=v3.6.6\narg=--san\narg=etcd.example.internal\nquiet=1\nstdin=0\n",
        );
      }
    });
  } finally {
    await ct.destroy();
  }
});

Deno.test("the README's cloud-init example, run as user data, fetches etcdup and feeds it /etc/etcdup.yaml", async () => {
  const etcdup = await etcdupUnderTest();
  console.log(`cloud-init runs etcdup as: ${etcdup.description}`);
  const binary = COMPILED ? fs.readFileSync(COMPILED) : etcdup.script;
  const ct = await Container.boot({ name: "shipci", binds: COMPILED ? [] : etcdup.binds });
  try {
    await withServer(binary, undefined, async (server) => {
      await ct.copyIn(server.caFile, CA);
      const example = fs.readFileSync(EXAMPLE, "utf8");
      assert.ok(
        example.includes(RELEASES) && example.includes("[etcdup, install, --config, /etc/etcdup.yaml]"),
      );
      // The loopback mirror stands in for GitHub (the script's URL in the user data, the binaries' through
      // ETCDUP_BASE_URL); --print-config shows what install would run with.
      const userData = example.replaceAll(RELEASES, server.url)
        .replace(
          "[etcdup, install, --config, /etc/etcdup.yaml]",
          "[etcdup, install, --config, /etc/etcdup.yaml, --print-config]",
        );
      const env = { CURL_CA_BUNDLE: CA, ETCDUP_BASE_URL: server.url, ETCDUP_CERT_DAYS: "90" };
      const r = await runUserData(ct, userData, env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal(fs.statSync(ct.path("/etc/etcdup.yaml")).mode & 0o7777, 0o600);
      assert.equal(fs.statSync(ct.path("/usr/local/bin/etcdup")).mode & 0o7777, 0o755);
      assert.match(r.stdout, /^version: latest-3\.6 +# from \/etc\/etcdup\.yaml$/m);
      assert.match(r.stdout, /^san: \["etcd\.example\.internal"\] +# from \/etc\/etcdup\.yaml$/m);
      assert.match(
        r.stdout,
        /^cert-days: "90" +# from ETCDUP_CERT_DAYS$/m,
        "the environment wins over the file",
      );
      assert.ok(server.requests.includes("/install.sh"));
    });
  } finally {
    await ct.destroy();
  }
});
