/**
 * planFromContext, the planning install and join share: under --root, a member that joined a cluster or whose
 * data dir holds etcd data keeps the initial cluster its state record holds (what join settled), so a re-run
 * rewrites nothing; a bootstrapped member without data follows the flags.
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
const VALUES = { name: "n4", "advertise-address": "10.0.0.4", version: "v3.5.30" };

/** Runs `body` on a temp root holding a state record with `recorded`'s initial cluster. */
function withRecord(
  recorded: Pick<InstallState, "initialCluster" | "initialClusterState" | "clusterToken">,
  body: (root: string) => void,
): void {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-context-" });
  try {
    writeState(
      new HostRoot(root),
      { schema: 1, name: "n4", files: {}, ...recorded } as unknown as InstallState,
    );
    body(root);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

Deno.test("planFromContext: a joined member keeps its recorded initial cluster, before and after etcd has data", () => {
  const joined = {
    initialCluster: JOINED,
    initialClusterState: "existing" as const,
    clusterToken: "etcd-0123456789abcdef",
  };
  withRecord(joined, (root) => {
    for (const withData of [false, true]) {
      if (withData) Deno.mkdirSync(path.join(root, "var/lib/etcd/member"), { recursive: true });
      const { plan, previous } = planFromContext(ctx({ root, ...VALUES }), "install");
      assert.equal(previous?.initialCluster, JOINED);
      assert.equal(plan.member.initialClusterState, "existing", `data: ${withData}`);
      assert.equal(plan.member.initialCluster, JOINED);
      assert.equal(plan.member.clusterToken, "etcd-0123456789abcdef");
    }
  });
});

Deno.test("planFromContext: a bootstrapped member follows the flags until etcd has data, then keeps its record", () => {
  const recorded = {
    initialCluster: JOINED,
    initialClusterState: "new" as const,
    clusterToken: "etcd-0123456789abcdef",
  };
  withRecord(recorded, (root) => {
    const fresh = planFromContext(ctx({ root, ...VALUES }), "install").plan.member;
    assert.equal(fresh.initialCluster, "n4=https://10.0.0.4:2380", "no data yet: planned from the flags");
    Deno.mkdirSync(path.join(root, "var/lib/etcd/member"), { recursive: true });
    const kept = planFromContext(ctx({ root, ...VALUES }), "install").plan.member;
    assert.equal(kept.initialClusterState, "new");
    assert.equal(kept.initialCluster, JOINED);
  });
});
