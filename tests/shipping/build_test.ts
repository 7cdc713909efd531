/**
 * build.ts: where the Deno runtime of each target comes from, the error when there is none, the refusal of
 * a runtime that makes a binary that does not run, SHA256SUMS checked by coreutils, and — when a real denort
 * is at hand (DENORT_BIN_AMD64 / DENORT_DIR / DENORT_BIN for this machine) — a real build whose binary is run.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  build,
  compileArgs,
  elfMachine,
  gitCommit,
  publish,
  runtimeFor,
  sha256sums,
  TARGETS,
} from "../../build.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { exec } from "../support/exec.ts";
import { REPO } from "./etcdup_cmd.ts";

const [AMD64, ARM64] = TARGETS;
const HOST = TARGETS.find((t) => t.arch === (Deno.build.arch === "aarch64" ? "arm64" : "amd64"))!;

/** Writes the 64-byte header of a 64-bit little-endian ELF file for `machine`. */
function fakeElf(file: string, machine: number): string {
  const h = new Uint8Array(64);
  h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  h[18] = machine & 0xff;
  h[19] = machine >> 8;
  fs.writeFileSync(file, h);
  return file;
}

function withTemp<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "etcdup-build-test-" });
  return Promise.resolve().then(() => fn(dir)).finally(() =>
    fs.rmSync(dir, { recursive: true, force: true })
  );
}

/** This process's environment with a fresh DENO_DIR sharing only the npm cache, so no denort is cached. */
function envWithoutCachedRuntime(dir: string): Record<string, string> {
  const env = Deno.env.toObject();
  const denoDir = path.join(dir, "deno-dir");
  fs.mkdirSync(denoDir);
  const realNpm = path.join(env.DENO_DIR ?? path.join(env.HOME ?? "/root", ".cache/deno"), "npm");
  fs.symlinkSync(realNpm, path.join(denoDir, "npm"));
  for (const k of ["DENORT_BIN", "DENORT_BIN_AMD64", "DENORT_BIN_ARM64", "DENORT_DIR"]) delete env[k];
  // Where dl.deno.land is reachable, a refused proxy still keeps the runtime download from happening.
  return { ...env, DENO_DIR: denoDir, HTTPS_PROXY: "http://127.0.0.1:9", https_proxy: "http://127.0.0.1:9" };
}

Deno.test("runtimeFor: DENORT_BIN_<ARCH> over DENORT_DIR over DENORT_BIN, matched by ELF machine", async () => {
  await withTemp((dir) => {
    const amd = fakeElf(path.join(dir, "rt-amd64"), 62);
    const arm = fakeElf(path.join(dir, "rt-arm64"), 183);
    fs.mkdirSync(path.join(dir, "rts"));
    fakeElf(path.join(dir, "rts", `denort-${ARM64.triple}`), 183);

    assert.equal(elfMachine(amd), 62);
    assert.equal(elfMachine(path.join(REPO, "build.ts")), undefined);
    assert.deepEqual(runtimeFor(AMD64, { DENORT_BIN_AMD64: amd, DENORT_BIN: arm }), {
      path: amd,
      source: "DENORT_BIN_AMD64",
    });
    assert.deepEqual(runtimeFor(ARM64, { DENORT_DIR: path.join(dir, "rts"), DENORT_BIN: arm }), {
      path: path.join(dir, "rts", `denort-${ARM64.triple}`),
      source: "DENORT_DIR",
    });
    // DENORT_DIR without this target's file falls through; DENORT_BIN serves only the target it was built for.
    assert.deepEqual(runtimeFor(AMD64, { DENORT_DIR: path.join(dir, "rts"), DENORT_BIN: amd }), {
      path: amd,
      source: "DENORT_BIN",
    });
    assert.equal(runtimeFor(ARM64, { DENORT_BIN: amd }), undefined);
    assert.equal(runtimeFor(AMD64, {}), undefined);

    assert.throws(() => runtimeFor(ARM64, { DENORT_BIN_ARM64: amd }), (err: unknown) => {
      assert.ok(err instanceof EtcdupError);
      assert.equal(err.exit, Exit.usage);
      assert.equal(err.code, "bad-runtime");
      assert.match(
        err.message,
        /DENORT_BIN_ARM64 names .*rt-amd64, an ELF binary for machine 62, not aarch64/,
      );
      return true;
    });
    assert.throws(
      () => runtimeFor(AMD64, { DENORT_BIN_AMD64: path.join(dir, "missing") }),
      (err: unknown) =>
        err instanceof EtcdupError && err.code === "bad-runtime" && err.exit === Exit.usage &&
        /not a readable 64-bit ELF/.test(err.message),
    );
  });
});

Deno.test("without any runtime the build fails with exit 7, says how to provide one, and writes nothing", async () => {
  await withTemp(async (dir) => {
    const out = path.join(dir, "dist");
    const err = await build({ out, targets: [ARM64], noCheck: true, env: envWithoutCachedRuntime(dir) }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof EtcdupError, String(err));
    assert.equal(err.code, "no-runtime");
    assert.equal(err.exit, Exit.precondition);
    assert.match(err.message, /no Deno runtime \(denort [\d.]+\) for aarch64-unknown-linux-gnu/);
    assert.match(err.hint ?? "", /DENORT_BIN_ARM64=\/path\/to\/denort/);
    assert.match(err.hint ?? "", /denort-aarch64-unknown-linux-gnu\.zip/);
    assert.equal(fs.existsSync(out), false, "no dist/ from a failed build");
  });
});

