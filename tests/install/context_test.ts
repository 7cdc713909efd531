/**
 * planFromContext, the planning install and join share: under --root, a member that joined a cluster or whose
 * data dir holds etcd data keeps the initial cluster its state record holds (what join settled), so a re-run
 * rewrites nothing; a bootstrapped member without data follows the flags. A version other than the recorded
 * one is refused (exit 7) with the exact `etcdup upgrade` command, for install, join and --dry-run alike.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { createOutput } from "../../lib/cli/output.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import type { CommandContext, FlagValues } from "../../lib/command.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { writeState } from "../../lib/host/state.ts";
import type { InstallState } from "../../lib/state_record.ts";
import { planFromContext } from "../../lib/install/plan_install.ts";
import { upgradeCommand } from "../../lib/install/refusals.ts";
import { installOptions } from "../support/install_options.ts";

const ctx = (values: FlagValues): CommandContext => ({
  values,
  sources: {},
  positionals: [],
  env: {},
  out: createOutput({ quiet: true, env: {} }),
});

const JOINED = "n1=https://10.0.0.1:2380,n4=https://10.0.0.4:2380";
const VALUES = { name: "n4", "advertise-address": "10.0.0.4", version: "v3.5.30" };

/** Runs `body` on a temp root holding a state record of etcd v3.5.30 with `recorded`'s fields. */
function withRecord(
  recorded: Partial<InstallState>,
  body: (root: string) => void,
): void {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-context-" });
  try {
    writeState(
      new HostRoot(root),
      { schema: 1, name: "n4", version: "v3.5.30", files: {}, ...recorded } as unknown as InstallState,
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

const BOOTSTRAPPED = { initialCluster: "n4=https://10.0.0.4:2380", initialClusterState: "new" as const };

/** The EtcdupError planFromContext throws for `values` (with `--root root`). */
function refusal(root: string, values: FlagValues, command: "install" | "join" = "install"): EtcdupError {
  try {
    planFromContext(ctx({ root, ...values }), command);
  } catch (err) {
    if (err instanceof EtcdupError) return err;
    throw err;
  }
  assert.fail(`planFromContext accepted ${JSON.stringify(values)}`);
}

Deno.test("planFromContext: another version than the recorded one is refused with the upgrade command", () => {
  withRecord(BOOTSTRAPPED, (root) => {
    const err = refusal(root, { ...VALUES, version: "3.5.31", sha256: "ab".repeat(32) });
    assert.equal(err.code, "version-change-needs-upgrade");
    assert.equal(err.exit, Exit.precondition);
    assert.match(err.message, /etcd v3\.5\.30 is installed here .*does not switch it to v3\.5\.31/);
    assert.ok(
      (err.hint ?? "").includes(
        `'etcdup upgrade --version v3.5.31 --sha256 ${"ab".repeat(32)} --root ${root}'`,
      ),
      String(err.hint),
    );
    assert.match(err.hint ?? "", /To keep v3\.5\.30, give install that release \(--version v3\.5\.30/);

    const tarball = path.join(root, "etcd-v3.4.23-linux-amd64.tar.gz");
    Deno.writeTextFileSync(tarball, "");
    const down = refusal(root, { ...VALUES, version: undefined, tarball, "dry-run": true }, "join");
    assert.match(down.message, /etcdup join does not switch it to v3\.4\.23/);
    assert.ok(
      (down.hint ?? "").includes(
        `'etcdup upgrade --version v3.4.23 --tarball ${tarball} --root ${root} --allow-downgrade'`,
      ),
      String(down.hint),
    );
  });
});

Deno.test("planFromContext: the recorded version, or no record, plans as before", () => {
  withRecord(BOOTSTRAPPED, (root) => {
    assert.equal(planFromContext(ctx({ root, ...VALUES }), "install").plan.release.version, "v3.5.30");
    Deno.removeSync(path.join(root, "var/lib/etcdup/state.json"));
    const { plan, previous } = planFromContext(ctx({ root, ...VALUES, version: "v3.4.23" }), "install");
    assert.equal(previous, undefined);
    assert.equal(plan.release.version, "v3.4.23");
  });
});

Deno.test("planFromContext: without --version a re-run keeps the recorded version, not etcdup's default", () => {
  withRecord({ ...BOOTSTRAPPED, version: "v3.5.16" }, (root) => {
    const { version: _asked, ...unversioned } = VALUES;
    assert.equal(planFromContext(ctx({ root, ...unversioned }), "install").plan.release.version, "v3.5.16");
    assert.equal(
      refusal(root, { ...unversioned, version: "latest" }).code,
      "version-change-needs-upgrade",
      "an explicit --version that differs is still refused",
    );
  });
});

Deno.test("upgradeCommand: release flags and --root kept, --allow-downgrade for an older version, quoted", () => {
  assert.equal(
    upgradeCommand(
      installOptions({ mirror: "https://m.example/etcd", "mirror-ca": "/ca b.pem", name: "x" }),
      "v3.5.30",
      "v3.6.6",
    ),
    "etcdup upgrade --version v3.6.6 --mirror https://m.example/etcd --mirror-ca '/ca b.pem'",
  );
  assert.equal(
    upgradeCommand(installOptions({ bundle: "/srv/bundle", root: "/mnt/vm" }), "v3.5.30", "v3.5.29"),
    "etcdup upgrade --version v3.5.29 --bundle /srv/bundle --root /mnt/vm --allow-downgrade",
  );
});

Deno.test("planFromContext: a --tarball that is not a readable file is a usage error before anything is written", () => {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-context-" });
  try {
    for (const tarball of [path.join(root, "missing.tar.gz"), root]) {
      for (const dryRun of [false, true]) {
        const err = refusal(root, { ...VALUES, tarball, "dry-run": dryRun });
        assert.equal(err.code, "tarball-unreadable");
        assert.equal(err.exit, Exit.usage);
        assert.ok(err.message.startsWith(`--tarball ${tarball}: `), err.message);
      }
    }
    assert.deepEqual([...Deno.readDirSync(root)], [], "nothing written under --root");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("planFromContext: an unreadable or non-PEM --mirror-ca is a usage error while planning", () => {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-context-" });
  try {
    const notPem = path.join(root, "ca.txt");
    Deno.writeTextFileSync(notPem, "not a certificate\n");
    const missing = refusal(root, {
      ...VALUES,
      "mirror-ca": path.join(root, "missing.pem"),
      "dry-run": true,
    });
    assert.equal(missing.code, "mirror-ca-unreadable");
    assert.equal(missing.exit, Exit.usage);
    assert.equal(refusal(root, { ...VALUES, "mirror-ca": notPem }).code, "mirror-ca-invalid");
    assert.deepEqual(
      [...Deno.readDirSync(root)].map((e) => e.name),
      ["ca.txt"],
      "nothing written under --root",
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
