/**
 * `join --dry-run` under `--root`, against a real one-member etcd on loopback (tests/cluster/local_cluster.ts):
 * it prints install's plan and the cluster step (the member added as a learner, the initial cluster, the
 * promotion, each with what it asks the member) and changes no byte of the tree and nothing in the cluster.
 * Without the client certificate in the tree the member list is not read, and the plan says so; with it
 * (the cluster's own admin pair placed where a join would have issued it) the list is read and the plan
 * names the members. The refusals it can know by exit status and error code: no CA, `--root` without
 * `--dry-run`, a bad endpoint; with the list read, replacing a live member and a data dir left by another
 * membership.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { Exit } from "../../lib/errors.ts";
import { startLocalCluster } from "../cluster/local_cluster.ts";
import { inTempDir } from "../release/helpers.ts";
import { assertRefused } from "../support/refusal.ts";
import { lastJson, runEtcdup, treeDigests } from "../support/root_tree.ts";

interface ClusterResult {
  memberList: { read: boolean; why?: string; members?: { name: string }[] };
  steps: { kind: string; action: string; asks?: string; reason: string }[];
  notes: string[];
}

Deno.test("join --dry-run under --root: install's plan and the cluster step, the member list read once the client certificate is there; nothing changed", async () => {
  const c = await startLocalCluster(1);
  const api = new ClusterApi(c.tls);
  try {
    const [m1] = c.members;
    await inTempDir(async (root) => {
      fs.mkdirSync(path.join(root, "etc"));
      fs.writeFileSync(path.join(root, "etc/hostname"), "node-j\n");
      const join = (...extra: string[]) => [
        "join",
        m1.clientUrl,
        "--root",
        root,
        "--ca-cert",
        c.tls.caFile,
        "--ca-key",
        c.caKey,
        "--name",
        "n9",
        "--advertise-address",
        "10.0.0.9",
        "--json",
        ...extra,
      ];
      /** Runs a dry run, checks it changed nothing, returns its cluster step. */
      const dryRun = async (...extra: string[]) => {
        const before = treeDigests(root, { inode: true });
        const r = await runEtcdup(join("--dry-run", ...extra));
        assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
        assert.deepEqual(treeDigests(root, { inode: true }), before, "no byte changed");
        const result = lastJson(r.stdout).result as {
          dryRun: boolean;
          changes: unknown[];
          cluster: ClusterResult;
        };
        assert.equal(result.dryRun, true);
        assert.ok(result.changes.length > 0, "install's list of changes");
        return { cluster: result.cluster, stdout: r.stdout };
      };
      const kinds = (cl: ClusterResult) => cl.steps.map((s) => s.kind);

      // No client certificate yet: the member list is not read, and the plan says so.
      const fresh = await dryRun();
      assert.equal(fresh.cluster.memberList.read, false);
      assert.match(
        fresh.cluster.memberList.why!,
        /client certificate \/etc\/etcd\/pki\/admin\.crt is not there yet/,
      );
      assert.deepEqual(kinds(fresh.cluster), ["add-member", "initial-cluster", "promote"]);
      assert.equal(
        fresh.cluster.steps[0].asks,
        `MemberAdd peerURLs=https://10.0.0.9:2380 isLearner=true at ${m1.clientUrl}`,
      );
      const voter = await dryRun("--no-learner");
      assert.deepEqual(kinds(voter.cluster), ["add-member", "initial-cluster"]);
      assert.deepEqual(voter.cluster.notes, ["added as a voting member (--no-learner): nothing to promote"]);
      const replace = await dryRun("--replace", "n9");
      assert.deepEqual(kinds(replace.cluster), ["remove-member", "add-member", "initial-cluster", "promote"]);

      // The cluster's admin pair where a join would have issued it: the member list is read.
      const pki = path.join(root, "etc/etcd/pki");
      fs.mkdirSync(pki, { recursive: true });
      fs.copyFileSync(c.tls.caFile, path.join(pki, "ca.crt"));
      fs.copyFileSync(c.tls.certFile, path.join(pki, "admin.crt"));
      fs.copyFileSync(c.tls.keyFile, path.join(pki, "admin.key"));
      const read = await dryRun();
      assert.equal(read.cluster.memberList.read, true);
      assert.deepEqual(read.cluster.memberList.members!.map((m) => m.name), ["m1"]);
      assert.deepEqual(kinds(read.cluster), ["add-member", "initial-cluster", "promote"]);
      const initial = read.cluster.steps[1].action;
      assert.match(initial, new RegExp(`ETCD_INITIAL_CLUSTER=.*m1=${m1.peerUrl}`));
      assert.match(initial, /n9=https:\/\/10\.0\.0\.9:2380/);
      assert.equal((await api.memberList()).members.length, 1, "no member added");

      // The refusals the run would meet, met by the dry run: exit status and error code, nothing changed.
      const refused = async (args: string[], exit: number, code: string) => {
        const before = treeDigests(root, { inode: true });
        assertRefused(await runEtcdup(args), exit, code);
        assert.deepEqual(treeDigests(root, { inode: true }), before, `${code}: no byte changed`);
      };
      await refused(join("--dry-run", "--replace", "m1"), Exit.precondition, "replace-live-member");
      fs.mkdirSync(path.join(root, "var/lib/etcd/member"), { recursive: true });
      await refused(join("--dry-run"), Exit.precondition, "stale-data-dir");
      await refused(join(), Exit.usage, "join-root-needs-dry-run");
      const noCa = [
        "join",
        m1.clientUrl,
        "--root",
        root,
        "--dry-run",
        "--json",
        "--advertise-address",
        "10.0.0.9",
      ];
      await refused(noCa, Exit.usage, "join-needs-ca");
      await refused(["join", "10.0.0.1:2379", "--root", root, "--dry-run", "--json"], Exit.usage, "bad-url");
      assert.equal((await api.memberList()).members.length, 1, "the cluster is as it was");
    }, "etcdup-join-dry-run-");
  } finally {
    await api.close();
    await c.close();
  }
});