Deno.test("a runtime whose binary does not run is refused (exit 3) before anything lands in dist/", async () => {
  if (HOST.arch !== "amd64") {
    console.warn("skipped: needs an x86_64 host, where /bin/true stands in for a broken x86_64 runtime");
    return;
  }
  await withTemp(async (dir) => {
    const out = path.join(dir, "dist");
    const env = { ...envWithoutCachedRuntime(dir), DENORT_BIN_AMD64: "/bin/true" };
    await assert.rejects(build({ out, targets: [AMD64], noCheck: true, env }), (err: unknown) => {
      assert.ok(err instanceof EtcdupError);
      assert.equal(err.code, "binary-broken");
      assert.equal(err.exit, Exit.verification);
      assert.match(err.message, /does not run: '--version' exited 0 printing .*expected 'etcdup /);
      assert.match(err.hint ?? "", /DENORT_BIN_AMD64=\/bin\/true is not a working denort/);
      return true;
    });
    assert.equal(fs.existsSync(out), false);
  });
});

Deno.test("deno compile with build.ts's arguments embeds every asset byte for byte", async () => {
  if (HOST.arch !== "amd64") {
    console.warn(
      "skipped: needs an x86_64 host, where /bin/true stands in for the runtime the data is appended to",
    );
    return;
  }
  await withTemp(async (dir) => {
    // A stand-in runtime cannot run the result, but the embedded module data is appended to it all the same.
    const out = path.join(dir, "etcdup");
    const r = await exec([Deno.execPath(), ...compileArgs(AMD64, out, true)], {
      cwd: REPO,
      env: { DENORT_BIN: "/bin/true", DENO_NO_PACKAGE_JSON: "1", NO_COLOR: "1" },
    });
    assert.equal(r.code, 0, r.stderr);
    const binary = Buffer.from(fs.readFileSync(out));
    const assets = fs.readdirSync(path.join(REPO, "assets"));
    assert.ok(assets.length >= 2, assets.join(", "));
    for (const name of assets) {
      assert.ok(
        binary.includes(fs.readFileSync(path.join(REPO, "assets", name))),
        `assets/${name} is embedded`,
      );
    }
  });
});

Deno.test("publish puts the binaries and install.sh in dist/ with a SHA256SUMS that sha256sum -c accepts", async () => {
  await withTemp(async (dir) => {
    const staged = path.join(dir, "staged");
    fs.mkdirSync(staged);
    const files = ["etcdup-linux-arm64", "etcdup-linux-amd64"].map((n, i) => {
      fs.writeFileSync(path.join(staged, n), `binary ${i}\n`);
      return path.join(staged, n);
    });
    const out = path.join(dir, "dist");
    const r = publish(out, [...files, path.join(REPO, "install.sh")]);
    assert.deepEqual(r.files.map((f) => path.basename(f)), [
      "etcdup-linux-arm64",
      "etcdup-linux-amd64",
      "install.sh",
    ]);
    for (const f of r.files) assert.equal(fs.statSync(f).mode & 0o7777, 0o755);
    assert.equal(fs.statSync(r.sums).mode & 0o7777, 0o644);
    const sums = fs.readFileSync(r.sums, "utf8");
    assert.match(
      sums,
      /^[0-9a-f]{64} {2}etcdup-linux-amd64\n[0-9a-f]{64} {2}etcdup-linux-arm64\n[0-9a-f]{64} {2}install\.sh\n$/,
    );
    assert.equal(sha256sums(r.files), sums);
    const check = await exec(["sha256sum", "-c", "SHA256SUMS"], { cwd: out });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), [
      "SHA256SUMS",
      "etcdup-linux-amd64",
      "etcdup-linux-arm64",
      "install.sh",
    ]);
    assert.match(await gitCommit(REPO), /^[0-9a-f]{12}(-dirty)?$/);
  });
});

Deno.test("bad build flags exit 2", async () => {
  const r = await exec([Deno.execPath(), "run", "-A", path.join(REPO, "build.ts"), "--target", "mips"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /unknown --target 'mips'/);
});

Deno.test("with a real runtime: the binary embeds its version and commit and runs --help, --version, install --help", async () => {
  const runtime = runtimeFor(HOST, Deno.env.toObject());
  if (!runtime) {
    console.warn(
      `skipped: no local denort for ${HOST.triple} (set DENORT_BIN_${HOST.arch.toUpperCase()} or DENORT_DIR); ` +
        "the npm registry has no denort package and dl.deno.land is not reachable here",
    );
    return;
  }
  await withTemp(async (dir) => {
    const out = path.join(dir, "dist");
    const r = await build({ out, targets: [HOST], noCheck: true, version: "9.9.9-test" });
    assert.deepEqual(r.binaries, [path.join(out, `etcdup-linux-${HOST.arch}`)]);
    assert.equal(
      fs.readFileSync(r.installer, "utf8"),
      fs.readFileSync(path.join(REPO, "install.sh"), "utf8"),
    );
    const bin = r.binaries[0];
    assert.equal((await exec(["sha256sum", "-c", "SHA256SUMS"], { cwd: out })).code, 0);
    const version = await exec([bin, "--version"], { cwd: dir });
    assert.equal(version.stdout, `etcdup 9.9.9-test (${r.commit})\n`);
    assert.equal((await exec([bin, "--help"], { cwd: dir })).code, 0);
    const help = await exec([bin, "install", "--help"], { cwd: dir });
    assert.match(help.stdout, /--print-config/);
    assert.equal((await exec([bin, "bogus"], { cwd: dir })).code, 2);
    assert.equal(
      JSON.parse(fs.readFileSync(path.join(REPO, "assets/build-info.json"), "utf8")).commit,
      "dev",
    );
  });
});
