/**
 * Which directories etcdup may take for etcd. install makes the data and WAL dirs etcd:etcd 0700 and puts
 * them in the unit's `ReadWritePaths=`, makes the PKI dir root 0755, writes binaries into the bin dir and
 * backups into the backup dir: one mistyped flag (`--data-dir /etc`) would hand the etcd user the host.
 * So a directory is refused (usage error, exit 2) when it
 * - is a system directory or an ancestor of one (`/`, `/etc`, `/usr`, `/var/lib`, ...), except that the bin
 *   dir may be one of the standard bin directories (`/usr/local/bin`, ...);
 * - lies in a tree no etcdup directory belongs in: the kernel's and systemd's (`/proc`, `/sys`, `/dev`,
 *   `/run`, `/boot`, `/etc/systemd`), the OS's programs (`/bin`, `/lib*`, `/usr` except the bin dir),
 *   etcdup's own state (`/var/lib/etcdup`), or, for etcd's data, WAL and backups, the configuration tree `/etc`;
 * - is hidden from etcd by its unit's sandbox (`/home`, `/root` by ProtectHome=, `/tmp`, `/var/tmp` by
 *   PrivateTmp=): etcd would not see it;
 * - equals, contains or lies inside another of the directories of the same command.
 * All paths are target paths (the same under `--root`).
 */
import { type EtcdupError, usageError } from "../errors.ts";
import { absolutePath } from "./validate.ts";

/** Where `etcdup backup` puts snapshots unless --dir says otherwise (target path). */
export const DEFAULT_BACKUP_DIR = "/var/backups/etcd";

/** What a directory is for. */
export type DirRole = "data" | "wal" | "bin" | "pki" | "backup";

/** One directory a command was given: its flag (for messages), role and path. */
export interface DirChoice {
  flag: string;
  role: DirRole;
  path: string;
}

/** Directories of the OS and of etcdup itself: never taken, nor any ancestor of them. */
export const SYSTEM_DIRS: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/etc/default",
  "/etc/kubernetes",
  "/etc/kubernetes/pki",
  "/etc/profile.d",
  "/etc/ssh",
  "/etc/ssl",
  "/etc/sudoers.d",
  "/etc/systemd",
  "/etc/systemd/system",
  "/home",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/media",
  "/mnt",
  "/opt",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/srv",
  "/sys",
  "/tmp",
  "/usr",
  "/usr/bin",
  "/usr/include",
  "/usr/lib",
  "/usr/lib64",
  "/usr/libexec",
  "/usr/local",
  "/usr/local/bin",
  "/usr/local/etc",
  "/usr/local/lib",
  "/usr/local/sbin",
  "/usr/local/share",
  "/usr/sbin",
  "/usr/share",
  "/usr/share/bash-completion",
  "/usr/src",
  "/var",
  "/var/backups",
  "/var/cache",
  "/var/lib",
  "/var/lib/apt",
  "/var/lib/containerd",
  "/var/lib/docker",
  "/var/lib/dpkg",
  "/var/lib/etcdup",
  "/var/lib/kubelet",
  "/var/lib/polkit-1",
  "/var/lib/private",
  "/var/lib/sudo",
  "/var/lib/systemd",
  "/var/local",
  "/var/lock",
  "/var/log",
  "/var/mail",
  "/var/opt",
  "/var/run",
  "/var/spool",
  "/var/tmp",
];

/** Standard bin directories: the bin dir may be one of them (etcdup only adds etcd's three files). */
export const STANDARD_BIN_DIRS: readonly string[] = [
  "/usr/local/bin",
  "/usr/local/sbin",
  "/usr/bin",
  "/usr/sbin",
];

/** Trees hidden from etcd by its unit (assets/etcd.service): ProtectHome=yes, PrivateTmp=yes. */
export const SANDBOX_HIDDEN: readonly string[] = ["/home", "/root", "/run/user", "/tmp", "/var/tmp"];

/** Trees no etcdup directory lies in, whatever its role (kernel, systemd, OS programs, etcdup's state). */
const NO_GO_TREES: readonly string[] = [
  "/proc",
  "/sys",
  "/dev",
  "/run",
  "/var/run",
  "/var/lock",
  "/boot",
  "/etc/systemd",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/var/lib/etcdup",
];

/** Further trees per role: etcd's state never goes into /etc or /usr; the PKI never into /usr. */
const ROLE_NO_GO: Record<DirRole, readonly string[]> = {
  data: ["/etc", "/usr"],
  wal: ["/etc", "/usr"],
  backup: ["/etc", "/usr"],
  pki: ["/usr"],
  bin: ["/etc"],
};

/** What each role is, in messages. */
const ROLE_NAME: Record<DirRole, string> = {
  data: "etcd's data directory",
  wal: "etcd's WAL directory",
  bin: "the directory of etcd's binaries",
  pki: "the PKI directory",
  backup: "the backup directory",
};

/** Whether `p` is `dir` or inside it (both normalised absolute paths). */
export function isWithin(p: string, dir: string): boolean {
  return dir === "/" || p === dir || p.startsWith(dir + "/");
}

const SUGGESTION: Record<DirRole, string> = {
  data: "/var/lib/etcd",
  wal: "/var/lib/etcd-wal",
  bin: "/usr/local/bin",
  pki: "/etc/etcd/pki",
  backup: "/var/backups/etcd",
};

/**
 * Why `dir` cannot be used as `role`, or undefined when it can. Pure; `dir` normalised and absolute.
 * `sandbox` false skips the trees etcd's unit hides (a reason etcd cannot see it, not a danger to the host).
 * @example refusalReason("data", "/etc") // "is the system directory /etc"
 */
