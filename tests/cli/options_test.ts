/**
 * Typed options: every rule of lib/plan/flag_rules.ts takes its good values and refuses a bad one with its
 * code (exit 2); a command's options get their spec's defaults, follow flag > ETCDUP_* > config file, and a
 * bad value is refused before the command runs, named by where it came from. The output mode follows the
 * merged values: a config file's `quiet: true` quiets like --quiet.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { blameSource, parseCommand } from "../../lib/cli/args.ts";
import { parseOptions } from "../../lib/plan/options.ts";
import type { FlagSpec, Rule } from "../../lib/specs/spec.ts";
import { rules } from "../../lib/plan/flag_rules.ts";
import { statusFlags, statusSpec } from "../../lib/specs/status.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";

/** Each rule: a value it takes and what it makes of it, then a value it refuses and the error code. */
const cases: { [R in Rule]: [good: string, parsed: ReturnType<typeof rules[R]>, bad: string, code: string] } =
  {
    days: ["365", 365, "0", "bad-number"],
    daysAhead: ["0", 0, "soon", "bad-number"],
    timeout: ["60", 60_000, "86401", "bad-number"],
    healthTimeout: ["3600", 3_600_000, "3601", "bad-number"],
    minutes: ["5", 5, "1441", "bad-number"],
    keep: ["0", 0, "1000000", "bad-number"],
    size: ["100MiB", 100 * 1024 * 1024, "lots", "bad-size"],
    duration: ["2", "2h", "1 week", "bad-retention"],
    tuning: ["wan", "wan", "metro", "bad-tuning"],
    raftMs: ["300", 300, "50001", "bad-number"],
    sha256: ["AB".repeat(32), "ab".repeat(32), "ab", "bad-sha256"],
    port: ["2379", 2379, "70000", "bad-port"],
    san: ["etcd.example.com", "etcd.example.com", "foo_bar.example", "bad-san"],
    memberName: ["node-1", "node-1", "-node", "bad-name"],
    keyAlgorithm: ["RSA-2048", "rsa-2048", "dsa", "bad-key-algorithm"],
    layout: ["kubeadm", "kubeadm", "k8s", "bad-layout"],
    absolutePath: ["/var/lib/etcd/", "/var/lib/etcd", "var/lib/etcd", "relative-path"],
    root: ["/mnt/image", "/mnt/image", " ", "empty-root"],
  };

/** The EtcdupError `fn` throws (asserted to be one). */
function errorOf(fn: () => unknown): EtcdupError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EtcdupError, String(err));
    return err;
  }
  assert.fail("no error thrown");
}

for (const [rule, [good, parsed, bad, code]] of Object.entries(cases)) {
  Deno.test(`rule ${rule}: '${good}' is ${JSON.stringify(parsed)}, '${bad}' is refused (exit 2, ${code})`, () => {
    const check = rules[rule as Rule] as (flag: string, raw: string) => unknown;
    assert.deepEqual(check("some-flag", good), parsed);
    const err = errorOf(() => check("some-flag", bad));
    assert.deepEqual([err.exit, err.code], [Exit.usage, code]);
  });
}

Deno.test("every rule has its case above, and every rule a spec names exists", async () => {
  assert.deepEqual(Object.keys(cases).sort(), Object.keys(rules).sort());
  const { commands } = await import("../../lib/cli/commands.ts");
  for (const spec of commands) {
    for (const [name, f] of Object.entries(spec.flags)) {
      if (f.parse) assert.ok(f.parse in rules, `${spec.name} --${name}: rule ${f.parse}`);
      if (f.default !== undefined && f.parse) rules[f.parse](name, f.default); // a default its rule refuses throws here
    }
  }
});

Deno.test("options: unset flags get the spec's default (through its rule), booleans false", () => {
  const o = parseOptions(statusFlags, {});
  assert.deepEqual({ ...o }, {
    "expiry-days": 30,
    root: "/",
    config: undefined,
    json: false,
    quiet: false,
    help: false,
  });
  const repeated = parseOptions(
    { san: { type: "string", multiple: true, parse: "san", description: "" } },
    {},
  );
  assert.deepEqual(repeated.san, []);
  assert.deepEqual(
    parseOptions({ san: { type: "string", multiple: true, description: "" } }, { san: ["a"] }).san,
    [
      "a",
    ],
  );
});

