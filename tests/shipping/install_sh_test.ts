/**
 * install.sh on this host, confined to temp dirs (ETCDUP_INSTALL_DIR, TMPDIR): served with a stand-in
 * etcdup (a script recording its arguments) and SHA256SUMS from a loopback HTTPS server, run as
 * `curl | sh -s -- ...` with no TTY, through curl and through wget, and refusing a checksum mismatch.
 * The run inside a systemd container is in container_test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { serveFiles, startHttpsServer } from "../support/https_server.ts";
import { INSTALL_SH, releaseFiles, STAND_IN, sumsFor } from "./release_files.ts";
import { exec } from "../support/exec.ts";

/** Runs `curl|sh` (wget when `pathDir` has no curl) of install.sh with a clean environment and `umask`. */
async function pipeToSh(
  url: string,
  extraEnv: Record<string, string>,
  args: string[],
  pathDir?: string,
  umask = "022",
) {
  const fetchCmd = pathDir ? `wget -qO- "$URL/install.sh"` : `curl -fsSL "$URL/install.sh"`;
  const argv = ["sh", "-c", `umask ${umask}; ${fetchCmd} | sh -s -- "$@"`, "sh", ...args];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    clearEnv: true,
    env: { PATH: pathDir ?? "/usr/local/bin:/usr/bin:/bin", URL: url, ...extraEnv },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const out = await child.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/** A temp dir with bin/ (install target) and tmp/ (TMPDIR), removed afterwards. */
async function withDirs(fn: (d: { root: string; bin: string; tmp: string }) => Promise<void>) {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-installsh-" });
  const d = { root, bin: path.join(root, "bin"), tmp: path.join(root, "tmp") };
  fs.mkdirSync(d.tmp);
  try {
    await fn(d);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

Deno.test("install.sh passes shellcheck as POSIX sh", async () => {
  const r = await exec(["shellcheck", "-s", "sh", INSTALL_SH]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

Deno.test("curl | sh -s -- ARGS verifies, installs and runs 'etcdup install ARGS' quietly", async () => {
  const server = await startHttpsServer(serveFiles(releaseFiles(STAND_IN)));
  try {
    await withDirs(async ({ bin, tmp }) => {
      const env = {
        CURL_CA_BUNDLE: server.caFile,
        ETCDUP_BASE_URL: server.url,
        ETCDUP_INSTALL_DIR: bin,
        TMPDIR: tmp,
      };
      // A hardened umask must not leave the installed binary unrunnable for others.
      const r = await pipeToSh(server.url, env, ["--version", "v3.6.6", "--san", "a b"], undefined, "077");
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
  } finally {
    await server.close();
  }
});

Deno.test("a checksum mismatch exits 3 and installs nothing; a missing file exits 5", async () => {
  const server = await startHttpsServer(serveFiles(releaseFiles(STAND_IN, sumsFor("something else"))));
  try {
    await withDirs(async ({ bin, tmp }) => {
      const env = {
        CURL_CA_BUNDLE: server.caFile,
        ETCDUP_BASE_URL: server.url,
        ETCDUP_INSTALL_DIR: bin,
        TMPDIR: tmp,
      };
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
  } finally {
    await server.close();
  }
});

Deno.test("with wget and no curl, install.sh downloads with wget (its own WGETRC naming the CA)", async () => {
  const server = await startHttpsServer(serveFiles(releaseFiles(STAND_IN)));
  try {
    await withDirs(async ({ root, bin, tmp }) => {
      const pathDir = path.join(root, "path");
      fs.mkdirSync(pathDir);
      for (const dir of ["/usr/bin", "/bin"]) {
        for (const name of fs.readdirSync(dir)) {
          const link = path.join(pathDir, name);
          if (name !== "curl" && !fs.existsSync(link)) fs.symlinkSync(path.join(dir, name), link);
        }
      }
      const wgetrc = path.join(root, "wgetrc");
      fs.writeFileSync(wgetrc, `ca_certificate = ${server.caFile}\n`);
      const env = { WGETRC: wgetrc, ETCDUP_BASE_URL: server.url, ETCDUP_INSTALL_DIR: bin, TMPDIR: tmp };
      const r = await pipeToSh(server.url, env, ["--no-start"], pathDir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        fs.readFileSync(path.join(bin, "etcdup.record"), "utf8"),
        "arg=install\narg=--no-start\nquiet=1\nstdin=0\n",
      );
    });
  } finally {
    await server.close();
  }
});

/** This machine's architecture as install.sh names it. */
function hostArch(): string {
  return Deno.build.arch === "aarch64" ? "arm64" : "amd64";
}
