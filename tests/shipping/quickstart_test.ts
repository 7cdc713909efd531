/**
 * The README's quick start as a newcomer meets it: its first command is the RUN setup (scripts/setup.sh:
 * Node.js/npm from apt only when missing, then `npm ci`; no test tools) followed by `deno task -q etcdup`,
 * which prints no "Ignored build scripts" box and no `Task ...` line and resolves relative paths against the
 * directory it was typed in (INIT_CWD). CI (.ci/run) uses the develop/test setup, which runs the run setup
 * first.
 *
 * Not tested here: the run setup on a really bare Debian. A booted bookworm container has no network to
 * deb.debian.org (the e2e containers share none), so setup.sh's logic runs against a stub `apt-get` on a PATH
 * without node/npm instead.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO } from "./etcdup_cmd.ts";
import { exec } from "../support/exec.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";

const README = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
const DENO = path.join(REPO, "node_modules/.bin/deno");

/** The shell lines of the quick start's first code block. */
function quickStartLines(): string[] {
  const section = README.split("<!-- section: quickstart -->")[1].split("<!-- /section: quickstart -->")[0];
  const block = section.split("```sh\n")[1].split("```")[0];
  return block.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter(Boolean);
}

Deno.test("quick start: the first command is the run setup, then 'deno task -q etcdup install'", () => {
  const [first] = quickStartLines();
  assert.equal(first, "scripts/setup.sh && npx deno task -q etcdup install");
  const ci = fs.readFileSync(path.join(REPO, ".ci/run"), "utf8");
  assert.match(ci, /^bash scripts\/setup-dev\.sh$/m, "CI uses the develop/test setup");
  const dev = fs.readFileSync(path.join(REPO, "scripts/setup-dev.sh"), "utf8");
  assert.match(dev, /^bash scripts\/setup\.sh$/m, "which runs the run setup first");
  const run = fs.readFileSync(path.join(REPO, "scripts/setup.sh"), "utf8");
  assert.doesNotMatch(
    run,
    /debootstrap|shellcheck|systemd-container/,
    "the run setup installs no test tools",
  );
});

/** Runs scripts/setup.sh with PATH = a stub dir holding bash and coreutils, a logging apt-get and, after it ran, node/npm. */
async function runSetup(stub: string, log: string) {
  const out = await new Deno.Command("/bin/bash", {
    args: [path.join(REPO, "scripts/setup.sh")],
    env: { PATH: stub, LOG: log },
    clearEnv: true,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("scripts/setup.sh on a host without node/npm installs them with apt, then runs npm ci; again, apt is not asked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-setup-" });
  try {
    const stub = path.join(dir, "bin");
    const log = path.join(dir, "log");
    fs.mkdirSync(stub);
    for (const tool of ["bash", "dirname", "id", "cat", "chmod", "sh"]) {
      fs.symlinkSync(fs.realpathSync(`/usr/bin/${tool}`), path.join(stub, tool));
    }
    const script = (name: string, body: string) =>
      fs.writeFileSync(path.join(stub, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    // apt-get "installs" node and npm (stubs that log their arguments) when asked to install them.
    script(
      "apt-get",
      `echo "apt-get $*" >> "$LOG"
case " $* " in *" install "*nodejs*npm*)
  printf '#!/bin/sh\\necho "npm $*" >> "$LOG"\\n' > "${stub}/npm"; printf '#!/bin/sh\\n' > "${stub}/node"
  chmod 755 "${stub}/npm" "${stub}/node";;
esac`,
    );
    const first = await runSetup(stub, log);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const lines = fs.readFileSync(log, "utf8").trim().split("\n");
    assert.equal(lines[0], "apt-get update -q");
    assert.match(lines[1], /^apt-get install .*\bnodejs npm\b/);
    assert.equal(lines[2], "npm ci --no-audit --no-fund");
    assert.equal(lines.length, 3, "nothing else: no test tools");

    fs.writeFileSync(log, "");
    const again = await runSetup(stub, log);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["npm ci --no-audit --no-fund"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task -q etcdup prints no Task line or build-scripts box, and resolves relative paths against INIT_CWD", async () => {
  const fx = await etcdFixture("sid");
  const dir = await Deno.makeTempDir({ prefix: "etcdup-task-" });
  try {
    fs.copyFileSync(fx.tarball, path.join(dir, path.basename(fx.tarball)));
    fs.mkdirSync(path.join(dir, "root"));
    const [, etcdupCommand] = quickStartLines()[0].split(" && ");
    const words = etcdupCommand.replace(/^npx deno /, "").split(" ").slice(0, -1); // without "install"
    // `deno task` keeps an INIT_CWD it inherits (as npm does): the suite itself runs under `deno task test`,
    // which exported the checkout as INIT_CWD, so the typed-in directory is only seen with it unset.
    const r = await exec([
      "env",
      "-u",
      "INIT_CWD",
      DENO,
      ...words.slice(0, 2),
      "--config",
      path.join(REPO, "deno.json"),
      ...words.slice(2),
      "install",
      "--dry-run",
      "--json",
      "--tarball",
      `./${path.basename(fx.tarball)}`,
      "--root",
      "./root",
    ], { cwd: dir, env: { NO_COLOR: "" } });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Task |Ignored build scripts/);
    const plan = JSON.parse(r.stdout.trim().split("\n").pop()!).result.plan;
    assert.equal(plan.release.source, `tarball ${path.join(dir, path.basename(fx.tarball))}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