Deno.test("options: a string without a rule is trimmed, a blank one is unset (its default)", () => {
  const flags = {
    mirror: { type: "string", description: "" },
    tuning: { type: "string", default: "lan", description: "" },
    "cert-days": { type: "string", parse: "days", description: "" },
  } satisfies Record<string, FlagSpec>;
  assert.deepEqual({ ...parseOptions(flags, { mirror: "", tuning: "  " }) }, {
    mirror: undefined,
    tuning: "lan",
    "cert-days": undefined,
  });
  assert.equal(parseOptions(flags, { mirror: " https://m.example " }).mirror, "https://m.example");
  assert.throws(() => parseOptions(flags, { "cert-days": "" }), (e: unknown) => {
    assert.ok(e instanceof EtcdupError);
    assert.equal(e.code, "bad-number", "a blank value of a flag with a rule goes to the rule");
    assert.equal(e.exit, Exit.usage);
    return true;
  });
});

Deno.test("options follow flag > ETCDUP_* > config file, each converted by its rule", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-options-" });
  try {
    const config = path.join(dir, "etcdup.yaml");
    await Deno.writeTextFile(config, "expiry-days: 7\nroot: /from/config\nquiet: true\n");
    const options = async (argv: string[], env: Record<string, string>) =>
      parseOptions(statusFlags, (await parseCommand(statusSpec, ["--config", config, ...argv], env)).values);
    assert.deepEqual([(await options([], {}))["expiry-days"], (await options([], {})).root], [
      7,
      "/from/config",
    ]);
    assert.equal((await options([], { ETCDUP_EXPIRY_DAYS: "14" }))["expiry-days"], 14);
    assert.equal((await options(["--expiry-days", "21"], { ETCDUP_EXPIRY_DAYS: "14" }))["expiry-days"], 21);
    assert.equal((await options([], {})).quiet, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bad value is refused before the command runs: exit 2, the rule's code, named by its source", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-options-" });
  try {
    // The unit: parsing names the flag, blameSource the variable or key it came from.
    const parsed = await parseCommand(statusSpec, [], { ETCDUP_EXPIRY_DAYS: "soon" });
    const err = blameSource(errorOf(() => parseOptions(statusFlags, parsed.values)), parsed) as EtcdupError;
    assert.deepEqual([err.exit, err.code], [Exit.usage, "bad-number"]);
    assert.match(err.message, /^ETCDUP_EXPIRY_DAYS \(--expiry-days\): 'soon'/);

    // End to end: etcdup status on an empty tree would exit 7 (not installed); the bad value is refused first.
    const config = path.join(dir, "etcdup.yaml");
    await Deno.writeTextFile(config, "expiry-days: soon\n");
    const runs: [string[], Record<string, string>, RegExp][] = [
      [["--expiry-days", "soon"], {}, /^--expiry-days: 'soon'/],
      [[], { ETCDUP_EXPIRY_DAYS: "soon" }, /^ETCDUP_EXPIRY_DAYS \(--expiry-days\): 'soon'/],
      [["--config", config], {}, new RegExp(`^config key 'expiry-days' in ${config}: 'soon'`)],
    ];
    for (const [args, env, message] of runs) {
      const r = await runEtcdup(["status", "--json", "--root", dir, ...args], env);
      assert.equal(r.code, Exit.usage, r.stdout + r.stderr);
      const e = JSON.parse(r.stdout.trim().split("\n").pop()!) as { code: string; message: string };
      assert.equal(e.code, "bad-number");
      assert.match(e.message, message);
    }
    const control = await runEtcdup(["status", "--json", "--root", dir], {});
    assert.equal(control.code, Exit.precondition, control.stdout + control.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quiet: true in the config file quiets the run like --quiet (it used to be accepted, then ignored)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-quiet-" });
  const mirror = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("", { status: 404 }),
  );
  try {
    const config = path.join(dir, "etcdup.yaml");
    await Deno.writeTextFile(config, "quiet: true\n");
    const bundle = path.join(dir, "bundle");
    // download: a staging dir a dead process left is removed with an info line, then the mirror (answering
    // 404, not worth a retry) fails the run with exit 5; in quiet mode the info line is not printed, the error is.
    const run = async (args: string[]) => {
      await Deno.mkdir(path.join(bundle, ".etcdup-staging-999999999-x"), { recursive: true });
      const r = await runEtcdup([
        "download",
        "--output",
        bundle,
        "--version",
        "v3.6.6",
        "--arch",
        "amd64",
        "--mirror",
        `http://127.0.0.1:${mirror.addr.port}/`,
        ...args,
      ]);
      assert.equal(r.code, Exit.network, r.stdout + r.stderr);
      return r.stderr;
    };
    assert.match(await run([]), /removed stale staging dir/);
    const quiet = await run(["--config", config]);
    assert.doesNotMatch(quiet, /removed stale staging dir/);
    assert.match(quiet, /error:/);
  } finally {
    await mirror.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
