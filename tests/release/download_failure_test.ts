/**
 * `etcdup download` that cannot fetch: the hint suggests what download can do (a reachable mirror, a
 * connected machine), never `--tarball`/`--bundle` which it does not take, and the output directory it
 * created is gone again (exit 5, the network error's code).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";

Deno.test("download against a mirror without the release: exit 5, no --tarball/--bundle hint, no empty output dir", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-download-fail-" });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("no", { status: 404 }),
  );
  try {
    const output = path.join(dir, "bundle", "new");
    const r = await runEtcdup([
      "download",
      "--output",
      output,
      "--mirror",
      `http://127.0.0.1:${server.addr.port}/etcd`,
      "--version",
      "v3.5.30",
      "--json",
    ]);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    const err = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(err.code, "release-not-found");
    assert.doesNotMatch(err.hint, /--tarball|--bundle/);
    assert.match(err.hint, /etcdup download' needs the mirror/);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no empty output dir (nor its new parent) left");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
