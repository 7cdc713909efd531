/**
 * The registry of every command, in the order `etcdup --help` lists them: each spec with the body it runs,
 * loaded only when that command runs.
 */
import type { CommandModule } from "../command.ts";
import type { CommandSpec } from "../specs/spec.ts";
import { installSpec } from "../specs/install.ts";
import { downloadSpec } from "../specs/download.ts";
import {
  certsCheckSpec,
  certsExportSpec,
  certsIssueClientSpec,
  certsRenewSpec,
  certsRotateCaSpec,
} from "../specs/certs.ts";
import { joinSpec } from "../specs/join.ts";
import { upgradeSpec } from "../specs/upgrade.ts";
import { uninstallSpec } from "../specs/uninstall.ts";
import { statusSpec } from "../specs/status.ts";
import { recoverSpec } from "../specs/recover.ts";
import { backupListSpec, backupSpec, restoreSpec } from "../specs/backup.ts";
import { maintainSpec } from "../specs/maintain.ts";
import { alertsSpec } from "../specs/alerts.ts";

/**
 * A command as main.ts runs it: its spec and its body, loaded lazily (keeps --help fast). The bodies are
 * named here, not in the spec files (lib/specs/), which the bodies import their flags' types from.
 */
export interface Command extends CommandSpec {
  load(): Promise<CommandModule>;
}

/** All commands; subcommands carry a two-word name ("certs check"). */
export const commands: Command[] = [
  { ...installSpec, load: () => import("../commands/install.ts") },
  { ...downloadSpec, load: () => import("../commands/download.ts") },
  { ...certsCheckSpec, load: () => import("../commands/certs/check.ts") },
  { ...certsRenewSpec, load: () => import("../commands/certs/renew.ts") },
  { ...certsIssueClientSpec, load: () => import("../commands/certs/issue_client.ts") },
  { ...certsRotateCaSpec, load: () => import("../commands/certs/rotate_ca.ts") },
  { ...certsExportSpec, load: () => import("../commands/certs/export.ts") },
  { ...joinSpec, load: () => import("../commands/join.ts") },
  { ...upgradeSpec, load: () => import("../commands/upgrade.ts") },
  { ...uninstallSpec, load: () => import("../commands/uninstall.ts") },
  { ...statusSpec, load: () => import("../commands/status.ts") },
  { ...recoverSpec, load: () => import("../commands/recover.ts") },
  { ...backupSpec, load: () => import("../commands/backup.ts") },
  { ...backupListSpec, load: () => import("../commands/backup_list.ts") },
  { ...restoreSpec, load: () => import("../commands/restore.ts") },
  { ...maintainSpec, load: () => import("../commands/maintain.ts") },
  { ...alertsSpec, load: () => import("../commands/alerts.ts") },
];
