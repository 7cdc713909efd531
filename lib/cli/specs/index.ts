/** The registry of every command, in the order `etcdup --help` lists them. */
import type { CommandSpec } from "../spec.ts";
import { installSpec } from "./install.ts";
import { downloadSpec } from "./download.ts";
import { certsSpecs } from "./certs.ts";
import { joinSpec } from "./join.ts";
import { upgradeSpec } from "./upgrade.ts";
import { uninstallSpec } from "./uninstall.ts";
import { statusSpec } from "./status.ts";
import { recoverSpec } from "./recover.ts";
import { backupListSpec, backupSpec, restoreSpec } from "./backup.ts";
import { maintainSpec } from "./maintain.ts";
import { alertsSpec } from "./alerts.ts";

/** All commands; subcommands carry a two-word name ("certs check"). */
export const commands: CommandSpec[] = [
  installSpec,
  downloadSpec,
  ...certsSpecs,
  joinSpec,
  upgradeSpec,
  uninstallSpec,
  statusSpec,
  recoverSpec,
  backupSpec,
  backupListSpec,
  restoreSpec,
  maintainSpec,
  alertsSpec,
];
