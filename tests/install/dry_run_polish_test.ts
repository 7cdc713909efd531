/**
 * Polish of what install says, under --root with a real release tarball: `--dry-run` speaks in the future
 * tense and lists only what the run will do (no past-tense PKI notes, no `systemctl enable` and no completion
 * to generate on an unchanged host, state.json included); the step log is in the past tense; a re-run names
 * each certificate it keeps; a --root run that fails early prints no "--root" notice.
 */
import assert from "node:assert/strict";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { etcdupMain, rootInstall } from "../support/root_install.ts";
import { assertRefused } from "../support/refusal.ts";

const etcdup = (args: string[]) => etcdupMain(args);

Deno.test("dry run in the future tense, only what the run will do; past-tense step log; each kept certificate named", async () => {
  const fx = await etcdFixture("sid");
  const root = await Deno.makeTempDir({ prefix: "etcdup-polish-" });
  try {
    const args = rootInstall(root, fx);
    const fresh = await etcdup([...args, "--dry-run"]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /^Dry run: nothing is written now\. The run will install/);
    assert.match(fresh.stdout, /^ {2}will issue CA /m);
    assert.doesNotMatch(fresh.stdout, /^ {2}(issued|kept valid) /m, "no past-tense notes");
    assert.match(fresh.stdout, /create +0600 root:root +\/var\/lib\/etcdup\/state\.json/);

    const wrongSum = ["install", "--root", root, "--tarball", fx.tarball, "--sha256", "0".repeat(64)];
    const failed = await etcdup(wrongSum);
    assert.equal(failed.code, 3, failed.stderr);
    assert.doesNotMatch(failed.stderr, /--root .*not started|enabled inside the tree/, "no --root notice");
    assertRefused(await etcdup([...wrongSum, "--json"]), 3, "checksum-mismatch");

    const first = await etcdup(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^==> created \/etc\/default\/etcd$/m);
    assert.doesNotMatch(first.stderr, /^==> (create|update) /m, "one tense in the step log");
    assert.match(first.stderr, new RegExp(`enabled, not started \\(--root ${root}\\)`));

    const unchanged = await etcdup([...args, "--dry-run"]);
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.doesNotMatch(unchanged.stdout, /systemctl .*enable/, "already enabled");
    assert.doesNotMatch(
      unchanged.stdout,
      /generate .*completions/,
      "the completion is compared, not regenerated",
    );
    assert.doesNotMatch(unchanged.stdout, /^Notes:/m, "nothing to note");
    assert.match(unchanged.stdout, /keep +0600 root:root +\/var\/lib\/etcdup\/state\.json/);
    const acted = unchanged.stdout.split("\n").filter((l) =>
      /^ {2}(create|update|install|replace|generate) /.test(l)
    );
    assert.deepEqual(acted, [], "an unchanged host: nothing to do");

    const again = await etcdup(args);
    assert.equal(again.code, 0, again.stderr);
    for (const role of ["server", "peer", "admin"]) {
      assert.match(again.stderr, new RegExp(`PKI: kept ${role} certificate /etc/etcd/pki/${role}\\.crt`));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
