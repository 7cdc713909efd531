/**
 * The CLI's contract as a user meets it, run as a real process (the compiled binary when ETCDUP_BIN names
 * one): help and version exit 0, usage mistakes exit 2 naming the mistake, and --json errors are one line.
 */
import assert from "node:assert/strict";
import { REPO, runEtcdup } from "./etcdup_cmd.ts";
import { assertRefused } from "../support/refusal.ts";
import { Exit } from "../../lib/errors.ts";
import { commands } from "../../lib/cli/commands.ts";
import { COMMIT, VERSION } from "../../lib/version.ts";

Deno.test("--help lists every command and exits 0; no arguments prints it and exits 2", async () => {
  const help = await runEtcdup(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: etcdup <command> \[flags\]$/m);
  for (const c of commands) assert.match(help.stdout, new RegExp(`^  ${c.name} +\\S`, "m"));
  const none = await runEtcdup([]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, help.stdout);
});

Deno.test("'install --help' and 'help install' show the flags with their ETCDUP_ variables", async () => {
  for (const argv of [["install", "--help"], ["help", "install"]]) {
    const r = await runEtcdup(argv);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: etcdup install \[flags\]$/m);
    assert.match(r.stdout, /--version V .*env ETCDUP_VERSION/);
    assert.match(r.stdout, /--print-config/);
  }
});

Deno.test("--version prints the baked-in version and commit, also as JSON", async () => {
  // A compiled binary carries its own build's commit; from source it is assets/build-info.json's.
  const fromSource = Deno.env.get("ETCDUP_BIN") === undefined;
  const r = await runEtcdup(["--version"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    fromSource ? new RegExp(`^etcdup ${VERSION} \\(${COMMIT}\\)\n$`) : /^etcdup \S+ \(\S+\)\n$/,
  );
  const j = await runEtcdup(["--version", "--json"]);
  const event = JSON.parse(j.stdout);
  assert.equal(event.event, "result");
  assert.equal(typeof event.result.version, "string");
  assert.equal(typeof event.result.commit, "string");
});

Deno.test("usage mistakes exit 2 and name the mistake; with --json the same mistake carries its error code", async () => {
  const cases: [string[], Record<string, string>, RegExp, string][] = [
    [["bogus"], {}, /unknown command 'bogus'/, "unknown-command"],
    [["certs"], {}, /'etcdup certs' needs a subcommand/, "unknown-command"],
    [["install", "--bogus"], {}, /--bogus/, "unknown-flag"],
    [["install", "--version"], {}, /--version/, "bad-flag-value"],
    [["install"], { ETCDUP_NO_START: "maybe" }, /ETCDUP_NO_START must be true or false/, "bad-boolean"],
    [
      ["install", "--config", "/nonexistent/etcdup.yaml"],
      {},
      /cannot read config file \/nonexistent\/etcdup\.yaml/,
      "config-unreadable",
    ],
  ];
  for (const [argv, env, message, code] of cases) {
    const r = await runEtcdup(argv, env);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /^hint: /m, `${argv.join(" ")} gives a hint`);
    // --json right after the command word, so it is never taken as a flag's value
    const json = await runEtcdup([argv[0], "--json", ...argv.slice(1)], env);
    assert.match(assertRefused(json, 2, code).message, message, argv.join(" "));
  }
});

Deno.test("with --json a usage error is one JSON line with code, message, hint and exit", async () => {
  const r = await runEtcdup(["install", "--bogus", "--json"]);
  assert.equal(r.code, 2);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1, r.stdout);
  const e = JSON.parse(lines[0]);
  assert.equal(e.event, "error");
  assert.equal(e.code, "unknown-flag");
  assert.equal(e.exit, 2);
  assert.match(e.message, /--bogus/);
  assert.equal(typeof e.hint, "string");
});

Deno.test("exit codes are stable and the README documents each one", () => {
  assert.deepEqual({ ...Exit }, {
    ok: 0,
    failure: 1,
    usage: 2,
    verification: 3,
    health: 4,
    network: 5,
    check: 6,
    precondition: 7,
  });
  const readme = Deno.readTextFileSync(`${REPO}/README.md`);
  const table = readme.slice(readme.indexOf("## Exit codes"));
  for (const code of Object.values(Exit)) {
    assert.match(table, new RegExp(`^\\| ${code} +\\| \\S`, "m"), `exit ${code}`);
  }
});
