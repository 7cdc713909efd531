/**
 * What an upgrade decides from (lib/daytwo/upgrade_diff.ts), as lib/observe/upgrade.ts reads it: plain data,
 * declared beside the diff (model: it names only core and model types), so the diff's folder does not import
 * lib/observe/ (which reads through lib/backup/'s store: the folders would import each other).
 */
import type { OwnedFile } from "../files.ts";
import type { InstallState } from "../state_record.ts";
import type { PlannedRelease } from "../plan/types.ts";

/** Target paths of the files an upgrade rewrites besides the binaries. */
export interface UpgradeFiles {
  envFile: string;
  envLocalFile: string;
  completionFile: string;
}

/** Everything an upgrade decides from, read up front. Plain data. */
export interface UpgradeObserved {
  /** The state record of the install being upgraded. */
  state: InstallState;
  /** The release the flags name (planned from the host facts), a `--bundle` resolved to its tarball and local files checked readable. */
  release: PlannedRelease;
  paths: UpgradeFiles;
  /** Each of etcd, etcdctl, etcdutl in the bin dir, the env file and the completion, as it is now. */
  files: Record<string, OwnedFile | undefined>;
  /** The env file's text, undefined when there is none. */
  env: string | undefined;
  /** The operator's override file's text (kept as it is), undefined when there is none. */
  envLocal: string | undefined;
  /** Whether etcd runs for real (not under `--root`) and, then, whether its unit is active. */
  unit: { live: boolean; active: boolean };
}
