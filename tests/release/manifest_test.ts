/** Version aliases, the embedded manifest, arch parsing, mirror URL layouts and SHA256SUMS parsing. */
import assert from "node:assert/strict";
import { Exit } from "../../lib/errors.ts";
import { compareVersions } from "../../lib/etcd/version.ts";
import { knownVersions, manifestDigest, parseArch, resolveVersion } from "../../lib/release/manifest.ts";
import { throwsWith } from "./helpers.ts";
import { parseSha256Sums, renderSha256Sums, sumsUrlFor, tarballUrl } from "../../lib/release/source.ts";
import shared from "../../assets/releases.json" with { type: "json" };

const newest = (line: string) => knownVersions().filter((v) => v.startsWith(`v${line}.`)).at(-1);

Deno.test("resolveVersion: exact versions, with or without v, pass through canonical", () => {
  assert.equal(resolveVersion("3.6.6"), "v3.6.6");
  assert.equal(resolveVersion("v3.5.30"), "v3.5.30");
  assert.equal(resolveVersion(" 3.9.0 "), "v3.9.0", "unknown but well-formed versions pass through");
});

Deno.test("resolveVersion: default and aliases resolve from the manifest, offline", () => {
  const v36 = newest("3.6");
  assert.ok(v36 && compareVersions(v36, "v3.6.6") >= 0);
  assert.equal(resolveVersion(), v36);
  assert.equal(resolveVersion("latest"), v36);
  assert.equal(resolveVersion("latest-3.6"), v36);
  assert.equal(resolveVersion("latest-3.5"), newest("3.5"));
  assert.match(resolveVersion("latest-3.5"), /^v3\.5\.\d+$/);
});

Deno.test("resolveVersion: malformed values and unknown lines are usage errors naming --version", () => {
  for (const bad of ["3.6", "v3.6.x", "newest", "3.6.6-rc.1", ""]) {
    throwsWith(() => resolveVersion(bad), "bad-version", Exit.usage, /--version/);
  }
  throwsWith(() => resolveVersion("latest-2.9"), "unknown-version-alias", Exit.usage, /no v2\.9\.x release/);
});

Deno.test("manifestDigest: known digests, unknown versions and arches", () => {
  const d = manifestDigest("v3.5.30", "amd64");
  assert.match(d ?? "", /^[0-9a-f]{64}$/);
  assert.notEqual(d, manifestDigest("v3.5.30", "arm64"));
  assert.equal(manifestDigest("v9.9.9", "amd64"), undefined);
  assert.ok(shared.source.length > 100, "the manifest keeps its provenance note");
  for (const v of knownVersions()) assert.match(v, /^v\d+\.\d+\.\d+$/);
});

Deno.test("parseArch: aliases and refusals", () => {
  assert.equal(parseArch("x86_64"), "amd64");
  assert.equal(parseArch("ARM64"), "arm64");
  assert.equal(parseArch("aarch64"), "arm64");
  throwsWith(() => parseArch("ppc64le"), "bad-arch", Exit.usage, /--arch 'ppc64le' is not supported/);
});

Deno.test("tarballUrl: GitHub and GCS layouts, templates, bad mirrors", () => {
  const cases: [mirror: string, version: string, arch: "amd64" | "arm64", url: string][] = [
    [
      "https://github.com/etcd-io/etcd/releases/download",
      "v3.6.6",
      "amd64",
      "https://github.com/etcd-io/etcd/releases/download/v3.6.6/etcd-v3.6.6-linux-amd64.tar.gz",
    ],
    [
      "https://storage.googleapis.com/etcd/",
      "v3.5.30",
      "arm64",
      "https://storage.googleapis.com/etcd/v3.5.30/etcd-v3.5.30-linux-arm64.tar.gz",
    ],
    [
      "https://m.example/etcd/{version}/",
      "v3.6.6",
      "arm64",
      "https://m.example/etcd/v3.6.6/etcd-v3.6.6-linux-arm64.tar.gz",
    ],
    [
      "https://m.example/{arch}/etcd-{version}.tar.gz",
      "v3.6.6",
      "amd64",
      "https://m.example/amd64/etcd-v3.6.6.tar.gz",
    ],
  ];
  for (const [mirror, version, arch, url] of cases) assert.equal(tarballUrl(mirror, version, arch), url);
  assert.equal(
    sumsUrlFor("https://m.example/v3.6.6/etcd-v3.6.6-linux-amd64.tar.gz"),
    "https://m.example/v3.6.6/SHA256SUMS",
  );
  const badMirror = (mirror: string, re: RegExp) =>
    throwsWith(() => tarballUrl(mirror, "v3.6.6", "amd64"), "bad-mirror", Exit.usage, re);
  badMirror("not a url", /--mirror 'not a url' is not a URL/);
  badMirror("file:///srv/etcd", /must be an http\(s\) URL/);
});

Deno.test("SHA256SUMS: parse both sha256sum styles, render sorted", () => {
  const a = "a".repeat(64);
  const b = "B".repeat(64);
  const sums = parseSha256Sums(
    `${a}  etcd-v1.2.3-linux-amd64.tar.gz\n${b} *./etcd-v1.2.3-linux-arm64.tar.gz\njunk\n`,
  );
  assert.equal(sums.get("etcd-v1.2.3-linux-amd64.tar.gz"), a);
  assert.equal(sums.get("etcd-v1.2.3-linux-arm64.tar.gz"), "b".repeat(64));
  assert.equal(renderSha256Sums([["z", a], ["m", a]]), `${a}  m\n${a}  z\n`);
});
