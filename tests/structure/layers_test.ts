/**
 * The dependency rule of lib/, enforced on the module graph Deno resolves (tests/support/module_graph.ts).
 *
 * Layers, bottom to top: core, model, host, flows, cli. A module imports only modules of its own layer or
 * of a layer below it; type-only and dynamic imports count like any other (a type is still coupling, and the
 * CLI's lazily loaded command bodies are still its imports). Core and model modules touch no host: no
 * node:fs/child_process/os/dns/http import and no `Deno.` I/O. No two folders import each other, through
 * any chain, and no files of one folder do. README.md ("Layers and the dependency rule") draws it.
 *
 * {@link PLACES} is the one table of the rule: every file under lib/ is placed by its longest matching entry,
 * and a file no entry matches fails the test, so a new folder is placed on purpose.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { REPO } from "../shipping/etcdup_cmd.ts";
import { type ModuleGraph, moduleGraph } from "../support/module_graph.ts";

/** The layers, bottom first: a module may import its own layer and those before it. */
export const LAYERS = ["core", "model", "host", "flows", "cli"] as const;
export type Layer = typeof LAYERS[number];

/**
 * Where each part of lib/ stands. A folder entry ends in "/"; a file entry overrides its folder's.
 * - core: errors and their codes, the output and command interfaces, text escaping, hashing of bytes,
 *   versions, and the data the layers share (files, host facts, care settings, the release source, the
 *   shapes and paths of etcdup's records on a host: lib/state_record.ts, which lib/host/state.ts reads and
 *   writes).
 * - model: pure data in, data out: planning, diffing, rendering (units, env files, timers), the release
 *   manifest, PKI profiles and names, and the command and flag specs (lib/specs/: flags, help text, the
 *   names of their rules and the typed options they give a command body).
 * - host: every read and write of the host: each command family's observation (lib/observe/: its reads,
 *   gathered into plain data before planning), files under a root, accounts, systemd, the network, etcd's
 *   clients, and the PKI and release steps that read or write files themselves. The host may use the model
 *   (it carries out what the model decided: timers/systemd.ts installs the units plan/timer_units.ts
 *   renders); the model never uses the host, which keeps folders that hold both (pki, release, etcd) acyclic.
 *   The type of the observed data is declared beside the code that decides from it, never in lib/observe/,
 *   in the lowest layer the types it names allow: model for install's and upgrade's, host for backup's and
 *   restore's (they name the backup store's records).
 * - flows: what commands compose: install, day-two changes, cluster membership, backup, offsite, recovery,
 *   and the command bodies.
 * - cli: argv, merging flag values (lib/plan/options.ts parses them by their specs' rules), the terminal/JSON output; on top, attaching
 *   each command body to its spec and loading it.
 */
