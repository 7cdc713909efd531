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

Deno.test('renderWrapper: DENO_* exported sorted, exec deno run, kept flags, permissions.ts, main, "$@"', () => {
  const text = renderWrapper({
    deno: "/opt/deno",
    flags: ["--cached-only"],
    main: "/opt/src/main.ts",
    env: { DENO_NO_PACKAGE_JSON: "1", DENO_DIR: "/opt/deno dir" },
  });
  const lines = text.split("\n");
  assert.equal(lines[0], "#!/bin/sh");
  assert.deepEqual(lines.slice(2, 4), ["export 'DENO_DIR=/opt/deno dir'", "export DENO_NO_PACKAGE_JSON=1"]);
  assert.equal(
    lines[4],
    `exec /opt/deno run --cached-only ${RUNTIME_PERMISSIONS.join(" ")} /opt/src/main.ts "$@"`,
  );
  assert.equal(text.endsWith("\n"), true);
});

Deno.test("renderWrapper: run by /bin/sh, a checkout path with newlines, quotes, $, ` and = reaches deno verbatim", async () => {
  const base = await Deno.makeTempDir({ prefix: "etcdup-wrapper-" });
  try {
    const odd = `a b'c"d$HOME\`id\`=e\ntouch ${base}/pwned\n#`;
    const dir = `${base}/${odd}`;
    await Deno.mkdir(dir, { recursive: true });
    const deno = `${dir}/deno=x`;
    await Deno.writeTextFile(
      deno,
      `#!/bin/sh\nfor a in "$DENO_DIR" "$@"; do printf '%s\\0' "$a"; done > "$ARGV_OUT"\n`,
    );
    await Deno.chmod(deno, 0o755);
    const wrapper = `${base}/etcdup`;
    const main = `${dir}/main.ts`;
    await Deno.writeTextFile(
      wrapper,
      renderWrapper({ deno, flags: [], main, env: { DENO_DIR: `${dir}/cache` } }),
    );
    const out = await new Deno.Command("/bin/sh", {
      args: [wrapper, "status", "x y"],
      env: { ARGV_OUT: `${base}/argv` },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const argv = (await Deno.readTextFile(`${base}/argv`)).split("\0").slice(0, -1);
    assert.deepEqual(argv, [`${dir}/cache`, "run", ...RUNTIME_PERMISSIONS, main, "status", "x y"]);
    await assert.rejects(Deno.stat(`${base}/pwned`), Deno.errors.NotFound, "no line of the path ran");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
