/**
 * Start-up stays light: the modules main.ts loads before a command body (everything `--help` and
 * `--version` run) are the CLI core only. The static import graph from main.ts (dynamic `import()` and
 * type-only edges cut, as at run time) must hold no npm package (x509, undici, tar-stream, yaml) and no
 * module outside main.ts, lib/errors.ts, lib/version.ts, lib/text.ts (escaping what output prints), lib/cli/,
 * lib/specs/ (the command and flag specs, pure data) and assets/. Command specs may import specs only;
 * their bodies load through `load()` (lib/cli/commands.ts).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { REPO } from "./etcdup_cmd.ts";
import { moduleGraph, staticReach } from "../support/module_graph.ts";

/**
 * From the module graph (tests/support/module_graph.ts): the specifiers `entry` loads without running a
 * dynamic import (`reached`), the targets of dynamic imports met on the way (`dynamic`), and every loadable
 * module of the whole graph, dynamic imports included, which is what `deno compile` embeds (`all`).
 */
async function staticGraph(
  entry: string,
): Promise<{ reached: Set<string>; dynamic: Set<string>; all: Set<string> }> {
  const graph = await moduleGraph(REPO, [entry]);
  return { ...staticReach(graph), all: new Set(graph.imports.keys()) };
}

Deno.test("--help and --version load no PKI, network, tar or YAML library: main.ts's static graph is the CLI core", async () => {
  const { reached, dynamic } = await staticGraph(path.join(REPO, "main.ts"));
  const root = new URL(`file://${REPO}/`).href;
  const allowed = [
    /^main\.ts$/,
    /^lib\/errors\.ts$/,
    /^lib\/version\.ts$/,
    /^lib\/text\.ts$/,
    /^lib\/cli\/[^/]+\.ts$/,
    // The flag specs are data below the flows (so command bodies can type their options from them without
    // importing the CLI), and --help renders them: they load at start-up, and import only each other.
    /^lib\/specs\/[^/]+\.ts$/,
    /^assets\//,
  ];
  const offenders = [...reached].filter((s) => {
    if (s.startsWith("node:")) return false;
    if (!s.startsWith(root)) return true; // npm:, jsr:, https: — a library in the start-up path
    return !allowed.some((re) => re.test(s.slice(root.length)));
  });
  assert.deepEqual(offenders, [], "modules loaded before any command runs");
  assert.ok(reached.has(`${root}lib/cli/commands.ts`));
  const bodies = [...dynamic].filter((s) => s.startsWith(`${root}lib/commands/`));
  assert.ok(bodies.length >= 7, `command bodies are loaded lazily: ${bodies.join(", ")}`);
});

Deno.test("the graph walk sees a static npm import and tells a dynamic one apart", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "etcdup-graph-" });
  try {
    Deno.writeTextFileSync(`${dir}/lazy.ts`, "export const x = 1;\n");
    Deno.writeTextFileSync(
      `${dir}/entry.ts`,
      'import { parse } from "npm:yaml@2.9.1";\nimport type { x } from "./lazy.ts";\n' +
        'export const f = () => import("./lazy.ts");\nexport type X = typeof x;\nexport { parse };\n',
    );
    const { reached, dynamic } = await staticGraph(`${dir}/entry.ts`);
    assert.ok([...reached].some((s) => s.startsWith("npm:")), [...reached].join(", "));
    assert.ok(
      !reached.has(`file://${dir}/lazy.ts`),
      "type-only and dynamic imports are not loaded at start-up",
    );
    assert.ok(dynamic.has(`file://${dir}/lazy.ts`));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("every asset is in main.ts's module graph, and no module reads files beside itself", async () => {
  const { all } = await staticGraph(path.join(REPO, "main.ts"));
  const root = new URL(`file://${REPO}/`).href;
  const assets = [...Deno.readDirSync(path.join(REPO, "assets"))].map((e) => `${root}assets/${e.name}`);
  assert.deepEqual(
    assets.filter((a) => !all.has(a)),
    [],
    "assets not imported anywhere: the binary would lack them",
  );
  const selfRelative = [...all].filter((s) => s.startsWith(`${root}lib/`) || s === `${root}main.ts`)
    .filter((s) => /import\.meta\.(url|dirname|filename)/.test(Deno.readTextFileSync(new URL(s))));
  assert.deepEqual(selfRelative, [], "modules locating files by their own path (use an import instead)");
});
