/**
 * Shipping inside a real systemd container (a fresh bookworm VM stand-in) in a private network namespace, with
 * an HTTPS mirror on that namespace's loopback standing in for the release site (its test CA trusted through
 * curl's own CURL_CA_BUNDLE):
 * - `curl -fsSL URL/install.sh | sh -s -- ARGS` refuses a checksum mismatch, then installs and runs etcdup;
 * - the README's cloud-init example runs as user data and brings up etcd from /etc/etcdup.yaml.
 * etcdup is the compiled binary when ETCDUP_BIN names one. Otherwise install.sh ships a stand-in that records
 * its arguments, and the cloud-init run ships the e2e harness's script running this source tree with Deno
 * (bind-mounted read-only), so the real CLI answers inside the container either way.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Bind, Container } from "../e2e/harness/container.ts";
import { etcdupUnderTest } from "../e2e/harness/etcdup.ts";
import { type NetnsMirror, startMirror } from "../e2e/harness/mirror.ts";
import { Network } from "../e2e/harness/network.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";
import { REPO } from "./etcdup_cmd.ts";
import { releaseFiles, STAND_IN, sumsFor } from "./release_files.ts";
import { runUserData } from "./cloud_init.ts";

const COMPILED = Deno.env.get("ETCDUP_BIN");
const CA = "/root/test-ca.pem";
const EXAMPLE = path.join(REPO, "examples/cloud-init.yaml");
const RELEASES = "https://github.com/etcdup/etcdup/releases/latest/download";

/** A container in its own network namespace with a mirror of `files` (url path -> bytes or real path) there. */
async function withMirroredContainer(
  name: string,
  files: Record<string, string | Uint8Array>,
  binds: readonly Bind[],
  fn: (ct: Container, mirror: NetnsMirror) => Promise<void>,
): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "etcdup-ship-" });
  const net = await Network.create();
  let mirror: NetnsMirror | undefined;
  let ct: Container | undefined;
  try {
    const onDisk: Record<string, string> = {};
    for (const [url, body] of Object.entries(files)) {
      if (typeof body === "string") onDisk[url] = body;
      else {
        onDisk[url] = path.join(dir, url.replaceAll("/", "_"));
        fs.writeFileSync(onDisk[url], body);
      }
    }
    const host = await net.addHost();
    mirror = await startMirror(host.netns, onDisk);
    ct = await Container.boot({ name, netns: host.netns, binds });
    await Deno.writeTextFile(ct.path(CA), mirror.caPem);
    await fn(ct, mirror);
  } finally {
    await ct?.destroy();
    await mirror?.close();
    await net.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

Deno.test("install.sh in a systemd container: a mismatch installs nothing; curl | sh -s -- ARGS installs and runs etcdup install", async () => {
  const binary = COMPILED ? fs.readFileSync(COMPILED) : STAND_IN;
  const files = releaseFiles(binary);
  files["/bad/SHA256SUMS"] = new TextEncoder().encode(sumsFor("not the binary"));
  files["/bad/etcdup-linux-amd64"] = files["/etcdup-linux-amd64"];
  files["/bad/etcdup-linux-arm64"] = files["/etcdup-linux-arm64"];
  await withMirroredContainer("shipsh", files, [], async (ct, mirror) => {
    const pipe = 'curl -fsSL "$URL/install.sh" | sh -s -- "$@"';
    const bad = { URL: mirror.url, CURL_CA_BUNDLE: CA, ETCDUP_BASE_URL: `${mirror.url}/bad` };
    const refused = await ct.exec(["sh", "-c", pipe, "sh", "--version", "v3.6.6"], { env: bad });
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /checksum mismatch/);
    assert.equal(fs.existsSync(ct.path("/usr/local/bin/etcdup")), false, "nothing installed");

    const env = { URL: mirror.url, CURL_CA_BUNDLE: CA, ETCDUP_BASE_URL: mirror.url };
    const args = COMPILED ? ["--help"] : ["--version", "v3.6.6", "--san", "etcd.example.internal"];
    const r = await ct.exec(["sh", "-c", pipe, "sh", ...args], { env });
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
});

Deno.test("the README's cloud-init example, run as user data, installs a healthy etcd from /etc/etcdup.yaml", async () => {
  const etcdup = await etcdupUnderTest();
  console.log(`cloud-init runs etcdup as: ${etcdup.description}`);
  const fx = await etcdFixture("sid");
  const files = releaseFiles(COMPILED ? fs.readFileSync(COMPILED) : etcdup.script);
  files[`/${fx.version}/${path.basename(fx.tarball)}`] = fx.tarball;
  files[`/${fx.version}/SHA256SUMS`] = fx.sha256sums;
  await withMirroredContainer("shipci", files, COMPILED ? [] : etcdup.binds, async (ct, mirror) => {
    const example = fs.readFileSync(EXAMPLE, "utf8");
    assert.ok(example.includes(RELEASES), "the example fetches install.sh from the release site");
    // The mirror stands in for GitHub: in the script's URL, and through ETCDUP_BASE_URL for the binary. The
    // environment overrides the file where this offline test must (the fixture's etcd version, its mirror and
    // digest), as an operator's ETCDUP_* variables would; everything else comes from /etc/etcdup.yaml.
    const env = {
      CURL_CA_BUNDLE: CA,
      ETCDUP_BASE_URL: mirror.url,
      ETCDUP_VERSION: fx.version,
      ETCDUP_MIRROR: mirror.url,
      ETCDUP_MIRROR_CA: CA,
      ETCDUP_SHA256: fx.sha256,
      ETCDUP_CERT_DAYS: "90",
    };
    const r = await runUserData(ct, example.replaceAll(RELEASES, mirror.url), env);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    assert.equal(fs.statSync(ct.path("/etc/etcdup.yaml")).mode & 0o7777, 0o600);
    assert.equal(fs.statSync(ct.path("/usr/local/bin/etcdup")).mode & 0o7777, 0o755);
    assert.equal((await ct.exec(["systemctl", "is-active", "etcd"])).stdout.trim(), "active");

    const cert = await execOk([
      "openssl",
      "x509",
      "-noout",
      "-text",
      "-in",
      ct.path("/etc/etcd/pki/server.crt"),
    ]);
    assert.match(cert, /DNS:etcd\.example\.internal/, "san from /etc/etcdup.yaml");
    assert.match(cert, /ASN1 OID: prime256v1/, "key-algorithm from /etc/etcdup.yaml");
    const days = await execOk([
      "openssl",
      "x509",
      "-noout",
      "-startdate",
      "-enddate",
      "-in",
      ct.path("/etc/etcd/pki/server.crt"),
    ]);
    const [start, end] = [...days.matchAll(/=(.+)$/gm)].map((m) => Date.parse(m[1]));
    assert.equal(
      Math.round((end - start) / 86_400_000),
      90,
      "ETCDUP_CERT_DAYS wins over cert-days in the file",
    );

    const shown = await ct.exec(["etcdup", "install", "--config", "/etc/etcdup.yaml", "--print-config"], {
      env,
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^name: etcd-1 +# from \/etc\/etcdup\.yaml$/m);
    assert.match(shown.stdout, /^cert-days: "90" +# from ETCDUP_CERT_DAYS$/m);
  });
});