export function refusalReason(role: DirRole, dir: string, sandbox = true): string | undefined {
  const hidden = sandbox ? SANDBOX_HIDDEN.find((t) => isWithin(dir, t)) : undefined;
  if (hidden) {
    return `lies in ${hidden}, which etcd's unit hides from it (${
      hidden.includes("tmp") ? "PrivateTmp=yes" : "ProtectHome=yes"
    })`;
  }
  const standardBin = role === "bin" && STANDARD_BIN_DIRS.includes(dir);
  if (!standardBin) {
    if (SYSTEM_DIRS.includes(dir)) return `is the system directory ${dir}`;
    const below = SYSTEM_DIRS.find((s) => isWithin(s, dir));
    if (below) return `contains the system directory ${below}`;
  }
  const tree = [...NO_GO_TREES, ...ROLE_NO_GO[role]].find((t) => isWithin(dir, t));
  if (tree) return `lies in ${tree}, which is no place for ${ROLE_NAME[role]}`;
  return undefined;
}

/**
 * `raw` as a directory for `role` given by `--flag`: absolute, normalised (see {@link absolutePath}) and not
 * refused by {@link refusalReason}; else a usage error naming the flag, why and what to give instead.
 */
export function checkDir(flag: string, role: DirRole, raw: string): string {
  const dir = absolutePath(flag, raw);
  const why = refusalReason(role, dir);
  if (why) {
    throw usageError(
      "unsafe-directory",
      `--${flag} ${dir} ${why}: etcdup will not use it as ${ROLE_NAME[role]}`,
      `Give a dedicated directory, e.g. --${flag} ${SUGGESTION[role]}.`,
    );
  }
  return dir;
}

/**
 * Throws a usage error when two of `dirs` are equal or one lies inside another: each is owned, moded,
 * sandboxed and purged on its own terms (uninstall --purge deletes the data dir with all it holds).
 * @example checkDisjoint([{ flag: "data-dir", role: "data", path: "/srv/etcd" }, { flag: "pki-dir", role: "pki", path: "/srv/etcd/pki" }]) // throws
 */
export function checkDisjoint(dirs: readonly DirChoice[]): void {
  for (const [i, a] of dirs.entries()) {
    for (const b of dirs.slice(i + 1)) {
      if (!isWithin(a.path, b.path) && !isWithin(b.path, a.path)) continue;
      const how = a.path === b.path
        ? "is the same directory as"
        : isWithin(a.path, b.path)
        ? "lies inside"
        : "contains";
      throw usageError(
        "overlapping-directories",
        `--${a.flag} ${a.path} ${how} --${b.flag} ${b.path}: ${ROLE_NAME[a.role]} and ${
          ROLE_NAME[b.role]
        } must be separate`,
        `Give each its own directory, e.g. --${a.flag} ${SUGGESTION[a.role]} and --${b.flag} ${
          SUGGESTION[b.role]
        }.`,
      );
    }
  }
}

/**
 * Checks `dirs` again where they really lead: `lead(p)` is the target path `p` reaches once every symlink on
 * it is followed (see HostRoot.target). `--dir /srv/backups` that is a link to `/etc` would otherwise make
 * etcdup chmod /etc to 0700, and `--data-dir /srv/etcd` linked to `/etc` hand /etc to the etcd user. A link
 * is refused (usage error `unsafe-directory`, exit 2) when it leads to a system directory, an ancestor of
 * one or a tree no etcdup directory belongs in, and (`overlapping-directories`) when two directories meet
 * once links are followed. Links elsewhere are fine (image builds are full of them).
 * @example checkLeads([{ flag: "dir", role: "backup", path: "/srv/bk" }], () => "/etc") // throws
 */
export function checkLeads(dirs: readonly DirChoice[], lead: (p: string) => string): void {
  const real = dirs.map((d) => ({ ...d, path: lead(d.path) }));
  if (real.every((d, i) => d.path === dirs[i].path)) return;
  for (const [i, d] of real.entries()) {
    const why = d.path === dirs[i].path ? undefined : refusalReason(d.role, d.path, false);
    if (why) {
      throw usageError(
        "unsafe-directory",
        `--${d.flag} ${
          dirs[i].path
        } is a symbolic link to ${d.path}, which ${why}: etcdup will not use it as ${ROLE_NAME[d.role]}`,
        `Give a dedicated directory that is not a link there, e.g. --${d.flag} ${SUGGESTION[d.role]}.`,
      );
    }
  }
  try {
    checkDisjoint(real);
  } catch (err) {
    const e = err as EtcdupError;
    const links = dirs.filter((d, i) => d.path !== real[i].path).map((d) =>
      `--${d.flag} ${d.path} -> ${lead(d.path)}`
    );
    throw usageError(
      "overlapping-directories",
      `${e.message}, once symbolic links are followed (${links.join(", ")})`,
      e.hint,
    );
  }
}

/**
 * The directories an install recorded, as {@link DirChoice}s naming the install flags, for commands that
 * take one more directory and must keep it apart from them, e.g. a backup dir:
 * `checkDisjoint([{ flag: "dir", role: "backup", path: checkDir("dir", "backup", raw) }, ...installedDirs(state)])`.
 */
export function installedDirs(
  state: { dataDir: string; walDir?: string; binDir: string; pkiDir: string },
): DirChoice[] {
  return [
    { flag: "data-dir", role: "data", path: state.dataDir },
    ...(state.walDir ? [{ flag: "wal-dir", role: "wal" as const, path: state.walDir }] : []),
    { flag: "pki-dir", role: "pki", path: state.pkiDir },
    { flag: "bin-dir", role: "bin", path: state.binDir },
  ];
}
