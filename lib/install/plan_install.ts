/**
 * The planning step install and join share: flags, host facts and the state record -> plan, `--bundle`
 * resolved to a tarball, the host checked, and the initial cluster of a member that already has data kept as
 * recorded.
 */
import * as path from "node:path";
import type { CommandContext, FlagValues } from "../command.ts";
import { HostRoot } from "../host/fs.ts";
import { readState } from "../host/state.ts";
import type { InstallState } from "../state_record.ts";
import { gatherFacts } from "../host/facts.ts";
import { buildPlan } from "../plan/build.ts";
import { parseOptions } from "../plan/options.ts";
import { installFlags } from "../specs/install.ts";
import { checkLeads, installedDirs } from "../plan/dirs.ts";
import { keepRecordedCluster } from "../plan/cluster.ts";
import type { InstallPlan } from "../plan/types.ts";
import { resolveLocalRelease } from "../release/local_source.ts";
import { keepRecordedSettings, refuseRename } from "./remembered.ts";
import { checkPreconditions, type Installer } from "./preconditions.ts";
import { refuseVersionChange, refuseWalDirChange } from "./refusals.ts";

/**
 * The flags with `--wal-dir` filled in from the state record when none was given: a plain re-run keeps
 * etcd's WAL where install put it (without ETCD_WAL_DIR etcd would look for it in the data dir).
 */
function keepRecordedWalDir(values: FlagValues, previous: InstallState | undefined): FlagValues {
  if (previous?.walDir === undefined || values["wal-dir"] !== undefined) return values;
  return { ...values, "wal-dir": previous.walDir };
}

/** A plan ready to apply (or preview) and what it was made against. */
export interface Planned {
  host: HostRoot;
  plan: InstallPlan;
  /** The state record of an earlier install or join, if any. */
  previous: InstallState | undefined;
}

/**
 * Plans `etcdup install` or `join` from the command's flags: host facts gathered, a local source resolved,
 * preconditions checked (not for `--dry-run`, which needs no root), every recorded setting kept that no
 * flag changes (see {@link keepRecordedSettings}), another version refused (see {@link refuseVersionChange}),
 * a rename of a member with data refused (see {@link refuseRename}), and the recorded initial cluster kept
 * once the data dir holds a member or the member joined a cluster (see {@link keepRecordedCluster}).
 * @example const { host, plan, previous } = planFromContext(ctx, "join");
 */
export function planFromContext(ctx: CommandContext, command: Installer): Planned {
  // join's values through install's flags: the ones join lacks (--no-start...) take their defaults
  const options = parseOptions(installFlags, ctx.values);
  const host = new HostRoot(options.root);
  const facts = gatherFacts(host);
  const asked = buildPlan(options, facts, host.root); // every flag validated (exit 2) before the host is read
  checkLeads(installedDirs({ ...asked.paths, pkiDir: asked.pki.pkiDir }), (p) => host.target(p));
  if (!options["dry-run"]) checkPreconditions(host, facts, command);
  const previous = readState(host);
  // the recorded settings fill in raw values (they are written as flags), parsed like the operator's
  const values = keepRecordedWalDir(keepRecordedSettings(ctx.values, previous), previous);
  const merged = values === ctx.values ? options : parseOptions(installFlags, values);
  const planned = merged === options ? asked : buildPlan(merged, facts, host.root);
  const built = { ...planned, release: resolveLocalRelease(planned.release, merged.version !== undefined) };
  refuseVersionChange(previous, built.release.version, options, command);
  const hasData = previous !== undefined && host.stat(path.join(built.paths.dataDir, "member")) !== undefined;
  refuseWalDirChange(previous, built, hasData);
  refuseRename(previous, built.member.name, hasData);
  return { host, plan: keepRecordedCluster(built, previous, hasData), previous };
}
