/** Whether this host can be installed on at all: run as root, systemd running (live host), --root a directory. */
import { EtcdupError, Exit, notRoot } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { HostFacts } from "../facts.ts";

/** The command whose preconditions are checked: the hints differ. */
export type Installer = "install" | "join";

/** Fails unless this host can be installed on (root, systemd running on a live host, --root a directory). */
export function checkPreconditions(host: HostRoot, facts: HostFacts, command: Installer = "install"): void {
  if (!facts.isRoot) {
    throw notRoot(
      command,
      "it creates a user, writes /etc and sets file owners",
      command === "install"
        ? "Run it as root (sudo); 'etcdup install --dry-run' shows the plan without root."
        : "Run it as root (sudo).",
    );
  }
  if (host.isLive && host.stat("/run/systemd/system") === undefined) {
    throw new EtcdupError({
      code: "no-systemd",
      message: "systemd is not running on this host (/run/systemd/system is missing)",
      hint: command === "install"
        ? "etcdup runs etcd as a systemd service; to prepare an image instead, use --root DIR."
        : "etcdup join starts etcd as a systemd service to join the cluster: run it on the booted node " +
          "itself (to prepare an image, use 'etcdup install --root DIR' and join once it boots).",
      exit: Exit.precondition,
    });
  }
  if (!host.isLive && host.stat("/")?.isDirectory !== true) {
    throw new EtcdupError({
      code: "root-missing",
      message: `--root ${host.root} is not a directory`,
      hint: "Create it first (e.g. the mounted image's root).",
      exit: Exit.precondition,
    });
  }
}
