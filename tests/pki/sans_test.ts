/**
 * One `--san` rule for install and every certs command: a table of names goes through both paths (the
 * install planner and the certs target) with the same verdict: the same canonical name (one trailing dot
 * dropped, lower case, international names as A-labels) or the same usage error (exit 2, `bad-san`). Then
 * through the real CLI: the names issued verify as host names with OpenSSL and GnuTLS, an underscore is
 * refused, and renewing a certificate that holds a trailing-dot name (as earlier releases issued) drops the dot;
 * names an earlier release recorded that the rule now refuses do not block the certs commands.
 */
import assert from "node:assert/strict";
import { resolveTarget } from "../../lib/observe/certs.ts";
import { wantedSans } from "../../lib/commands/certs/target.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import type { HostFacts } from "../../lib/facts.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import type { Sans } from "../../lib/pki/sans.ts";
import { readState, writeState } from "../../lib/host/state.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { events, makePki, openssl, request, strictVerify, tempRoot } from "./helpers.ts";
import { planFromValues } from "../support/install_options.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const facts: HostFacts = { hostname: "node1", addresses: [], cpu: "x86_64", isRoot: true };

/** Each `--san` value and what it becomes: a DNS name, an IP (`ip:`), or refused with a message. */
const TABLE: [string, string | RegExp][] = [
  ["etcd.example", "etcd.example"],
  ["trailing.example.", "trailing.example"],
  ["Etcd.EXAMPLE", "etcd.example"],
  ["bücher.example", "xn--bcher-kva.example"],
  ["xn--bcher-kva.example", "xn--bcher-kva.example"],
  ["*.etcd.example", "*.etcd.example"],
  ["*.Etcd.Example.", "*.etcd.example"],
  ["LocalHost.", "(nothing new)"], // the same name as the host's own localhost
  ["a-b.c-d.example", "a-b.c-d.example"],
  [`${"a".repeat(63)}.example`, `${"a".repeat(63)}.example`],
  ["192.0.2.7", "ip:192.0.2.7"],
  ["[2001:DB8::1]", "ip:2001:db8::1"],
  ["foo_bar.example", /--san: 'foo_bar\.example' is neither an IP address nor a DNS name/],
  ["trailing.example..", /is neither/],
  ["a..b.example", /is neither/],
  ["-lead.example", /is neither/],
  ["trail-.example", /is neither/],
  [`${"a".repeat(64)}.example`, /is neither/],
  ["*.example", /is neither/],
  ["*.*.example", /is neither/],
  ["foo*.example", /is neither/],
  ["bad name.example", /is neither/],
  ["host.123", /is neither/],
  ["10.0.0.300", /--san: '10\.0\.0\.300' is not an IP address/],
  [".", /is neither/],
];

/** What a path made of `--san value`: the SANs beyond `base`, or the usage error. */
function verdict(make: () => Sans, base: Sans): string | EtcdupError {
  try {
    const sans = make();
    const extra = [
      ...sans.dns.filter((d) => !base.dns.includes(d)),
      ...sans.ips.filter((ip) => !base.ips.includes(ip)).map((ip) => `ip:${ip}`),
    ];
    return extra.join(",") || "(nothing new)";
  } catch (e) {
    if (e instanceof EtcdupError) return e;
    throw e;
  }
}

