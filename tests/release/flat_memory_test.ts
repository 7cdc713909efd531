/**
 * Issue 3's "peak memory stays flat whatever the tarball size", as a test: the same verified, streaming
 * obtain of a release from a tarball file (sha256 + gunzip + untar into staging, ELF and `etcd --version`
 * checks) runs in a child process on a release the size of a real one (24 MiB) and on one 4x larger (every
 * binary 4x, incompressible), and the child's peak RSS (VmHWM from /proc/self/status) must grow by less than
 * the tarball did (72 MiB): holding the tarball, or its content, in memory costs at least that.
 * Measured on this machine: streaming grows by 30-55 MiB of garbage V8 has not collected yet and no further
 * (an 8x release peaks like the 4x one); reading the tarball into memory first grows by ~140 MiB.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { topFolderName } from "../../lib/release/file_name.ts";
import { elfStub, releaseEntries, writeRelease } from "../support/tarball_builder.ts";
import { inTempDir } from "./helpers.ts";
import { peakRssOfEval, repoRoot as repo } from "../support/peak_rss.ts";

const V = "v3.5.98";
const MiB = 2 ** 20;

/** A release whose etcd is `etcdMiB` and etcdctl/etcdutl `otherMiB` of incompressible bytes each. */
async function sizedRelease(dir: string, etcdMiB: number, otherMiB: number) {
  const top = topFolderName(V, "amd64");
  const pad = (tool: string, mib: number) =>
    new Uint8Array([...elfStub("amd64", `${tool} Version: ${V.slice(1)}\n`), ...randomBytes(mib * MiB)]);
  fs.mkdirSync(dir);
  return await writeRelease(dir, V, "amd64", {
    entries: releaseEntries(V, "amd64").map((e) => {
      const tool = e.name.slice(top.length + 1);
      if (tool === "etcd") return { ...e, data: pad(tool, etcdMiB) };
      if (tool === "etcdctl" || tool === "etcdutl") return { ...e, data: pad(tool, otherMiB) };
      return e;
    }),
  });
}

/** Obtains `tarball` in a fresh child process into a staging dir under `dir`; returns the child's VmHWM (KiB). */
async function peakRssKiB(tarball: string, sha256: string, dir: string): Promise<number> {
  const code = `
    import { obtainRelease } from "${repo}/lib/release/obtain.ts";
    import { createOutput } from "${repo}/lib/cli/output.ts";
    const staged = await obtainRelease({ version: "${V}", arch: "amd64", sha256: "${sha256}", env: {},
      source: { kind: "tarball", path: "${tarball}" }, stagingParent: "${dir}", checkVersion: true },
      createOutput({ quiet: true, env: {} }));
    if (Object.keys(staged.files).length !== 3) throw new Error("not all binaries staged");
    staged.cleanup();`;
  return await peakRssOfEval(code);
}

Deno.test("obtaining a 4x larger release keeps peak memory flat (VmHWM grows less than the tarball)", async () => {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    console.warn("skipped: needs Linux /proc and an amd64 host to run the stub etcd --version");
    return;
  }
  await inTempDir(async (work) => {
    const normal = await sizedRelease(path.join(work, "normal"), 12, 6);
    const large = await sizedRelease(path.join(work, "large"), 48, 24);
    assert.ok(large.bytes.length > 3.9 * normal.bytes.length, "the large tarball is 4x the normal one");
    // The smaller of two runs each, so a stray GC delay in one run does not decide.
    const peak = async (t: typeof normal) =>
      Math.min(await peakRssKiB(t.path, t.sha256, work), await peakRssKiB(t.path, t.sha256, work));
    const [small, big] = [await peak(normal), await peak(large)];
    const mib = (t: typeof normal) => `${t.bytes.length >> 20} MiB`;
    console.log(`peak RSS: ${small} KiB for ${mib(normal)}, ${big} KiB for ${mib(large)}`);
    assert.ok(small > 0 && big > 0);
    const boundKiB = (large.bytes.length - normal.bytes.length) / 1024;
    const grew = big - small;
    assert.ok(grew < boundKiB, `peak RSS grew by ${grew} KiB (${small} -> ${big}), as much as the tarball`);
  }, "etcdup-flat-");
});
