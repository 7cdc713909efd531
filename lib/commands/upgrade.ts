/**
 * `etcdup upgrade`: checks the path against etcd's rules, gets and verifies the release the way install
 * does, then hands the effects (snapshot, swap, env, restart, verify, rollback) to
 * lib/daytwo/upgrade_with_rollback.ts.
 * In a cluster it upgrades this member only and says how to roll the others.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { upgradeFlags } from "../specs/upgrade.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { serviceManager } from "../host/systemd.ts";
import { gatherFacts } from "../host/facts.ts";
import { FIXED_PATHS, planRelease } from "../plan/build.ts";
import { installBinaries, stageInBinDir } from "../release/binaries.ts";
import { resolveVersion } from "../release/manifest.ts";
import { completionFile } from "../install/completion.ts";
import { resolveLocalRelease } from "../install/plan_install.ts";
import { recordedSource } from "../install/remembered.ts";
import { applyUpgrade } from "../daytwo/upgrade_with_rollback.ts";
import { checkUpgradePath, type UpgradeStep } from "../daytwo/upgrade_paths.ts";
import { releaseLine } from "../etcd/version.ts";
import { hostOf, requireInstalled, requireRoot } from "../daytwo/preconditions.ts";

/** How to roll the rest of a cluster, or nothing for a single member. */
function clusterAdvice(initialCluster: string, step: UpgradeStep): string {
  const members = initialCluster.split(",").filter((m) => m.trim() !== "").length;
  if (members < 2) return "";
  return `This upgraded this member only. Run 'etcdup upgrade --version ${step.to}' on each other member in turn, ` +
    `checking 'etcdup status' between members and upgrading the leader last; the cluster runs as ` +
    `v${releaseLine(step.from)} until every member runs ${step.to}.`;
}

/** Runs `etcdup upgrade`. */
export async function run(ctx: ContextOf<typeof upgradeFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const state = requireInstalled(host, "upgrade");
  const planned = planRelease({ ...options, arch: state.arch }, gatherFacts(host), resolveVersion);
  const { release } = resolveLocalRelease({ release: planned }, options.version !== undefined);
  const allowDowngrade = options["allow-downgrade"];
  const step = checkUpgradePath(state.version, release.version, { allowDowngrade });
  for (const note of step.notes) out.info(note);
  if (step.kind === "same") {
    out.result({ upgraded: false, ...step }, `etcd is already ${state.version}: nothing to upgrade`);
    return Exit.ok;
  }
  const timeoutMs = options["health-timeout"];
  if (options["dry-run"]) {
    out.result(
      { dryRun: true, ...step },
      `would upgrade etcd ${step.from} -> ${step.to} (${step.kind}): snapshot, swap binaries in ${state.binDir}, ` +
        `refresh the bash completion, re-render ${FIXED_PATHS.envFile}, restart ${state.unit}, wait for health; roll back on failure`,
    );
    return Exit.ok;
  }
  requireRoot(host, "upgrade");

  out.step(`upgrading etcd ${step.from} -> ${step.to} (${step.kind})`);
  const staged = await stageInBinDir(release, host, state.binDir, out);
  try {
    const verified = checkUpgradePath(state.version, staged.version, { allowDowngrade });
    const result = await applyUpgrade({
      host,
      state,
      svc: serviceManager(host),
      out,
      step: verified,
      release: { version: staged.version, sha256: staged.sha256, recorded: recordedSource(release) },
      installBinaries: async () => void await installBinaries(staged, host, state.binDir),
      completion: () =>
        completionFile(
          {
            release: { ...release, version: staged.version },
            paths: { binDir: state.binDir, completionFile: FIXED_PATHS.completionFile },
          },
          host,
          out,
        ),
      files: FIXED_PATHS,
      healthTimeoutMs: timeoutMs,
      now: new Date(),
    });
    const advice = clusterAdvice(state.initialCluster, verified);
    const lines = [
      `etcd ${result.from} -> ${result.to}: done. Backup (snapshot, old binaries, env file and completion): ${result.backupDir}`,
      ...(advice ? [advice] : []),
    ];
    out.result({ upgraded: true, ...result, ...(advice ? { cluster: advice } : {}) }, lines.join("\n"));
    return Exit.ok;
  } finally {
    staged.cleanup();
  }
}
