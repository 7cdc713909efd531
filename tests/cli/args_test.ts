import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { parseCommand } from "../../lib/cli/args.ts";
import { installSpec } from "../../lib/specs/install.ts";
import { restoreSpec } from "../../lib/specs/backup.ts";
import { uninstallSpec } from "../../lib/specs/uninstall.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { rejectsWith } from "../release/helpers.ts";

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
    assert.equal(err.code, "unknown-flag");
    assert.match(err.message, /--bogus/);
    return true;
  });
});

Deno.test("an unknown config key and a bad env boolean are usage errors naming them", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/c.yaml`;
    writeFileSync(file, "verison: v3.6.6\n");
    const key = await rejectsWith(
      parseCommand(installSpec, ["--config", file], {}),
      "config-unknown-key",
      Exit.usage,
    );
    assert.match(key.message, /unknown key 'verison'/);
    const bool = await rejectsWith(
      parseCommand(installSpec, [], { ETCDUP_NO_START: "maybe" }),
      "bad-boolean",
      Exit.usage,
    );
    assert.match(bool.message, /ETCDUP_NO_START/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("config keys named like Object.prototype members are unknown keys, not silently accepted", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (
      const key of ["constructor", "toString", "hasOwnProperty", "valueOf", "__proto__", "isPrototypeOf"]
    ) {
      const file = `${dir}/${key}.yaml`;
      writeFileSync(file, `${key}: x\n`);
      await assert.rejects(parseCommand(installSpec, ["--config", file], {}), (err: unknown) => {
        assert.ok(err instanceof EtcdupError, String(err));
        assert.equal(err.exit, Exit.usage);
        assert.equal(err.code, "config-unknown-key");
        assert.match(err.message, new RegExp(`unknown key '${key}'`));
        return true;
      });
      const json = `${dir}/${key}.json`;
      writeFileSync(json, `{"${key}": {"version": "v3.5.30"}}`);
      const inJson = await rejectsWith(
        parseCommand(installSpec, ["--config", json], {}),
        "config-unknown-key",
        Exit.usage,
      );
      assert.match(inJson.message, /unknown key/);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("only own environment entries count: an inherited ETCDUP_* property is not a value", async () => {
  const env = Object.create({ ETCDUP_VERSION: "v3.4.23" }) as Record<string, string | undefined>;
  env.ETCDUP_ARCH = "arm64";
  const parsed = await parseCommand(installSpec, [], env);
  assert.equal(parsed.values.version, undefined);
  assert.equal(parsed.values.arch, "arm64");
});

Deno.test("restore --force (splits a member off a live cluster) is flag-only: ETCDUP_FORCE and a config key do not force", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const fromEnv = await parseCommand(restoreSpec, ["/snap.db"], { ETCDUP_FORCE: "1" });
    assert.equal(fromEnv.values.force, undefined, "an exported ETCDUP_FORCE does not override the guard");
    const file = `${dir}/etcdup.yaml`;
    writeFileSync(file, "force: true\n");
    await assert.rejects(parseCommand(restoreSpec, ["--config", file, "/snap.db"], {}), (err: unknown) => {
      assert.ok(err instanceof EtcdupError);
      assert.equal(err.exit, Exit.usage);
      assert.equal(err.code, "config-unknown-key");
      return true;
    });
    assert.equal((await parseCommand(restoreSpec, ["--force", "/snap.db"], {})).values.force, true);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("uninstall --purge and --purge-backups (delete data) are flag-only: neither ETCDUP_* nor a config key purges", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const env = { ETCDUP_PURGE: "1", ETCDUP_PURGE_BACKUPS: "1" };
    const fromEnv = await parseCommand(uninstallSpec, [], env);
    assert.equal(fromEnv.values.purge, undefined, "an exported ETCDUP_PURGE does not purge");
    assert.equal(fromEnv.values["purge-backups"], undefined, "nor ETCDUP_PURGE_BACKUPS");
    for (const key of ["purge", "purge-backups"]) {
      const file = `${dir}/${key}.yaml`;
      writeFileSync(file, `${key}: true\n`);
      await assert.rejects(parseCommand(uninstallSpec, ["--config", file], {}), (err: unknown) => {
        assert.ok(err instanceof EtcdupError);
        assert.equal(err.exit, Exit.usage);
        assert.equal(err.code, "config-unknown-key");
        return true;
      });
    }
    const given = await parseCommand(uninstallSpec, ["--purge", "--purge-backups"], {});
    assert.deepEqual([given.values.purge, given.values["purge-backups"]], [true, true]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