export const PLACES: Record<string, Layer> = {
  "lib/errors.ts": "core",
  "lib/text.ts": "core",
  "lib/version.ts": "core",
  "lib/hash.ts": "core",
  "lib/output.ts": "core",
  "lib/command.ts": "core",
  "lib/facts.ts": "core",
  "lib/files.ts": "core",
  "lib/release_source.ts": "core",
  "lib/care.ts": "core",
  "lib/state_record.ts": "core",

  "lib/plan/": "model",
  "lib/specs/": "model",
  "lib/pki/": "model",
  "lib/etcd/": "model",
  "lib/release/manifest.ts": "model",
  "lib/release/source.ts": "model",
  "lib/release/file_name.ts": "model",
  "lib/release/binary_names.ts": "model",
  // download's plan (with what it decides from, as observed) and its dry run's rendering.
  "lib/release/download_plan.ts": "model",
  "lib/release/download_view.ts": "model",

  "lib/host/": "host",
  "lib/timers/": "host",
  "lib/release/": "host",
  "lib/etcd/health.ts": "host",
  "lib/etcd/diagnose.ts": "host",
  "lib/etcd/admin_client.ts": "host",
  // The PKI's reads and writes of files: observing before planning, writing the plan. Planning and
  // inspecting what was observed (certs check, status) are model.
  "lib/pki/observe.ts": "host",
  "lib/pki/write.ts": "host",
  // Each command family's reads, gathered before planning (and the state record, lib/observe/installed.ts).
  // The types of what they gather sit beside the code that decides from them (see the host layer above).
  "lib/observe/": "host",
  // The backup directory's names and records, and the data the observe step gathers for backup and
  // restore, are read there (lib/observe/backup.ts, restore.ts); retention is a pure function of times.
  "lib/backup/names.ts": "host",
  "lib/backup/store.ts": "host",
  "lib/backup/marker.ts": "host",
  "lib/backup/observed.ts": "host",
  "lib/backup/retention.ts": "model",
  // What an upgrade and an uninstall decide from, as observed (lib/observe/ fills it in).
  "lib/daytwo/upgrade_observed.ts": "model",
  "lib/daytwo/uninstall_observed.ts": "model",
  // etcd's member API client, the probes and the member changes over it are host reads and writes, so
  // recover's observation (lib/observe/recover.ts) can read the member list; URL normalizing is pure.
  "lib/cluster/api.ts": "host",
  "lib/cluster/liveness.ts": "host",
  "lib/cluster/membership.ts": "host",
  "lib/cluster/urls.ts": "model",
  // What recover decides from (it names the client's Member), and the force files it looks for.
  "lib/recovery/observed.ts": "host",
  "lib/recovery/force.ts": "host",
  // What join --dry-run decides its cluster step from (it names the client's Member).
  "lib/cluster/join_observed.ts": "host",
  // join's cluster steps as data (planned, printed, carried out), and carrying them out over the member API.
  "lib/cluster/join_steps.ts": "model",
  "lib/cluster/join_execute.ts": "host",

  // status's report and its text: pure, but it names the host's shapes (a certificate's inspection, a timer's
  // state, the cluster's table), so it stands beside them; drift is a pure comparison of core data.
  "lib/daytwo/status_report.ts": "host",
  "lib/daytwo/drift.ts": "model",
  // backup list's table from the observed snapshots.
  "lib/backup/list_view.ts": "model",
  // etcd's member API and the cluster table it gathers: the network, which status observes.
  "lib/cluster/status.ts": "host",
  // The bucket's client and what it reads (the recorded settings, etcdup's snapshot objects, age's keys):
  // the network and files, which status, backup list --remote and restore --dry-run observe (the object
  // a restore names, found as the run finds it; its record read as the run reads it).
  "lib/backup/age.ts": "host",
  "lib/offsite/credentials.ts": "host",
  "lib/offsite/location.ts": "host",
  "lib/offsite/paths.ts": "host",
  "lib/offsite/recorded.ts": "host",
  "lib/offsite/remote.ts": "host",
  "lib/offsite/remote_snapshots.ts": "host",
  "lib/offsite/restore_remote.ts": "host",
  "lib/offsite/ship.ts": "host",
  "lib/offsite/s3.ts": "host",
  "lib/offsite/sign.ts": "host",
  "lib/offsite/xml.ts": "host",

  "lib/install/": "flows",
  // install's pure part: what it decides from (as observed), the PKI planned from the observed files, the
  // diff, the state record it leaves, the settings a re-run remembers, and the dry run (planned and rendered
  // from the observed data alone). The observing, planning and applying steps around them are flows.
  "lib/install/observed.ts": "model",
  "lib/install/diff.ts": "model",
  "lib/install/record.ts": "model",
  "lib/install/remembered.ts": "model",
  "lib/install/view.ts": "model",
  "lib/install/dry_run_print.ts": "model",
  "lib/install/disk_skip.ts": "model",
  "lib/install/pki.ts": "model",
  "lib/install/dry_run.ts": "model",

  "lib/daytwo/": "flows",
  "lib/cluster/": "flows",
  "lib/backup/": "flows",
  "lib/offsite/": "flows",
  "lib/recovery/": "flows",
  "lib/monitor/": "flows",
  "lib/commands/": "flows",

  "lib/cli/": "cli",
};

