/**
 * Issue 2, proven against real parts: `etcdup install` in a freshly booted Debian bookworm (systemd-nspawn),
 * from a release tarball of real etcd binaries served over HTTPS, turns the container into a TLS-secured etcd
 * node that survives a reboot. One container per scenario; each assertion is a step. The container lives in a
 * private network namespace (with the mirror on its loopback), so the host's ports are never used.
 */
import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import * as path from "node:path";
import { type EtcdFixture, etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";
import { sanText } from "../support/openssl.ts";
import { waitUntil } from "../support/wait.ts";
import { Container } from "./harness/container.ts";
import { etcdupUnderTest } from "./harness/etcdup.ts";
import { startMirror } from "./harness/mirror.ts";
import { Network } from "./harness/network.ts";

const etcdup = await etcdupUnderTest();

const PKI = "/etc/etcd/pki";
const HOSTNAME = "etcd-a";
const EXTRA_SAN = "etcd.example.test";
const ENDPOINT = "https://127.0.0.1:2379";
/** etcdctl flags that bound every attempt, so a refused client fails fast instead of hanging. */
const QUICK = ["--dial-timeout=2s", "--command-timeout=4s"];

/** Every file and directory install writes: type, owner, group, mode. */
const WRITTEN: Record<string, string> = {
  "/usr/local/bin/etcd": "regular file root:root 755",
  "/usr/local/bin/etcdctl": "regular file root:root 755",
  "/usr/local/bin/etcdutl": "regular file root:root 755",
  "/usr/local/bin/etcdup": "regular file root:root 755",
  "/var/lib/etcd": "directory etcd:etcd 700",
  [PKI]: "directory root:root 755",
  [`${PKI}/ca.crt`]: "regular file root:root 644",
  [`${PKI}/ca.key`]: "regular file root:root 600",
  [`${PKI}/server.crt`]: "regular file root:root 644",
  [`${PKI}/server.key`]: "regular file etcd:etcd 600",
  [`${PKI}/peer.crt`]: "regular file root:root 644",
  [`${PKI}/peer.key`]: "regular file etcd:etcd 600",
  [`${PKI}/admin.crt`]: "regular file root:root 644",
  [`${PKI}/admin.key`]: "regular file root:root 600",
  "/etc/systemd/system/etcd.service": "regular file root:root 644",
  "/etc/default/etcd": "regular file root:root 644",
  "/etc/profile.d/etcdctl.sh": "regular file root:root 644",
  "/usr/share/bash-completion/completions/etcdctl": "regular file root:root 644",
  "/var/lib/etcdup": "directory root:root 700",
  "/var/lib/etcdup/state.json": "regular file root:root 600",
};
/** Where install writes; any file the container gained under these must be in {@link WRITTEN}. */
const WRITE_AREAS = [
  "/usr/local",
  "/etc/etcd",
  "/etc/default",
  "/etc/profile.d",
  "/var/lib/etcdup",
  "/usr/share",
];

Deno.test("install: a bare bookworm becomes a TLS-secured etcd node (issue 2)", async (t) => {
  const fx = await etcdFixture("sid");
  const net = await Network.create();
  let mirror: Awaited<ReturnType<typeof startMirror>> | undefined;
  let ct: Container | undefined;
  const pkiDir = await Deno.makeTempDir({ prefix: "etcdup-e2e-pki-" });
  try {
    const host = await net.addHost();
    mirror = await startMirror(host.netns, mirrorFiles(fx));
    ct = await Container.boot({
      name: "install",
      hostname: HOSTNAME,
      netns: host.netns,
      binds: etcdup.binds,
    });
    const c = ct;
    await Deno.writeTextFile(c.path("/root/mirror-ca.pem"), mirror.caPem);
    const release = ["--version", fx.version, "--mirror", mirror.url, "--mirror-ca", "/root/mirror-ca.pem"];
    const install = ["install", ...release, "--sha256", fx.sha256, "--san", EXTRA_SAN];

    await t.step("bad flags exit 2 and name the flag", async () => {
      for (
        const [args, flag] of [
          [["install", "--bogus"], "--bogus"],
          [["install", "--key-algorithm", "rsa-1024"], "--key-algorithm"],
          [["install", "--client-port", "99999"], "--client-port"],
          [["install", "--sha256", "xyz"], "--sha256"],
        ] as const
      ) {
        const r = await etcdup.run(c, args);
        assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert(r.stderr.includes(flag), `${args.join(" ")}: stderr names ${flag}: ${r.stderr}`);
      }
      await assertNothingInstalled(c);
    });

    await t.step("a tarball with a wrong checksum installs nothing", async () => {
      const r = await etcdup.run(c, ["install", ...release, "--sha256", "0".repeat(64)]);
      assertEquals(r.code, 3, r.stderr);
      assertMatch(r.stderr, /sha-?256|checksum/i);
      await assertNothingInstalled(c);
    });

    const installed = await t.step(
      "install: etcd is active, enabled, hardened, runs as etcd; metrics on loopback only",
      async () => {
        const r = await etcdup.run(c, install, { timeoutMs: 300_000 });
        assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
        // The final message's health checks (curl on the plain-http port, etcdctl via the profile) work as printed.
        const checks = r.stdout.split("\n").filter((l) => /^ {2}(curl|\. )/.test(l)).map((l) =>
          l.replace(/#.*$/, "")
        );
        assertEquals(checks.length, 2, r.stdout);
        for (const check of checks) {
          assertMatch((await c.shell(check)).stdout, /"health":\s*"true"|is healthy/);
        }
        assertEquals((await c.exec(["systemctl", "is-active", "etcd"])).stdout.trim(), "active");
        assertEquals((await c.exec(["systemctl", "is-enabled", "etcd"])).stdout.trim(), "enabled");
        const pid = (await c.execOk(["systemctl", "show", "-p", "MainPID", "--value", "etcd"])).trim();
        const uid = (await c.execOk(["id", "-u", "etcd"])).trim();
        assert(Number(uid) > 0 && Number(uid) < 1000, `etcd is a system user (uid ${uid})`);
        const status = await c.execOk(["cat", `/proc/${pid}/status`]);
        assertMatch(status, new RegExp(`\\nUid:\\s+${uid}\\s`));
        assertMatch(status, /\nNoNewPrivs:\s+1\n/);
        assertMatch(status, /\nCapEff:\s+0+\n/);
        const props = ["NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"];
        assertEquals(
          (await c.execOk(["systemctl", "show", "etcd", ...props.map((p) => `--property=${p}`)])).split("\n")
            .sort(),
          ["", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes", "ProtectSystem=strict"],
        );
        assertMatch(await c.execOk(["curl", "-fsS", "http://127.0.0.1:2381/health"]), /"health":\s*"true"/);
        assertEquals(
          (await c.exec(["curl", "-fsS", `http://${host.address}:2381/health`])).code,
          7,
          "metrics on loopback only",
        );
        assertMatch(
          await c.execOk(["getent", "passwd", "etcd"]),
          /:\/var\/lib\/etcd:\/(usr\/)?s?bin\/(nologin|false)\n$/,
        );
      },
    );

    /** Steps that need the installed node; reported as ignored when the install itself failed. */
    const onNode = (name: string, fn: () => Promise<void>) => t.step({ name, ignore: !installed, fn });

    await onNode("etcdctl with the profile's variables: health, put/get, the prefix example", async () => {
      assertMatch(await profileEtcdctl(c, "endpoint health"), /is healthy/);
      await profileEtcdctl(c, "put foo bar");
      assertEquals(await profileEtcdctl(c, "get foo --print-value-only"), "bar\n");
      for (const k of ["/foo", "/foo/bar", "/foo/bar/baz"]) await profileEtcdctl(c, `put ${k} ${k}-value`);
      assertEquals(
        await profileEtcdctl(c, "get --prefix /foo --keys-only"),
        "/foo\n\n/foo/bar\n\n/foo/bar/baz\n\n",
      );
    });

    await onNode("a client without a certificate, or with one from another CA, is refused", async () => {
      const base = ["etcdctl", `--endpoints=${ENDPOINT}`, `--cacert=${PKI}/ca.crt`, ...QUICK];
      const admin = [`--cert=${PKI}/admin.crt`, `--key=${PKI}/admin.key`];
      assertEquals(await c.execOk([...base, ...admin, "get", "foo", "--print-value-only"]), "bar\n");
      const noCert = await c.exec([...base, "get", "foo", "--print-value-only"]);
      assert(noCert.code !== 0 && !noCert.stdout.includes("bar"), `no cert: ${JSON.stringify(noCert)}`);
      await otherCaClient(pkiDir);
      for (const f of ["other.crt", "other.key"]) {
        await c.copyIn(path.join(pkiDir, f), `/root/other/${f}`, 0o600);
      }
      const other = await c.exec([
        ...base,
        "--cert=/root/other/other.crt",
        "--key=/root/other/other.key",
        "get",
        "foo",
      ]);
      assert(other.code !== 0 && !other.stdout.includes("bar"), `other CA: ${JSON.stringify(other)}`);
    });

    await onNode("openssl verifies every leaf against the CA and shows the SANs and EKUs", async () => {
      const f = (name: string) => c.path(`${PKI}/${name}`);
      const verified = await execOk([
        "openssl",
        "verify",
        "-CAfile",
        f("ca.crt"),
        f("server.crt"),
        f("peer.crt"),
        f("admin.crt"),
      ]);
      assertEquals(verified.trim().split("\n").filter((l) => l.endsWith(": OK")).length, 3, verified);
      const text = (name: string) => execOk(["openssl", "x509", "-noout", "-text", "-in", f(name)]);
      assertMatch(await text("ca.crt"), /CA:TRUE/);
      for (const leaf of ["server.crt", "peer.crt"]) {
        const x = await text(leaf);
        assertMatch(x, /TLS Web Server Authentication, TLS Web Client Authentication/);
        for (
          const san of [
            "DNS:localhost",
            `DNS:${HOSTNAME}`,
            `DNS:${EXTRA_SAN}`,
            "IP Address:127.0.0.1",
            `IP Address:${host.address}`,
          ]
        ) {
          assert(x.includes(san), `${leaf} has SAN ${san}:\n${x}`);
        }
        assert(!x.includes("IP Address:0:0:0:0:0:0:0:1"), `${leaf}: no ::1, etcd does not listen there`);
      }
      const admin = await text("admin.crt");
      assertMatch(admin, /TLS Web Client Authentication/);
      assert(!admin.includes("TLS Web Server Authentication"), "admin cert is client-only");
    });

    await onNode("owners and modes of every written file are as documented", async () => {
      const paths = Object.keys(WRITTEN);
      const out = await c.execOk(["stat", "-c", "%n|%F %U:%G %a", ...paths]);
      const actual = Object.fromEntries(out.trim().split("\n").map((l) => l.split("|")));
      assertEquals(actual, WRITTEN);
      const gained = await gainedFiles(c.changes, WRITE_AREAS);
      assertEquals(
        gained.filter((p) => !(p in WRITTEN)),
        [],
        "files written that the documentation does not list",
      );
    });

    await onNode("a second run reports no changes: no restart, no new keys", async () => {
      const before = await snapshot(c);
      const r = await etcdup.run(c, install, { timeoutMs: 300_000 });
      assertEquals(r.code, 0, r.stderr);
      assertMatch(r.stdout, /no changes/i);
      const json = await etcdup.run(c, [...install, "--json"], { timeoutMs: 300_000 });
      assertEquals(json.code, 0, json.stderr);
      const result = json.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((
        e,
      ) => e.event === "result");
      assertEquals(result?.result?.changed, false, json.stdout);
      assertEquals(await snapshot(c), before);
    });

    await onNode("after a reboot etcd is back, healthy, with its data", async () => {
      await c.reboot();
      await waitUntil(
        async () =>
          (await c.exec(["systemctl", "is-active", "etcd"])).stdout.trim() === "active" || undefined,
        60_000,
        "etcd active after reboot",
      );
      await waitUntil(
        async () => /is healthy/.test(await profileEtcdctl(c, "endpoint health")) || undefined,
        60_000,
        "etcd healthy after reboot",
      );
      assertEquals(await profileEtcdctl(c, "get foo --print-value-only"), "bar\n");
    });

    await onNode("a renamed host gets server and peer certs for its new name from the same CA", async () => {
      const ca = await Deno.readTextFile(c.path(`${PKI}/ca.crt`));
      const serial = (leaf: string) =>
        execOk(["openssl", "x509", "-noout", "-serial", "-in", c.path(`${PKI}/${leaf}`)]);
      const before = [await serial("server.crt"), await serial("peer.crt")];
      await c.execOk(["hostname", "etcd-renamed"]);
      await Deno.writeTextFile(c.path("/etc/hostname"), "etcd-renamed\n");
      await Deno.writeTextFile(c.path("/etc/hosts"), "127.0.0.1\tlocalhost\n127.0.1.1\tetcd-renamed\n");
      const r = await etcdup.run(c, install, { timeoutMs: 300_000 });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(await Deno.readTextFile(c.path(`${PKI}/ca.crt`)), ca);
      for (const [i, leaf] of ["server.crt", "peer.crt"].entries()) {
        assert((await serial(leaf)) !== before[i], `${leaf} reissued`);
        const sans = await sanText(c.path(`${PKI}/${leaf}`));
        assert(sans.includes("DNS:etcd-renamed"), `${leaf}: ${sans}`);
      }
      const leaves = ["server.crt", "peer.crt"].map((f) => c.path(`${PKI}/${f}`));
      await execOk(["openssl", "verify", "-CAfile", c.path(`${PKI}/ca.crt`), ...leaves]);
      assertMatch(await profileEtcdctl(c, "endpoint health"), /is healthy/);
      assertEquals(await profileEtcdctl(c, "get foo --print-value-only"), "bar\n");
    });
  } finally {
    await ct?.destroy();
    await mirror?.close();
    await net.destroy();
    await Deno.remove(pkiDir, { recursive: true });
  }
});

Deno.test("install --tarball: an air-gapped host installs etcd 3.4 (no etcdutl) and it serves mTLS", async () => {
  const fx = await etcdFixture("bookworm");
  const net = await Network.create();
  let ct: Container | undefined;
  try {
    const host = await net.addHost(); // no mirror, no route: nothing to download from
    ct = await Container.boot({ name: "airgap", netns: host.netns, binds: etcdup.binds });
    const tarball = `/root/${path.basename(fx.tarball)}`;
    await ct.copyIn(fx.tarball, tarball);
    const r = await etcdup.run(ct, ["install", "--tarball", tarball, "--sha256", fx.sha256], {
      timeoutMs: 300_000,
    });
    assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
    assertEquals(await Deno.lstat(ct.path("/usr/local/bin/etcdutl")).then(() => true, () => false), false);
    assertMatch(
      await ct.execOk(["/usr/local/bin/etcd", "--version"]),
      new RegExp(`${fx.version.slice(1)}\\n`),
    );
    await profileEtcdctl(ct, "put airgap ok");
    assertEquals(await profileEtcdctl(ct, "get airgap --print-value-only"), "ok\n");
  } finally {
    await ct?.destroy();
    await net.destroy();
  }
});

/** The mirror's files, laid out like GitHub releases. */
function mirrorFiles(fx: EtcdFixture): Record<string, string> {
  return {
    [`/${fx.version}/${path.basename(fx.tarball)}`]: fx.tarball,
    [`/${fx.version}/SHA256SUMS`]: fx.sha256sums,
  };
}

/** Runs etcdctl in root's login shell, so only the profile's ETCDCTL_* variables point it at etcd. */
async function profileEtcdctl(ct: Container, args: string): Promise<string> {
  const r = await ct.shell(`etcdctl ${QUICK.join(" ")} ${args}`);
  if (r.code !== 0) throw new Error(`etcdctl ${args} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Fails if anything of an install is on the container: binaries, config, PKI, unit, user, data dir. */
async function assertNothingInstalled(ct: Container): Promise<void> {
  const present = [];
  for (const p of Object.keys(WRITTEN)) {
    if (await Deno.lstat(ct.path(p)).then(() => true, () => false)) present.push(p);
  }
  assertEquals(present, [], "files of a failed install");
  assertEquals((await ct.exec(["getent", "passwd", "etcd"])).code, 2, "no etcd user");
  assertEquals(
    await gainedFiles(ct.changes, ["/usr/local"]),
    [],
    "nothing left in /usr/local (staging included)",
  );
}

/** Files (not directories) present in the overlay's upper layer under `areas`, as container paths. */
async function gainedFiles(upper: string, areas: string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => [] as Deno.DirEntry[]);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else found.push("/" + path.relative(upper, p));
    }
  };
  for (const area of areas) await walk(path.join(upper, area));
  return found.sort();
}

/** What a no-op run must leave alone: etcd's PID and every PKI and config file's bytes and metadata. */
async function snapshot(ct: Container): Promise<string> {
  const pid = await ct.execOk(["systemctl", "show", "-p", "MainPID", "--value", "etcd"]);
  const files = Object.keys(WRITTEN).filter((p) =>
    p !== "/var/lib/etcdup/state.json" && !WRITTEN[p].startsWith("dir")
  );
  const sums = await ct.execOk(["sha256sum", ...files]);
  const meta = await ct.execOk(["stat", "-c", "%n %U:%G %a %i", ...files]);
  return `pid ${pid}${sums}${meta}`;
}

/** A CA and a client certificate of its own, made by openssl, that the node must not trust. */
async function otherCaClient(dir: string): Promise<void> {
  const f = (n: string) => path.join(dir, n);
  await Deno.writeTextFile(f("client.ext"), "extendedKeyUsage=clientAuth\n");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await execOk([
    "openssl",
    "req",
    "-x509",
    ...ec,
    "-keyout",
    f("other-ca.key"),
    "-out",
    f("other-ca.crt"),
    "-subj",
    "/CN=another CA",
    "-days",
    "1",
  ]);
  await execOk([
    "openssl",
    "req",
    ...ec,
    "-keyout",
    f("other.key"),
    "-out",
    f("other.csr"),
    "-subj",
    "/CN=root",
  ]);
  await execOk([
    "openssl",
    "x509",
    "-req",
    "-in",
    f("other.csr"),
    "-CA",
    f("other-ca.crt"),
    "-CAkey",
    f("other-ca.key"),
    "-CAcreateserial",
    "-out",
    f("other.crt"),
    "-days",
    "1",
    "-extfile",
    f("client.ext"),
  ]);
}
