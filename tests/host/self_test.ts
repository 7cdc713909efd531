/** The wrapper a source run of etcdup places at /usr/local/bin/etcdup: pure rendering and flag keeping. */
import assert from "node:assert/strict";
import { keptFlags, renderWrapper } from "../../lib/host/self.ts";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";

Deno.test("keptFlags: only module-resolution flags before the main module, whatever spelling of its path", () => {
  const main = "/src/etcdup/main.ts";
  assert.deepEqual(
    keptFlags(
      ["deno", "run", "-A", "--cached-only", "--no-lock", "main.ts", "--no-lock"],
      main,
      "/src/etcdup",
    ),
    ["--cached-only", "--no-lock"],
    "argv after the main module is etcdup's own",
  );
  assert.deepEqual(
    keptFlags(["/x/deno", "run", "--allow-read", "--config=/src/etcdup/deno.json", main], main, "/"),
    ["--config=/src/etcdup/deno.json"],
  );
  assert.deepEqual(keptFlags(["deno", "test", "-A", "tests/x_test.ts"], main, "/src/etcdup"), []);
});

Deno.test('renderWrapper: exec env with DENO_* sorted, deno run, kept flags, permissions.ts, main, "$@"', () => {
  const text = renderWrapper({
    deno: "/opt/deno",
    flags: ["--cached-only"],
    main: "/opt/src/main.ts",
    env: { DENO_NO_PACKAGE_JSON: "1", DENO_DIR: "/opt/deno dir" },
  });
  const lines = text.split("\n");
  assert.equal(lines[0], "#!/bin/sh");
  assert.equal(
    lines[2],
    `exec env 'DENO_DIR=/opt/deno dir' DENO_NO_PACKAGE_JSON=1 /opt/deno run --cached-only ` +
      `${RUNTIME_PERMISSIONS.join(" ")} /opt/src/main.ts "$@"`,
  );
  assert.equal(text.endsWith("\n"), true);
});
