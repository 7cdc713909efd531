import assert from "node:assert/strict";
import * as path from "node:path";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";
import { E2E, E2E_ONLY, suiteFiles, SUITES, testModules, testTaskWords, UNIT } from "../support/suites.ts";

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

Deno.test("test:unit and test:e2e: every test file under tests/ is in exactly one of the two suites", () => {
  const unit = suiteFiles(UNIT);
  const e2e = suiteFiles(E2E);
  const all = testModules("tests/");
  assert.deepEqual(all.filter((f) => !unit.includes(f) && !e2e.includes(f)), [], "in neither suite");
  assert.deepEqual(unit.filter((f) => e2e.includes(f)), [], "in both suites");
  for (const entry of [...UNIT, ...E2E]) {
    assert.ok(suiteFiles([entry]).every((f) => all.includes(f)) && suiteFiles([entry]).length > 0, entry);
  }
});

Deno.test("`deno task test` (what CI runs) is exactly test:unit plus test:e2e", () => {
  const words = testTaskWords();
  assert.equal(words.at(-1), "tests/", "the test task runs the whole tests/ folder");
  assert.deepEqual([...suiteFiles(UNIT), ...suiteFiles(E2E)].sort(), testModules("tests/"));
  for (const name of Object.keys(SUITES)) {
    assert.equal(
      config.tasks[`test:${name}`],
      `./node_modules/.bin/deno run --allow-read --allow-run tests/support/suites.ts ${name}`,
      `test:${name} runs the test task's command on the ${name} suite`,
    );
  }
  assert.deepEqual(Object.keys(config.tasks).filter((t) => t.startsWith("test")).sort(), [
    "test",
    "test:e2e",
    "test:unit",
  ]);
});

Deno.test("a unit test imports none of the e2e-only support modules, runs no etcdup process, enters no namespace", () => {
  const repo = new URL("../../", import.meta.url).pathname;
  for (const file of suiteFiles(UNIT)) {
    const text = Deno.readTextFileSync(repo + file);
    const imported = [...text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)]
      .map((m) => path.relative(repo, path.resolve(repo, path.dirname(file), m[1])));
    assert.deepEqual(imported.filter((i) => E2E_ONLY.some((e) => i.startsWith(e))), [], file);
    assert.doesNotMatch(text, /\brunEtcdup\(/, `${file} runs etcdup as a process`);
    assert.doesNotMatch(text, /["'](unshare|nsenter|systemd-nspawn|netns)["']/, `${file} enters a namespace`);
  }
});
