/**
 * The proof that `download --dry-run` shows what download then does: from a local mirror (an in-process
 * HTTPS server holding fixture tarballs), into a fresh nested directory and into one that already holds a
 * tarball of this release, another release's tarball with its SHA256SUMS line, and a dead run's staging dir:
 * the dry run changes no byte, its list of steps (`--json`: kind, path, action) equals the one the run reports,
 * and every path that changed in the tree (read independently before and after: type, owner, mode, digest,
 * inode) belongs to a step. Refusals by exit status and error code, with nothing created.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { parseSha256Sums } from "../../lib/release/source.ts";
import { serveRelease } from "./mirror_fixture.ts";
import { lastJson, runEtcdup, treeDigests } from "../support/root_tree.ts";
import { assertRefused } from "../support/refusal.ts";
import { inTempDir } from "./helpers.ts";

const V = "v9.4.0";

/** Every path under `root` with its inode and digest. */
const contents = (root: string) => treeDigests(root, { inode: true });

interface Step {
  kind: string;
  path: string;
  action?: string;
}

/** `kind path action` of each step, in order. */
const stepList = (steps: Step[]) => steps.map((s) => [s.kind, s.path, s.action].filter(Boolean).join(" "));

/** Runs `download ARGS --dry-run` then `download ARGS` in `work`; checks the three lists agree; returns the steps. */
async function dryRunThenApply(
  work: string,
  args: string[],
): Promise<{ steps: string[]; dry: Record<string, unknown> }> {
  const before = contents(work);
  const dry = await runEtcdup([...args, "--dry-run", "--json"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(contents(work), before, "the dry run changed nothing");
  const planned = lastJson(dry.stdout).result as { steps: Step[] };
  const run = await runEtcdup([...args, "--json"]);
  assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
  const done = (lastJson(run.stdout).result as { steps: Step[] }).steps;
  assert.deepEqual(stepList(done), stepList(planned.steps), "download did what the dry run said");
  const after = contents(work);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) =>
    before.get(p) !== after.get(p)
  );
  const rel = (p: string) => p.slice(work.length);
  const listed = planned.steps.map((s) => rel(s.path));
  // A made dir stands for its parents made with it; a step's path for what is under it (a staging dir's files).
  const unlisted = changed.filter((p) =>
    !listed.some((l) => p === l || p.startsWith(`${l}/`) || l.startsWith(`${p}/`))
  );
  assert.deepEqual(unlisted, [], "the tree changed only where the steps say");
  const idle = planned.steps.filter((s) => !changed.includes(rel(s.path)));
  assert.deepEqual(idle, [], "every step changed the tree");
  return { steps: stepList(planned.steps), dry: lastJson(dry.stdout).result as Record<string, unknown> };
}

Deno.test("download dry run = apply: a fresh nested dir, then a dir with a tarball, another release and a dead run's staging dir", async () => {
  await inTempDir(async (work) => {
    const src = path.join(work, "..", `${path.basename(work)}-mirror`);
    fs.mkdirSync(src);
    const { amd, arm, server } = await serveRelease(src, V);
    try {
      const bundle = path.join(work, "out", "bundle");
      const args = (...arches: string[]) => [
        "download",
        "--version",
        V.slice(1),
        "--arch",
        arches.join(","),
        "--output",
        bundle,
        "--mirror",
        server.url,
        "--mirror-ca",
        server.caFile,
      ];

      const fresh = await dryRunThenApply(work, args("amd64", "arm64"));
      assert.deepEqual(fresh.steps, [
        `create-dir ${bundle}`,
        `fetch ${bundle}/${amd.name} create`,
        `write-sums ${bundle}/SHA256SUMS create`,
        `fetch ${bundle}/${arm.name} create`,
        `write-sums ${bundle}/SHA256SUMS update`,
      ]);
      assert.deepEqual(fs.readdirSync(bundle).sort(), ["SHA256SUMS", amd.name, arm.name]);

      // Another release's tarball and line stay; a dead run's staging dir goes; amd64 is fetched again.
      const other = "etcd-v9.3.0-linux-amd64.tar.gz";
      fs.writeFileSync(path.join(bundle, other), "another release");
      const sums = fs.readFileSync(path.join(bundle, "SHA256SUMS"), "utf8");
      fs.writeFileSync(path.join(bundle, "SHA256SUMS"), `${"c".repeat(64)}  ${other}\n${sums}`);
      const stale = path.join(bundle, ".etcdup-staging-999999999-dead");
      fs.mkdirSync(stale);
      fs.writeFileSync(path.join(stale, "etcd"), "half");
      const again = await dryRunThenApply(work, args("amd64"));
      assert.deepEqual(again.steps, [
        `remove-staging ${stale}`,
        `fetch ${bundle}/${amd.name} replace`,
        `write-sums ${bundle}/SHA256SUMS update`,
      ]);
      assert.deepEqual(again.dry.kept, [`${bundle}/${arm.name}`, `${bundle}/${other}`].sort());
      assert.deepEqual(again.dry.keptSums, [arm.name, other].sort());
      assert.deepEqual(
        Object.fromEntries(parseSha256Sums(fs.readFileSync(path.join(bundle, "SHA256SUMS"), "utf8"))),
        { [amd.name]: amd.sha256, [arm.name]: arm.sha256, [other]: "c".repeat(64) },
      );
    } finally {
      await server.close();
      fs.rmSync(src, { recursive: true, force: true });
    }
  }, "etcdup-download-onediff-");
});

Deno.test("download --dry-run refusals: exit 2 with the error code, nothing created", async () => {
  await inTempDir(async (work) => {
    const out = path.join(work, "bundle");
    const base = ["download", "--dry-run", "--json", "--version", V.slice(1)];
    assertRefused(await runEtcdup(base), Exit.usage, "missing-output");
    assertRefused(
      await runEtcdup([...base, "--output", out, "--arch", "amd64,arm64", "--sha256", "a".repeat(64)]),
      Exit.usage,
      "sha256-needs-one-arch",
    );
    assertRefused(
      await runEtcdup([...base, "--output", out, "--mirror-ca", path.join(work, "nope.pem")]),
      Exit.usage,
      "mirror-ca-unreadable",
    );
    assertRefused(await runEtcdup([...base, "--output", out, "--arch", "sparc"]), Exit.usage, "bad-arch");
    assert.deepEqual(fs.readdirSync(work), [], "nothing created");
  }, "etcdup-download-refused-");
});
