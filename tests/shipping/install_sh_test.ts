/**
 * install.sh on this host, confined to temp dirs (ETCDUP_INSTALL_DIR, TMPDIR): served with a stand-in
 * etcdup (a script recording its arguments) and SHA256SUMS from a loopback HTTPS server, run as
 * `curl | sh -s -- ...` with no TTY, through curl and through wget, and refusing a checksum mismatch.
 * The run inside a systemd container is in container_test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { serveFiles, startHttpsServer, type TestServer } from "../support/https_server.ts";
import { INSTALL_SH, releaseFiles, STAND_IN, sumsFor } from "./release_files.ts";
import { exec } from "../support/exec.ts";
import { createHash } from "node:crypto";
import { embedSigner } from "../../build.ts";

/** How {@link pipeToSh} runs. */
interface PipeOptions {
  /** PATH for the run (default the system's). */
  pathDir?: string;
  /** Fetch install.sh with curl (default) or wget. */
  fetch?: "curl" | "wget";
  umask?: string;
}

/** Runs `curl|sh` (or wget) of install.sh with a clean environment; returns exit code and stderr. */
async function pipeToSh(
  url: string,
  extraEnv: Record<string, string>,
  args: string[],
  opts: PipeOptions = {},
) {
  const fetchCmd = opts.fetch === "wget" ? `wget -qO- "$URL/install.sh"` : `curl -fsSL "$URL/install.sh"`;
  const argv = ["sh", "-c", `umask ${opts.umask ?? "022"}; ${fetchCmd} | sh -s -- "$@"`, "sh", ...args];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    clearEnv: true,
    env: { PATH: opts.pathDir ?? "/usr/local/bin:/usr/bin:/bin", URL: url, ...extraEnv },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const out = await child.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/** A PATH folder under `root` with the system's commands minus `omit`, plus `scripts` (name -> sh body). */
function shadowPath(root: string, omit: string[], scripts: Record<string, string>): string {
  const dir = path.join(root, `path-${crypto.randomUUID().slice(0, 8)}`);
  fs.mkdirSync(dir);
  for (const [name, body] of Object.entries(scripts)) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  for (const sys of ["/usr/bin", "/bin"]) {
    for (const name of fs.readdirSync(sys)) {
      const link = path.join(dir, name);
      if (!omit.includes(name) && !fs.existsSync(link)) fs.symlinkSync(path.join(sys, name), link);
    }
  }
  return dir;
}

/** What a test of install.sh gets: the serving mirror, its dirs, and the env that points install.sh at them. */
interface Served {
  server: TestServer;
  root: string;
  /** The install target (ETCDUP_INSTALL_DIR). */
  bin: string;
  /** TMPDIR, to check the download dir is removed. */
  tmp: string;
  /** ETCDUP_BASE_URL, ETCDUP_INSTALL_DIR, TMPDIR and curl's CA bundle. */
  env: Record<string, string>;
}

/** Serves `files` over HTTPS on loopback and runs `fn` with fresh dirs; removes both afterwards. */
async function withServed(files: Record<string, string | Uint8Array>, fn: (s: Served) => Promise<void>) {
  const server = await startHttpsServer(serveFiles(files));
  const root = Deno.makeTempDirSync({ prefix: "etcdup-installsh-" });
  const bin = path.join(root, "bin");
  const tmp = path.join(root, "tmp");
  fs.mkdirSync(tmp);
  try {
    const env = {
      CURL_CA_BUNDLE: server.caFile,
      ETCDUP_BASE_URL: server.url,
      ETCDUP_INSTALL_DIR: bin,
      TMPDIR: tmp,
    };
    await fn({ server, root, bin, tmp, env });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    await server.close();
  }
}

Deno.test("install.sh passes shellcheck as POSIX sh", async () => {
  const r = await exec(["shellcheck", "-s", "sh", INSTALL_SH]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

Deno.test("curl | sh -s -- ARGS verifies, installs and runs 'etcdup install ARGS' quietly", async () => {
  await withServed(releaseFiles(STAND_IN), async ({ server, bin, tmp, env }) => {
    // A hardened umask must not leave the installed binary unrunnable for others.
    const r = await pipeToSh(server.url, env, ["--version", "v3.6.6", "--san", "a b"], { umask: "077" });
    assert.equal(r.code, 0, r.stderr);
    // Quiet by default under curl|sh: only the warning that this (unsigned, checkout) copy checks digests only.
    assert.match(
      r.stderr,
      /^etcdup-install: warning: this install\.sh carries no release key: only the SHA-256 .*\n$/,
    );
    const installed = path.join(bin, "etcdup");
    assert.equal(fs.readFileSync(installed, "utf8"), STAND_IN);
    assert.equal(fs.statSync(installed).mode & 0o7777, 0o755);
    const record = fs.readFileSync(path.join(bin, "etcdup.record"), "utf8");
    assert.equal(record, "arg=install\narg=--version\narg=v3.6.6\narg=--san\narg=a b\nquiet=1\nstdin=0\n");
    assert.deepEqual(fs.readdirSync(tmp), [], "the download dir is removed");
    assert.deepEqual(server.requests.slice(1).sort(), ["/SHA256SUMS", `/etcdup-linux-${hostArch()}`]);

    const inode = fs.statSync(installed).ino;
    const again = await pipeToSh(server.url, { ...env, ETCDUP_QUIET: "0" }, []);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /verified sha256 [0-9a-f]{64}/);
    assert.match(again.stderr, /already this build; left as it is/);
    assert.equal(fs.statSync(installed).ino, inode, "an identical binary is not replaced");
    assert.equal(
      fs.readFileSync(path.join(bin, "etcdup.record"), "utf8"),
      "arg=install\nquiet=0\nstdin=0\n",
    );
  });
});

Deno.test("a checksum mismatch exits 3 and installs nothing; a missing file exits 5", async () => {
  await withServed(releaseFiles(STAND_IN, sumsFor("something else")), async ({ server, bin, tmp, env }) => {
    const r = await pipeToSh(server.url, env, []);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /checksum mismatch for .*etcdup-linux-\w+: SHA256SUMS says [0-9a-f]{64}, the download is/,
    );
    assert.deepEqual(fs.readdirSync(bin), [], "nothing installed");
    assert.deepEqual(fs.readdirSync(tmp), [], "the download dir is removed");

    const gone = await pipeToSh(server.url, { ...env, ETCDUP_BASE_URL: `${server.url}/nowhere` }, []);
    assert.equal(gone.code, 5, gone.stderr);
    assert.match(gone.stderr, /download of .*\/nowhere\/SHA256SUMS failed/);
  });
});

Deno.test("with wget and no curl, install.sh downloads with wget (its own WGETRC naming the CA)", async () => {
  await withServed(releaseFiles(STAND_IN), async ({ server, root, bin, tmp }) => {
    const pathDir = shadowPath(root, ["curl"], {});
    const wgetrc = path.join(root, "wgetrc");
    fs.writeFileSync(wgetrc, `ca_certificate = ${server.caFile}\n`);
    const env = { WGETRC: wgetrc, ETCDUP_BASE_URL: server.url, ETCDUP_INSTALL_DIR: bin, TMPDIR: tmp };
    const r = await pipeToSh(server.url, env, ["--no-start"], { pathDir, fetch: "wget" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      fs.readFileSync(path.join(bin, "etcdup.record"), "utf8"),
      "arg=install\narg=--no-start\nquiet=1\nstdin=0\n",
    );
  });
});

/** This machine's architecture as install.sh names it. */
function hostArch(): string {
  return Deno.build.arch === "aarch64" ? "arm64" : "amd64";
}

Deno.test("install.sh maps uname -m to the release arch and refuses machines etcdup does not ship for", async () => {
  await withServed(releaseFiles(STAND_IN), async ({ server, root, bin, env }) => {
    const uname = (s: string, m: string) =>
      shadowPath(root, [], { uname: `[ "$1" = -s ] && echo ${s} || echo ${m}` });

    const arm = await pipeToSh(server.url, env, [], { pathDir: uname("Linux", "aarch64") });
    assert.equal(arm.code, 0, arm.stderr);
    assert.ok(server.requests.includes("/etcdup-linux-arm64"), server.requests.join(" "));
    assert.ok(!server.requests.includes("/etcdup-linux-amd64"));
    for (const f of fs.readdirSync(bin)) fs.rmSync(path.join(bin, f));

    for (
      const [s, m, message] of [["Linux", "riscv64", /unsupported machine riscv64/], [
        "Darwin",
        "arm64",
        /Linux only, this is Darwin/,
      ]] as const
    ) {
      const r = await pipeToSh(server.url, env, [], { pathDir: uname(s, m) });
      assert.equal(r.code, 7, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(fs.readdirSync(bin), [], "nothing installed");
    }
  });
});

/** A throwaway release signing key made for the test: its private key file and public key line. */
async function throwawayKey(dir: string): Promise<{ key: string; pub: string }> {
  const key = path.join(dir, "release-key");
  const r = await exec(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test release", "-f", key]);
  assert.equal(r.code, 0, r.stderr);
  return { key, pub: fs.readFileSync(`${key}.pub`, "utf8") };
}

/**
 * A release as the workflow publishes it: install.sh with the key embedded (build.ts --signer), SHA256SUMS
 * over binaries and install.sh, and SHA256SUMS.sig from `ssh-keygen -Y sign -n etcdup-release`.
 */
async function signedRelease(dir: string, key: { key: string; pub: string }, binary: string) {
  const installSh = embedSigner(fs.readFileSync(INSTALL_SH, "utf8"), key.pub);
  const enc = new TextEncoder();
  const sums = sumsFor(binary) + `${createHash("sha256").update(installSh).digest("hex")}  install.sh\n`;
  const sumsFile = path.join(dir, "SHA256SUMS");
  fs.writeFileSync(sumsFile, sums);
  const signed = await exec([
    "ssh-keygen",
    "-Y",
    "sign",
    "-q",
    "-f",
    key.key,
    "-n",
    "etcdup-release",
    sumsFile,
  ]);
  assert.equal(signed.code, 0, signed.stderr);
  return {
    ...releaseFiles(binary, sums),
    "/install.sh": enc.encode(installSh),
    "/SHA256SUMS.sig": fs.readFileSync(`${sumsFile}.sig`),
  };
}

Deno.test("a signed release: install.sh verifies SHA256SUMS.sig with the embedded key; a forged SHA256SUMS exits 3", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "etcdup-signed-" });
  try {
    const key = await throwawayKey(dir);
    const files = await signedRelease(dir, key, STAND_IN);
    await withServed(files, async ({ server, bin, env }) => {
      const r = await pipeToSh(server.url, { ...env, ETCDUP_QUIET: "0" }, []);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /verified the signature of SHA256SUMS with the embedded release key/);
      assert.doesNotMatch(r.stderr, /warning/);
      assert.ok(server.requests.includes("/SHA256SUMS.sig"));
      assert.equal(fs.readFileSync(path.join(bin, "etcdup"), "utf8"), STAND_IN);
    });
    // A mirror that swaps the binary and rewrites SHA256SUMS to match cannot re-sign it.
    const evil = "#!/bin/sh\necho evil\n";
    await withServed({ ...files, ...releaseFiles(evil), "/install.sh": files["/install.sh"] }, async (s) => {
      const r = await pipeToSh(s.server.url, s.env, []);
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        /signature of .*SHA256SUMS does not verify against the release key; nothing installed/,
      );
      assert.deepEqual(fs.readdirSync(s.bin), [], "nothing installed");
    });
    // Signed by another key: refused too.
    const other = await throwawayKey(Deno.makeTempDirSync({ dir, prefix: "other-" }));
    const forged = await signedRelease(Deno.makeTempDirSync({ dir, prefix: "forged-" }), other, STAND_IN);
    await withServed({ ...forged, "/install.sh": files["/install.sh"] }, async (s) => {
      assert.equal((await pipeToSh(s.server.url, s.env, [])).code, 3);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("without ssh-keygen a signed install.sh checks the digest and says clearly that it could only do that", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "etcdup-nokeygen-" });
  try {
    const files = await signedRelease(dir, await throwawayKey(dir), STAND_IN);
    await withServed(files, async ({ server, root, bin, env }) => {
      const pathDir = shadowPath(root, ["ssh-keygen"], {});
      const r = await pipeToSh(server.url, env, [], { pathDir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /warning: ssh-keygen \(openssh-client\) is missing: only the SHA-256 of the binary is checked/,
      );
      assert.ok(!server.requests.includes("/SHA256SUMS.sig"));
      assert.equal(fs.readFileSync(path.join(bin, "etcdup"), "utf8"), STAND_IN);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("embedSigner fills install.sh's release key line and refuses what is not a public key", () => {
  const sh = fs.readFileSync(INSTALL_SH, "utf8");
  const out = embedSigner(sh, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnly4TestXX release@ci\n");
  assert.match(out, /^release_signer='etcdup-release ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnly4TestXX'$/m);
  assert.throws(() => embedSigner(sh, "not a key"), /not an OpenSSH public key/);
});
