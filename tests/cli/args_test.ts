import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { parseCommand } from "../../lib/cli/args.ts";
import { installSpec } from "../../lib/cli/specs/install.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

Deno.test("flags win over env, env over the config file", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/etcdup.yaml`;
    writeFileSync(file, "version: v3.5.30\narch: arm64\nsan: [a.example, b.example]\nno-start: true\n");
    const parsed = await parseCommand(installSpec, ["--config", file, "--version", "v3.6.6"], {
      ETCDUP_ARCH: "amd64",
    });
    assert.equal(parsed.values.version, "v3.6.6");
    assert.equal(parsed.sources.version, "flag");
    assert.equal(parsed.values.arch, "amd64");
    assert.equal(parsed.sources.arch, "env");
    assert.deepEqual(parsed.values.san, ["a.example", "b.example"]);
    assert.equal(parsed.values["no-start"], true);
    assert.equal(parsed.sources["no-start"], "config");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("an unknown flag is a usage error naming it", async () => {
  await assert.rejects(parseCommand(installSpec, ["--bogus"], {}), (err: unknown) => {
    assert.ok(err instanceof EtcdupError);
    assert.equal(err.exit, Exit.usage);
    assert.match(err.message, /--bogus/);
    return true;
  });
});

Deno.test("an unknown config key and a bad env boolean are usage errors naming them", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/c.yaml`;
    writeFileSync(file, "verison: v3.6.6\n");
    await assert.rejects(parseCommand(installSpec, ["--config", file], {}), /unknown key 'verison'/);
    await assert.rejects(parseCommand(installSpec, [], { ETCDUP_NO_START: "maybe" }), /ETCDUP_NO_START/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
