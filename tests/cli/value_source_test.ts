/**
 * A bad value names where it came from: `ETCDUP_CLIENT_PORT=abc` is reported as that variable, a config-file
 * key as the file and key; a flag on the command line stays the flag (exit 2, the validator's code).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";

/** The `--json` error of `install --dry-run ARGS` with `env`. */
async function installError(args: string[], env: Record<string, string> = {}) {
  const r = await runEtcdup(["install", "--dry-run", "--json", ...args], env);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { code: string; message: string };
}

Deno.test("a bad value from ETCDUP_* or a config key is reported as that variable or key, not as the flag", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-source-" });
  try {
    const fromEnv = await installError([], { ETCDUP_CLIENT_PORT: "abc" });
    assert.equal(fromEnv.code, "bad-port");
    assert.match(fromEnv.message, /^ETCDUP_CLIENT_PORT \(--client-port\): 'abc' is not a TCP port/);

    const config = path.join(dir, "etcdup.yaml");
    await Deno.writeTextFile(config, "peer-port: 70000\n");
    const fromFile = await installError(["--config", config]);
    assert.equal(fromFile.code, "bad-port");
    assert.ok(fromFile.message.startsWith(`config key 'peer-port' in ${config}: '70000'`), fromFile.message);

    const fromFlag = await installError(["--client-port", "abc"], { ETCDUP_PEER_PORT: "2380" });
    assert.match(fromFlag.message, /^--client-port: 'abc'/);

    const mixed = await installError(["--mirror", "https://m.example"], { ETCDUP_TARBALL: "/x.tar.gz" });
    assert.equal(mixed.code, "conflicting-sources");
    assert.match(mixed.message, /--mirror and ETCDUP_TARBALL \(--tarball\) cannot be used together/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
