/**
 * What an uninstall decides from (lib/daytwo/uninstall_plan.ts), as lib/observe/uninstall.ts reads it: plain
 * data, beside the plan that decides from it (the rule in tests/structure/layers_test.ts PLACES), so
 * lib/daytwo/ does not import lib/observe/.
 */
import type { OwnedFile } from "../files.ts";
import type { InstallState, Remains } from "../state_record.ts";

/** The records uninstall works from. */
export interface UninstallRecords {
  state?: InstallState;
  remains?: Remains;
}

/** One systemd unit as observed (under --root nothing runs: never active). */
export interface UnitObserved {
  name: string;
  active: boolean;
  enabled: boolean;
}

/** A timer of the installation, and the service it starts. */
export interface TimerObserved extends UnitObserved {
  service: { name: string; active: boolean };
}

/** Every host read uninstall's plan needs. Plain data. */
export interface UninstallObserved extends UninstallRecords {
  /** Each recorded file as it is now (undefined: missing or not a regular file). */
  files: Record<string, OwnedFile | undefined>;
  /** What is in each PKI dir the records name (see lib/daytwo/pki_leftovers.ts). */
  pkiDirs: { dir: string; files: string[]; backups: string[] }[];
  /** etcdup's snapshot files in the backup dir. */
  backups: { dir: string; snapshots: string[] };
  /** The installation's unit and timers, when a state record names them. */
  service?: { unit: UnitObserved; timers: TimerObserved[]; live: boolean };
}
