/**
 * `etcdup certs --help` (and `etcdup help certs`) print the group's help, exit 0; a mistyped command,
 * subcommand or flag is a usage error (exit 2, its documented code) with a "did you mean" suggestion.
 */
import assert from "node:assert/strict";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { closest } from "../../lib/cli/suggest.ts";

Deno.test("etcdup certs --help and help certs print every certs subcommand, exit 0", async () => {
  for (const argv of [["certs", "--help"], ["certs", "-h"], ["help", "certs"]]) {
    const r = await runEtcdup(argv);
    assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: etcdup certs <subcommand> \[flags\]$/m);
    for (const sub of ["check", "renew", "issue-client", "rotate-ca", "export"]) {
      assert.match(r.stdout, new RegExp(`^  ${sub} +\\S`, "m"), `${argv.join(" ")} lists ${sub}`);
    }
  }
});

Deno.test("a typo'd command, subcommand or flag exits 2 with a 'did you mean' suggestion", async () => {
  const cases: [string[], string, RegExp][] = [
    [["instal"], "unknown-command", /Did you mean 'install'\?/],
    [["certs", "chek"], "unknown-command", /Did you mean 'certs check'\?/],
    [["install", "--verison", "3.5"], "unknown-flag", /Did you mean '--version'\?/],
    [["status", "--expiry-day", "3"], "unknown-flag", /Did you mean '--expiry-days'\?/],
  ];
  for (const [argv, code, suggestion] of cases) {
    const r = await runEtcdup([...argv, "--json"]);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stdout}`);
    const err = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(err.code, code, argv.join(" "));
    assert.match(err.message, suggestion, argv.join(" "));
  }
  const far = await runEtcdup(["zzzzzz", "--json"]);
  assert.doesNotMatch(far.stdout, /Did you mean/, "no suggestion for a word close to nothing");
});

Deno.test("closest: a typo within a third of the word, or a unique prefix; nothing for far words", () => {
  const words = ["install", "download", "join", "upgrade", "uninstall", "status", "certs"];
  assert.equal(closest("instal", words), "install");
  assert.equal(closest("stauts", words), "status");
  assert.equal(closest("uninstal", words), "uninstall");
  assert.equal(closest("down", words), "download");
  assert.equal(closest("xyz", words), undefined);
});
