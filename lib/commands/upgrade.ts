/**
 * `etcdup upgrade`: observe the host and the release (lib/observe/upgrade.ts), decide the path and every
 * change (lib/daytwo/upgrade_diff.ts), then print that diff (`--dry-run`) or get and verify the release the
 * way install does and execute exactly it, verify and roll back on failure
 * (lib/daytwo/upgrade_with_rollback.ts). In a cluster it upgrades this member only and says how to roll the
 * others.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { upgradeFlags } from "../specs/upgrade.ts";
import { Exit, type ExitCode } from "../errors.ts";
import type { Output } from "../output.ts";
import { serviceManager } from "../host/systemd.ts";
import { FIXED_PATHS } from "../plan/build.ts";
import { installBinaries, stageInBinDir } from "../release/binaries.ts";
import { completionFile } from "../install/completion.ts";
import { recordedSource } from "../install/remembered.ts";
import { observeUpgrade } from "../observe/upgrade.ts";
import { applyUpgrade } from "../daytwo/upgrade_with_rollback.ts";
import { diffUpgrade, renderUpgradeDiff, upgradeChanges, type UpgradeDiff } from "../daytwo/upgrade_diff.ts";
import type { UpgradeStep } from "../daytwo/upgrade_paths.ts";
import { releaseLine } from "../etcd/version.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";

/** How to roll the rest of a cluster, or nothing for a single member. */
function clusterAdvice(initialCluster: string, step: UpgradeStep): string {
  const members = initialCluster.split(",").filter((m) => m.trim() !== "").length;
  if (members < 2) return "";
  return `This upgraded this member only. Run 'etcdup upgrade --version ${step.to}' on each other member in turn, ` +
    `checking 'etcdup status' between members and upgrading the leader last; the cluster runs as ` +
    `v${releaseLine(step.from)} until every member runs ${step.to}.`;
}

/**
 * `--dry-run`: the diff apply would execute, as text or `--json` (the step, its list of changes, what is
 * kept although an upgrade would change it, and the notes).
 */
function printDryRun(diff: UpgradeDiff, out: Output): ExitCode {
  const changes = upgradeChanges(diff);
  const data = { dryRun: true, ...diff.step, changes, warnings: diff.warnings, notes: diff.notes };
  out.result(data, renderUpgradeDiff(diff, changes));
  return Exit.ok;
}

/** Runs `etcdup upgrade`. */
export async function run(ctx: ContextOf<typeof upgradeFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const svc = serviceManager(host);
  const paths = {
    envFile: FIXED_PATHS.envFile,
    envLocalFile: FIXED_PATHS.envLocalFile,
    completionFile: FIXED_PATHS.completionFile,
  };
  const observed = await observeUpgrade(host, svc, paths, options);
  const { state } = observed;
  const now = new Date();
  const decide = (version: string) =>
    diffUpgrade({ ...observed, release: { ...observed.release, version } }, {
      allowDowngrade: options["allow-downgrade"],
      healthTimeoutMs: options["health-timeout"],
      now,
    });
  const planned = decide(observed.release.version);
  const step = planned.step;
  if (step.kind === "same") {
    out.result(
      { upgraded: false, ...step, changes: [] },
      `etcd is already ${state.version}: nothing to upgrade`,
    );
    return Exit.ok;
  }
  if (options["dry-run"]) return printDryRun(planned, out);
  requireRoot(host, "upgrade");
  for (const note of step.notes) out.info(note);
  for (const warning of planned.warnings) out.warn(warning);

  out.step(`upgrading etcd ${step.from} -> ${step.to} (${step.kind})`);
  const release = observed.release;
  const staged = await stageInBinDir(release, host, state.binDir, out);
  try {
    // The verified release is what the diff is of: decided again when it is another version than planned.
    const diff = staged.version === step.to ? planned : decide(staged.version);
    const result = await applyUpgrade({
      host,
      state,
      svc,
      out,
      diff,
      release: { sha256: staged.sha256, recorded: recordedSource(release) },
      installBinaries: async () => void await installBinaries(staged, host, state.binDir),
      completion: () =>
        completionFile(
          {
            release: { ...release, version: staged.version },
            paths: { binDir: state.binDir, completionFile: paths.completionFile },
          },
          host,
          out,
        ),
      now,
    });
    const advice = clusterAdvice(state.initialCluster, diff.step);
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