/**
 * Node built-ins that reach the host; core and model import none of them. (node:net is not one: the model
 * validates addresses with its isIP family; sockets are opened through Deno, which the source check catches.)
 */
const HOST_BUILTINS = /^node:(fs|fs\/promises|child_process|os|dns|http|https|tls|dgram|process)$/;
/** `Deno.` I/O in source text (Deno.errors, the error classes, and Deno.build, the runtime's constants, are none). */
const DENO_IO = /\bDeno\.(?!errors\b|build\b)[a-zA-Z]+/;

/** The layer of a file of lib/ (relative path), or undefined when no entry of `places` matches. */
export function layerOf(file: string, places: Record<string, Layer> = PLACES): Layer | undefined {
  const match = Object.keys(places).filter((p) => p.endsWith("/") ? file.startsWith(p) : file === p)
    .sort((a, b) => b.length - a.length)[0];
  return match === undefined ? undefined : places[match];
}

/** A file's folder: `lib/pki/ca.ts` -> `lib/pki`, `lib/errors.ts` -> `lib`. */
function folderOf(file: string): string {
  return path.posix.dirname(file);
}

/** The graph restricted to files under lib/, as relative paths: file -> the lib files it imports. */
export function libEdges(graph: ModuleGraph, root: string): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  const rel = (s: string) => s.startsWith(root) ? s.slice(root.length) : undefined;
  for (const [spec, deps] of graph.imports) {
    const from = rel(spec);
    if (from === undefined || !from.startsWith("lib/") || !from.endsWith(".ts")) continue;
    const to = new Set<string>();
    for (const d of deps) {
      const t = rel(d.target);
      if (t?.startsWith("lib/") && t !== from) to.add(t);
    }
    edges.set(from, to);
  }
  return edges;
}

/** Every import that runs up the layers: `from -> to (fromLayer -> toLayer)`. */
export function upwardImports(edges: Map<string, Set<string>>, places = PLACES): string[] {
  const out: string[] = [];
  for (const [from, tos] of edges) {
    const a = layerOf(from, places);
    for (const to of tos) {
      const b = layerOf(to, places);
      if (a && b && LAYERS.indexOf(b) > LAYERS.indexOf(a)) out.push(`${from} -> ${to} (${a} -> ${b})`);
    }
  }
  return out.sort();
}

/** The strongly connected components of more than one node (Tarjan), each sorted. */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Folder cycles, each with the file imports that tie it: `lib/a -> lib/b: lib/a/x.ts -> lib/b/y.ts`. */
export function folderCycles(edges: Map<string, Set<string>>): string[] {
  const folders = new Map<string, Set<string>>();
  for (const [from, tos] of edges) {
    for (const to of tos) {
      if (folderOf(from) === folderOf(to)) continue;
      if (!folders.has(folderOf(from))) folders.set(folderOf(from), new Set());
      folders.get(folderOf(from))!.add(folderOf(to));
    }
  }
  return cycles(folders).map((component) => {
    const ties = [...edges].flatMap(([from, tos]) =>
      [...tos].filter((to) =>
        folderOf(from) !== folderOf(to) && component.includes(folderOf(from)) &&
        component.includes(folderOf(to))
      ).map((to) => `    ${from} -> ${to}`)
    );
    return `${component.join(" <-> ")}\n${ties.sort().join("\n")}`;
  });
}

/** File cycles inside one folder, each as its files. */
export function fileCycles(edges: Map<string, Set<string>>): string[][] {
  const inside = new Map<string, Set<string>>();
  for (const [from, tos] of edges) {
    inside.set(from, new Set([...tos].filter((to) => folderOf(to) === folderOf(from))));
  }
  return cycles(inside);
}

