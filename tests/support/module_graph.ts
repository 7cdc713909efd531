/**
 * The module graph as Deno resolves it (`deno info --json`), for the tests that hold the code's structure to
 * a rule: start-up stays light (tests/shipping/startup_test.ts), layers import downwards only
 * (tests/structure/layers_test.ts). Every import is kept with how it binds, so each test decides which kinds
 * count: a dynamic `import()` loads only when run, a type-only import is erased at run time.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

/** One import of a module. */
export interface ModuleImport {
  /** Resolved specifier (file://..., npm:..., node:...). */
  target: string;
  /** `import()`: loaded when the code runs, not with the module. */
  dynamic: boolean;
  /** `import type` (or a specifier resolved for types only): erased at run time. */
  typeOnly: boolean;
}

/** The graph: each loadable module's specifier -> its imports; `roots` are the entries. */
export interface ModuleGraph {
  roots: string[];
  imports: Map<string, ModuleImport[]>;
}

interface InfoDep {
  specifier: string;
  isDynamic?: boolean;
  code?: { specifier?: string };
  type?: { specifier?: string };
}
interface InfoModule {
  specifier: string;
  dependencies?: InfoDep[];
  error?: string;
}

/**
 * Runs `deno info --json` on `entries` (one module each; several are joined by a temporary entry module that
 * imports them all) with the repository `repo`'s configuration (import map), and returns the whole graph.
 */
export async function moduleGraph(repo: string, entries: string[]): Promise<ModuleGraph> {
  let entry = entries[0];
  let tmp: string | undefined;
  if (entries.length !== 1) {
    tmp = Deno.makeTempDirSync({ prefix: "etcdup-graph-" });
    entry = path.join(tmp, "entries.ts");
    const urls = entries.map((e) => pathToFileURL(path.resolve(repo, e)).href);
    Deno.writeTextFileSync(entry, urls.map((u) => `import ${JSON.stringify(u)};\n`).join(""));
  }
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", path.join(repo, "deno.json"), entry],
      cwd: repo,
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout));
    const redirects: Record<string, string> = info.redirects ?? {};
    const resolve = (s: string) => redirects[s] ?? s;
    const imports = new Map<string, ModuleImport[]>();
    for (const m of info.modules as InfoModule[]) {
      if (m.error) continue;
      const deps: ModuleImport[] = [];
      for (const dep of m.dependencies ?? []) {
        const code = dep.code?.specifier;
        const type = dep.type?.specifier;
        const dynamic = dep.isDynamic === true;
        if (code) deps.push({ target: resolve(code), dynamic, typeOnly: false });
        else if (type) deps.push({ target: resolve(type), dynamic, typeOnly: true });
      }
      imports.set(m.specifier, deps);
    }
    const roots = (info.roots as string[]).map(resolve);
    if (tmp === undefined) return { roots, imports };
    // The temporary entry is no module of the project: its imports are the roots.
    const joined = imports.get(roots[0]) ?? [];
    imports.delete(roots[0]);
    return { roots: joined.map((d) => d.target), imports };
  } finally {
    if (tmp !== undefined) Deno.removeSync(tmp, { recursive: true });
  }
}

/**
 * What `roots` load without running a dynamic import and without type-only edges, i.e. at start-up
 * (`reached`); the targets of dynamic imports met on the way (`dynamic`).
 */
export function staticReach(graph: ModuleGraph): { reached: Set<string>; dynamic: Set<string> } {
  const reached = new Set<string>();
  const dynamic = new Set<string>();
  const queue = [...graph.roots];
  while (queue.length > 0) {
    const spec = queue.pop()!;
    if (reached.has(spec)) continue;
    reached.add(spec);
    for (const dep of graph.imports.get(spec) ?? []) {
      if (dep.typeOnly) continue; // erased at run time
      if (dep.dynamic) dynamic.add(dep.target);
      else queue.push(dep.target);
    }
  }
  return { reached, dynamic };
}
