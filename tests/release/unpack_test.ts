/**
 * The hostile tarball corpus: each crafted release is refused with its own error (exit 3), the staging dir is
 * gone afterwards and nothing appears outside it. Plus the honest release, which stages three runnable binaries.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { obtainRelease } from "../../lib/release/obtain.ts";
import { classifyEntry, DEFAULT_LIMITS, type UnpackLimits, unpackRelease } from "../../lib/release/unpack.ts";
import { Exit } from "../../lib/errors.ts";
import { elfStub, releaseEntries, type TarEntry, writeRelease } from "../support/tarball_builder.ts";
import { topFolderName as topFolder } from "../../lib/release/file_name.ts";
import { captureOutput, listTree, rejectsWith, tempDir, throwsWith } from "./helpers.ts";

const V = "v9.8.7"; // not in the manifest: the tests vouch with --sha256
const TOP = topFolder(V, "amd64");
const text = (s: string) => new TextEncoder().encode(s);

/** Builds the tarball in `work/src`, obtains it with --sha256 into `work/stage`, returns the rejection. */
async function refuse(
  code: string,
  opts: { entries?: TarEntry[]; mutate?: (gz: Uint8Array) => Uint8Array; limits?: UnpackLimits },
): Promise<string> {
  const work = tempDir();
  try {
    const src = path.join(work, "src");
    const stage = path.join(work, "stage");
    fs.mkdirSync(src);
    fs.mkdirSync(stage);
    const t = await writeRelease(src, V, "amd64", opts);
    const err = await rejectsWith(
      obtainRelease({
        version: V,
        arch: "amd64",
        source: { kind: "tarball", path: t.path },
        sha256: t.sha256,
        stagingParent: stage,
        limits: opts.limits,
      }, captureOutput().out),
      code,
      Exit.verification,
    );
    assert.deepEqual(listTree(stage), [], "the staging dir must be removed");
    assert.deepEqual(
      listTree(work),
      ["src", `src/${t.name}`, "stage"],
      "nothing may be written outside staging",
    );
    return err.message;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const honest = () => releaseEntries(V, "amd64");
const replace = (name: string, entry: TarEntry) =>
  honest().map((e) => (e.name === `${TOP}/${name}` ? entry : e));

Deno.test("hostile: '..' path", async () => {
  const msg = await refuse("unsafe-tarball", {
    entries: [...honest(), { name: `${TOP}/../evil`, data: text("x") }],
  });
  assert.match(msg, /'\.\.'/);
});

Deno.test("hostile: absolute path", async () => {
  const msg = await refuse("unsafe-tarball", {
    entries: [{ name: "/tmp/etcdup-evil", data: text("x") }, ...honest()],
  });
  assert.match(msg, /absolute/);
});

Deno.test("hostile: symlink etcd -> /bin/sh", async () => {
  const msg = await refuse("unsafe-tarball", {
    entries: replace("etcd", { name: `${TOP}/etcd`, type: "symlink", linkname: "/bin/sh" }),
  });
  assert.match(msg, /symlink.*\/bin\/sh/);
});

Deno.test("hostile: hard link to /etc/passwd", async () => {
  const msg = await refuse("unsafe-tarball", {
    entries: replace("etcd", { name: `${TOP}/etcd`, type: "link", linkname: "/etc/passwd" }),
  });
  assert.match(msg, /hard link/);
});

Deno.test("hostile: character device and fifo", async () => {
  await refuse("unsafe-tarball", {
    entries: [...honest(), { name: `${TOP}/null`, type: "character-device" }],
  });
  const msg = await refuse("unsafe-tarball", {
    entries: [...honest(), { name: `${TOP}/pipe`, type: "fifo" }],
  });
  assert.match(msg, /fifo/);
});

Deno.test("hostile: duplicate etcd entry", async () => {
  const msg = await refuse("unsafe-tarball", {
    entries: [...honest(), { name: `${TOP}/etcd`, data: text("x") }],
  });
  assert.match(msg, /twice/);
});

Deno.test("hostile: entry over the per-entry cap (bomb), and over the total cap", async () => {
  const limits = { maxEntryBytes: 1 << 20, maxTotalBytes: 3 << 20 };
  const big = { name: `${TOP}/Documentation/bomb`, data: new Uint8Array(2 << 20) };
  const msg = await refuse("unsafe-tarball", { entries: [...honest(), big], limits });
  assert.match(msg, /declares 2097152 bytes/);
  const parts = [0, 1, 2, 3].map((i) => ({
    name: `${TOP}/Documentation/part${i}`,
    data: new Uint8Array(900 << 10),
  }));
  await refuse("tarball-too-large", { entries: [...honest(), ...parts], limits });
});

Deno.test("classifyEntry refuses a declared size over the default cap before reading it", () => {
  throwsWith(
    () =>
      classifyEntry(
        { name: `${TOP}/etcd`, type: "file", size: 300 * 1024 ** 2 },
        TOP,
        new Set(),
        DEFAULT_LIMITS,
        "t",
      ),
    "unsafe-tarball",
    Exit.verification,
    /more than the 268435456-byte cap/,
  );
});

Deno.test("hostile: truncated gzip", async () => {
  const msg = await refuse("bad-gzip", { mutate: (gz) => gz.subarray(0, gz.length - 40) });
  assert.match(msg, /corrupt gzip/);
});

Deno.test("hostile: trailing garbage after the gzip stream", async () => {
  const msg = await refuse("trailing-garbage", {
    mutate: (gz) => new Uint8Array([...gz, ...new Uint8Array(512)]),
  });
  assert.match(msg, /512 bytes of trailing data/);
  await refuse("bad-gzip", { mutate: (gz) => new Uint8Array([...gz, ...text("GARBAGE")]) });
});

Deno.test("hostile: a tar with no gzip at all", async () => {
  await refuse("bad-gzip", { mutate: (gz) => new Uint8Array(zlib.gunzipSync(gz)) });
});

Deno.test("hostile: wrong top folder (another version's tarball)", async () => {
  const msg = await refuse("unsafe-tarball", { entries: releaseEntries("v3.5.0", "amd64") });
  assert.match(msg, /not under the release's top folder 'etcd-v9\.8\.7-linux-amd64\/'/);
});

Deno.test("hostile: missing etcdctl", async () => {
  const msg = await refuse("missing-binary", {
    entries: honest().filter((e) => e.name !== `${TOP}/etcdctl`),
  });
  assert.match(msg, /etcdctl/);
});

Deno.test("hostile: non-ELF etcd, and an arm64 etcd in an amd64 release", async () => {
  const script = await refuse("bad-binary", {
    entries: replace("etcd", { name: `${TOP}/etcd`, data: text("#!/bin/sh\necho etcd Version: 9.8.7\n") }),
  });
  assert.match(script, /etcd in the release tarball is not an ELF executable/);
  const arm = await refuse("bad-binary", {
    entries: replace("etcd", { name: `${TOP}/etcd`, data: elfStub("arm64", "etcd Version: 9.8.7\n") }),
  });
  assert.match(arm, /built for arm64, not amd64/);
});

Deno.test("hostile: binaries of another version in the right folder", async () => {
  const msg = await refuse("version-mismatch", {
    entries: replace("etcd", { name: `${TOP}/etcd`, data: elfStub("amd64", "etcd Version: 3.5.0\n") }),
  });
  assert.match(msg, /reports version v3\.5\.0, but v9\.8\.7 was asked for/);
});

Deno.test("honest release: three binaries staged 0700 in a 0700 dir, version checked", async () => {
  const work = tempDir();
  try {
    const t = await writeRelease(work, V, "amd64");
    const { out, lines } = captureOutput();
    const staged = await obtainRelease(
      {
        version: V,
        arch: "amd64",
        source: { kind: "tarball", path: t.path },
        sha256: t.sha256,
        stagingParent: work,
      },
      out,
    );
    assert.equal(fs.statSync(staged.dir).mode & 0o777, 0o700);
    assert.equal(path.dirname(staged.dir), work);
    for (const f of Object.values(staged.files)) assert.equal(fs.statSync(f).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(staged.dir).sort(), ["etcd", "etcdctl", "etcdutl"]);
    assert.equal(staged.trust, "flag");
    assert.equal(staged.sha256, t.sha256);
    assert.ok(lines.some((l) => String(l.message).includes("etcd --version reports v9.8.7")));
    staged.cleanup();
    assert.equal(fs.existsSync(staged.dir), false);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

Deno.test("hostile: control characters in entry names are escaped in the message (no forged lines, no ESC)", async () => {
  const forged = "\x1b[2J\x1b[H\nerror: none\r\x9b31m\u202e";
  const msg = await refuse("unsafe-tarball", {
    entries: [{ name: forged, data: text("x") }, ...honest()],
  });
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  assert.doesNotMatch(msg, /[\x00-\x1f\x7f-\x9f\u202e]/);
  assert.ok(msg.includes("\\e[2J\\e[H\\nerror: none\\r\\x9b31m\\u202e"), msg);
  const link = await refuse("unsafe-tarball", {
    entries: replace("etcd", { name: `${TOP}/etcd`, type: "symlink", linkname: "/bin/sh\n\x1b]0;owned\x07" }),
  });
  assert.ok(link.includes("/bin/sh\\n\\e]0;owned\\x07"), link);
});

Deno.test("a failing write into staging rejects the unpack (it was an uncaught exception in a stream event)", async () => {
  const work = tempDir();
  try {
    const t = await writeRelease(work, V, "amd64");
    const dir = path.join(work, "stage");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "etcd"), "in the way"); // O_EXCL fails
    await assert.rejects(
      unpackRelease(fs.createReadStream(t.path), { dir, topFolder: TOP, required: ["etcd"], label: "t" }),
      /EEXIST/,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