const root = `file://${REPO}/`;
const libFiles = [...walk(path.join(REPO, "lib"))].map((f) => path.relative(REPO, f)).sort();
let graphPromise: Promise<ModuleGraph> | undefined;
/** The module graph of every file under lib/ (one `deno info` for all tests here). */
function graph(): Promise<ModuleGraph> {
  graphPromise ??= moduleGraph(REPO, libFiles);
  return graphPromise;
}
/** Its lib/ part: file -> the lib files it imports. */
async function libGraph(): Promise<Map<string, Set<string>>> {
  return libEdges(await graph(), root);
}

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = path.join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

Deno.test("every file of lib/ has a place in the layer table", () => {
  assert.ok(libFiles.length > 100, `lib/ files found: ${libFiles.length}`);
  assert.deepEqual(libFiles.filter((f) => layerOf(f) === undefined), [], "files PLACES does not place");
  const stale = Object.keys(PLACES).filter((p) =>
    !libFiles.some((f) => p.endsWith("/") ? f.startsWith(p) : f === p)
  );
  assert.deepEqual(stale, [], "entries of PLACES that place no file");
});

Deno.test("imports run down the layers only: core <- model <- host <- flows <- cli", async () => {
  const edges = await libGraph();
  assert.ok(edges.size === libFiles.length, `graph holds ${edges.size} of ${libFiles.length} lib files`);
  assert.deepEqual(upwardImports(edges), [], "imports that run up the layers");
});

Deno.test("core and model modules touch no host: no I/O built-in, no Deno I/O", async () => {
  const { imports } = await graph();
  const pure = libFiles.filter((f) => layerOf(f) === "core" || layerOf(f) === "model");
  const offenders = pure.flatMap((f) => {
    const deps = imports.get(`${root}${f}`) ?? [];
    const builtins = deps.map((d) => d.target).filter((t) => HOST_BUILTINS.test(t));
    const denoIo = Deno.readTextFileSync(path.join(REPO, f)).split("\n").filter((l) =>
      DENO_IO.test(l) && !/^\s*(\*|\/\/)/.test(l)
    ).map((l) => l.trim());
    return [...builtins, ...denoIo].map((what) => `${f} (${layerOf(f)}): ${what}`);
  });
  assert.deepEqual(offenders, [], "host access in core or model modules");
});

Deno.test("no cycle between folders of lib/", async () => {
  assert.deepEqual(folderCycles(await libGraph()), [], "folders that import each other");
});

Deno.test("no cycle between the files of one folder", async () => {
  assert.deepEqual(fileCycles(await libGraph()), [], "files of one folder that import each other");
});

Deno.test("the checks name what breaks the rule", () => {
  const places: Record<string, Layer> = { "lib/a/": "model", "lib/b/": "host", "lib/b/pure.ts": "model" };
  const edges = new Map([
    ["lib/a/x.ts", new Set(["lib/b/y.ts", "lib/b/pure.ts"])],
    ["lib/b/y.ts", new Set(["lib/a/x.ts", "lib/b/z.ts"])],
    ["lib/b/z.ts", new Set(["lib/b/y.ts"])],
  ]);
  assert.equal(layerOf("lib/b/pure.ts", places), "model");
  assert.equal(layerOf("lib/c/w.ts", places), undefined);
  assert.deepEqual(upwardImports(edges, places), ["lib/a/x.ts -> lib/b/y.ts (model -> host)"]);
  assert.deepEqual(folderCycles(edges), [
    "lib/a <-> lib/b\n    lib/a/x.ts -> lib/b/pure.ts\n    lib/a/x.ts -> lib/b/y.ts\n    lib/b/y.ts -> lib/a/x.ts",
  ]);
  assert.deepEqual(fileCycles(edges), [["lib/b/y.ts", "lib/b/z.ts"]]);
});