Deno.test("--san: install and the certs commands apply one rule (same canonical name or same bad-san error)", async () => {
  const t = await tempRoot();
  try {
    t.host.ensureDir("/etc", { uid: 0, gid: 0, mode: 0o755 });
    t.host.writeAtomic("/etc/hostname", "node1\n", { uid: 0, gid: 0, mode: 0o644 });
    const target = resolveTarget({ root: t.root });
    const install = (san: string[]) => planFromValues({ san }, facts, "/", () => "v3.6.6").pki.sans;
    const certs = (san: string[]) => wantedSans({ san }, target);
    const bases = { install: install([]), certs: certs([]) };
    for (const [value, want] of TABLE) {
      for (const [name, make] of [["install", install], ["certs", certs]] as const) {
        const got = verdict(() => make([value]), bases[name]);
        if (typeof want === "string") {
          assert.equal(got, want, `${name} --san ${value}`);
        } else {
          assert.ok(got instanceof EtcdupError, `${name} --san ${value} refused (got ${got})`);
          assert.deepEqual([got.code, got.exit], ["bad-san", Exit.usage], `${name} --san ${value}`);
          assert.match(got.message, want, `${name} --san ${value}`);
        }
      }
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs renew --san: a trailing dot, upper case and an IDN name are issued canonical and verify as host names; '_' is refused", async () => {
  const t = await tempRoot();
  try {
    // A server certificate as earlier releases issued it from `certs renew --san old.example.`.
    await makePki(t.host, request({ sans: { dns: ["localhost", "old.example."], ips: ["127.0.0.1"] } }));
    const r = await runEtcdup([
      ...["certs", "renew", "server", "--root", t.root, "--json"],
      ...[
        "--san",
        "Trailing.Example.",
        "--san",
        "bücher.example",
        "--san",
        "*.Wild.Example",
        "--san",
        "old.example",
      ],
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const server = t.host.resolve(P.serverCert);
    const sans = await openssl("x509", "-in", server, "-noout", "-ext", "subjectAltName");
    for (const name of ["trailing.example", "xn--bcher-kva.example", "*.wild.example", "old.example"]) {
      assert.ok(sans.includes(`DNS:${name},`) || sans.trim().endsWith(`DNS:${name}`), `${name} in ${sans}`);
    }
    assert.doesNotMatch(sans, /DNS:[^,\s]*\.(,|\s|$)/, "no name ends in a dot");
    assert.doesNotMatch(sans, /Trailing|Wild/, "lower case");
    const ca = t.host.resolve(P.caCert);
    for (const host of ["trailing.example", "xn--bcher-kva.example", "a.wild.example", "old.example"]) {
      assert.equal(await strictVerify(ca, server, "server", host), undefined, `${host} verifies`);
    }
    assert.ok(await strictVerify(ca, server, "server", "other.example"), "a name not issued is refused");

    const bad = await runEtcdup(["certs", "renew", "--san", "foo_bar.example", "--root", t.root, "--json"]);
    assert.equal(bad.code, Exit.usage, bad.stdout);
    const error = events(bad.stdout).find((e) => e.event === "error");
    assert.equal(error?.code, "bad-san");
    assert.match(String(error?.message), /--san: 'foo_bar\.example' is neither an IP address nor a DNS name/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("names an earlier release recorded (foo_bar.example, old.example.) never block the certs commands; renew normalises", async () => {
  const fx = await etcdFixture("sid");
  const t = await tempRoot();
  try {
    const install = await runEtcdup([
      "install",
      "--root",
      t.root,
      "--tarball",
      fx.tarball,
      "--sha256",
      fx.sha256,
    ]);
    assert.equal(install.code, 0, install.stderr);
    const state = readState(t.host)!;
    writeState(t.host, {
      ...state,
      sans: { dns: [...state.sans.dns, "foo_bar.example", "old.example."], ips: [] },
    });
    const check = await runEtcdup(["certs", "check", "--root", t.root]);
    assert.equal(check.code, 6, check.stdout + check.stderr);
    assert.match(check.stdout, /\[san-drift\] \/etc\/etcd\/pki\/server\.crt does not cover .*old\.example/);
    const renew = await runEtcdup(["certs", "renew", "--root", t.root]);
    assert.equal(renew.code, 0, renew.stderr);
    const sans = await openssl(
      "x509",
      "-in",
      t.host.resolve(P.serverCert),
      "-noout",
      "-ext",
      "subjectAltName",
    );
    assert.match(sans, /DNS:old\.example(,|\s*$)/);
    assert.doesNotMatch(sans, /foo_bar|old\.example\./);
    assert.equal((await runEtcdup(["certs", "check", "--root", t.root])).code, 0);
  } finally {
    await t.cleanup();
  }
});
