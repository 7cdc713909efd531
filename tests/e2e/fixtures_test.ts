/** The release fixtures look like official etcd tarballs and hold working binaries of the version they claim. */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";

Deno.test("sid fixture: official 3.5 layout, SHA256SUMS, binaries report the version", async () => {
  const fx = await etcdFixture("sid");
  assertMatch(fx.version, /^v3\.5\.\d+$/);
  const top = `etcd-${fx.version}-linux-amd64`;
  assertEquals(path.basename(fx.tarball), `${top}.tar.gz`);
  assertEquals(await Deno.readTextFile(fx.sha256sums), `${fx.sha256}  ${top}.tar.gz\n`);
  assertEquals(
    (await execOk(["sha256sum", fx.tarball])).split(" ")[0],
    fx.sha256,
  );
  const entries = (await execOk(["tar", "tzf", fx.tarball])).trim().split("\n").sort();
  for (const f of ["etcd", "etcdctl", "etcdutl", "README.md", "READMEv2-etcdctl.md"]) {
    assertEquals(entries.includes(`${top}/${f}`), true, `${top}/${f} missing from ${entries.join(" ")}`);
  }
  const dir = await Deno.makeTempDir({ prefix: "etcdup-fixture-" });
  try {
    await execOk(["tar", "xzf", fx.tarball, "-C", dir]);
    const out = await execOk([path.join(dir, top, "etcd"), "--version"]);
    assertMatch(out, new RegExp(`etcd Version: ${fx.version.slice(1).replaceAll(".", "\\.")}\\n`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bookworm fixture: etcd 3.4 has no etcdutl, like the official 3.4 tarballs", async () => {
  const fx = await etcdFixture("bookworm");
  assertMatch(fx.version, /^v3\.4\.\d+$/);
  const entries = (await execOk(["tar", "tzf", fx.tarball])).split("\n");
  assertEquals(entries.some((e) => e.endsWith("/etcdutl")), false);
  assertEquals(entries.includes(`etcd-${fx.version}-linux-amd64/etcdctl`), true);
});
