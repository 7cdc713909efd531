/**
 * planFromContext, the planning install and join share: under --root, a member whose data dir holds etcd data
 * keeps the initial cluster its state record holds (what join settled), so a re-run rewrites nothing; before
 * etcd has data the flags decide.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { createOutput } from "../../lib/cli/output.ts";
import type { CommandContext, FlagValues } from "../../lib/cli/spec.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { type InstallState, writeState } from "../../lib/host/state.ts";
import { planFromContext } from "../../lib/install/context.ts";

const ctx = (values: FlagValues): CommandContext => ({
  values,
  sources: {},
  positionals: [],
  env: {},
  out: createOutput({ quiet: true, env: {} }),
});

const JOINED = "n1=https://10.0.0.1:2380,n4=https://10.0.0.4:2380";

Deno.test("planFromContext: a joined member with data keeps its recorded initial cluster", () => {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-context-" });
  try {
    const host = new HostRoot(root);
    writeState(host, {
      schema: 1,
      name: "n4",
      initialCluster: JOINED,
      initialClusterState: "existing",
      clusterToken: "etcd-0123456789abcdef",
      files: {},
    } as unknown as InstallState);
    const values = { root, name: "n4", "advertise-address": "10.0.0.4", version: "v3.5.30" };

    const fresh = planFromContext(ctx(values), "install").plan.member;
    assert.equal(fresh.initialClusterState, "new", "no data yet: planned from the flags");
    assert.equal(fresh.initialCluster, "n4=https://10.0.0.4:2380");

    Deno.mkdirSync(path.join(root, "var/lib/etcd/member"), { recursive: true });
    const { plan, previous } = planFromContext(ctx(values), "install");
    assert.equal(previous?.initialCluster, JOINED);
    assert.equal(plan.member.initialClusterState, "existing");
    assert.equal(plan.member.initialCluster, JOINED);
    assert.equal(plan.member.clusterToken, "etcd-0123456789abcdef");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
