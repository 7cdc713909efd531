/**
 * The release workflow (.github/workflows/release.yml) cannot run here (no denort, no GitHub): this checks
 * it does what the README promises and agrees with install.sh: both arches built in one build (one
 * SHA256SUMS), the release key embedded (build.ts --signer), the whole suite run against the compiled amd64
 * binary that is published, SHA256SUMS signed in the namespace install.sh verifies, and every asset
 * published. install_sh_test.ts runs the signing and verification themselves with a throwaway key.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO } from "./etcdup_cmd.ts";

const workflow = parse(fs.readFileSync(path.join(REPO, ".github/workflows/release.yml"), "utf8"));
const steps: { name?: string; run?: string }[] = workflow.jobs.release.steps;
const script = steps.map((s) => s.run ?? "").join("\n");
const installSh = fs.readFileSync(path.join(REPO, "install.sh"), "utf8");

Deno.test("release.yml: built on a v* tag for both arches with the key embedded, tested against the amd64 binary", () => {
  assert.deepEqual(workflow.on.push.tags, ["v*"]);
  assert.match(
    script,
    /deno task build --target amd64 --target arm64 \\\n[^\n]*--signer "\$RELEASE_KEY\.pub"/,
  );
  assert.match(script, /ETCDUP_BIN="\$PWD\/dist\/etcdup-linux-amd64"[\s\S]*deno task test/);
  const order = ["Build", "suite", "Sign", "Publish"].map((w) => steps.findIndex((s) => s.name?.includes(w)));
  assert.deepEqual([...order].sort((a, b) => a - b), order, `steps in order: ${order}`);
  assert.ok(order.every((i) => i >= 0));
});

Deno.test("release.yml signs SHA256SUMS in the namespace and principal install.sh verifies, and publishes every asset", () => {
  assert.match(script, /ssh-keygen -Y sign -f "\$RELEASE_KEY" -n etcdup-release dist\/SHA256SUMS/);
  assert.match(
    installSh,
    /ssh-keygen -Y verify -f "\$1\/allowed_signers" -I etcdup-release -n etcdup-release/,
  );
  for (
    const asset of ["etcdup-linux-amd64", "etcdup-linux-arm64", "install.sh", "SHA256SUMS", "SHA256SUMS.sig"]
  ) {
    assert.match(
      script,
      new RegExp(`gh release create[\\s\\S]*dist/${asset.replaceAll(".", "\\.")}(\\s|$)`),
      asset,
    );
  }
  assert.match(script, /secrets\.ETCDUP_RELEASE_KEY|\$ETCDUP_RELEASE_KEY/);
});
