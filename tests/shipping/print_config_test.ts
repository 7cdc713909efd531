import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { parse } from "yaml";
import { parseCommand } from "../../lib/cli/args.ts";
import { createOutput } from "../../lib/cli/output.ts";
import { configEntries, printConfig, yamlScalar } from "../../lib/cli/print_config.ts";
import { installSpec } from "../../lib/specs/install.ts";
import { Exit } from "../../lib/errors.ts";

/** Runs printConfig for install with argv/env and returns what it wrote to stdout. */
async function printed(argv: string[], env: Record<string, string>, json = false): Promise<string> {
  const parsed = await parseCommand(installSpec, argv, env);
  let stdout = "";
  const out = createOutput({
    json,
    env: {},
    isTty: false,
    write: { stdout: (s) => stdout += s, stderr: () => {} },
  });
  assert.equal(printConfig(installSpec, { ...parsed, env, out }), Exit.ok);
  return stdout;
}

Deno.test("print-config names each value's source and reads back through --config unchanged", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/etcdup.yaml`;
    writeFileSync(
      file,
      "version: v3.5.30\narch: arm64\nsan: [a.example, 10.0.0.5]\nno-start: true\ncert-days: 90\n",
    );
    const text = await printed(["--config", file, "--version", "v3.6.6", "--name", "yes"], {
      ETCDUP_ARCH: "amd64",
      ETCDUP_MIRROR: "https://mirror.example/etcd/{version}",
    });
    assert.match(text, /^version: v3\.6\.6 +# from --version$/m);
    assert.match(text, /^arch: amd64 +# from ETCDUP_ARCH$/m);
    assert.match(text, new RegExp(`^san: \\["a.example", "10.0.0.5"\\] +# from ${file}$`, "m"));
    assert.match(text, /^name: "yes" +# from --name$/m, "a YAML boolean word stays a string");
    assert.match(text, /^cert-days: "90" +# from /m, "a number-like string stays a string");
    assert.match(text, /^# data-dir: \(default: \/var\/lib\/etcd\)$/m);
    assert.doesNotMatch(
      text,
      /^(json|help|config|print-config|dry-run):/m,
      "flag-only keys are not config keys",
    );

    const round = `${dir}/round.yaml`;
    writeFileSync(round, text);
    const again = await parseCommand(installSpec, ["--config", round], {});
    const first = await parseCommand(
      installSpec,
      ["--config", file, "--version", "v3.6.6", "--name", "yes"],
      {
        ETCDUP_ARCH: "amd64",
        ETCDUP_MIRROR: "https://mirror.example/etcd/{version}",
      },
    );
    const { config: _c, ...want } = first.values;
    const { config: _r, ...got } = again.values;
    assert.deepEqual(got, want);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("print-config with --json gives value, source and default per key", async () => {
  const line = await printed(["--tarball", "/srv/etcd.tar.gz"], { ETCDUP_NO_START: "1" }, true);
  const event = JSON.parse(line);
  assert.equal(event.event, "result");
  assert.equal(event.result.command, "install");
  assert.deepEqual(event.result.config.tarball, {
    value: "/srv/etcd.tar.gz",
    source: "flag",
    from: "--tarball",
    default: null,
  });
  assert.deepEqual(event.result.config["no-start"], {
    value: true,
    source: "env",
    from: "ETCDUP_NO_START",
    default: "false",
  });
  assert.equal(event.result.config["pki-dir"].source, "default");
  assert.equal(event.result.config["pki-dir"].default, "/etc/etcd/pki");
});

Deno.test("yamlScalar quotes exactly what YAML would not read back as the same string", () => {
  for (
    const s of [
      "v3.6.6",
      "3.10",
      "on",
      "No",
      "a: b",
      "#x",
      "",
      " lead",
      "https://h:2379/x",
      "null",
      "~",
      "1e3",
    ]
  ) {
    assert.equal(parse(`k: ${yamlScalar(s)}`).k, s, `round trip of ${JSON.stringify(s)}`);
  }
  assert.equal(yamlScalar("/var/lib/etcd"), "/var/lib/etcd");
  assert.equal(
    configEntries(installSpec, { values: {}, sources: {} }).every((e) => e.source === "default"),
    true,
  );
});
