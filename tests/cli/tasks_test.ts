import assert from "node:assert/strict";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";

const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));

Deno.test("`deno task etcdup` runs main.ts with exactly the compiled binary's permissions", () => {
  const words = (config.tasks.etcdup as string).split(/\s+/);
  assert.equal(words.at(-1), "main.ts");
  assert.deepEqual(words.filter((w) => w.startsWith("--")), [...RUNTIME_PERMISSIONS]);
});

Deno.test("every task runs the pinned deno from node_modules, not the npm launcher", () => {
  // With package.json present, `deno task` resolves a bare `deno` to npm:deno's bin.cjs, which fails.
  for (const [name, cmd] of Object.entries(config.tasks as Record<string, string>)) {
    assert.match(cmd, /^\.\/node_modules\/\.bin\/deno /, `task ${name}`);
  }
});
