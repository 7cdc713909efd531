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
    assert.equal(r.stderr, "", "quiet by default under curl|sh");
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
  await withServed(releaseFiles(STAND_IN), async ({ server, root, bin, tmp, env }) => {
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
