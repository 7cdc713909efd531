/**
 * `certs issue-client NAME --for-user USER`: a client pair for a non-root operator, owned by USER (key 0600)
 * in USER's `~/.config/etcdup/` (or `--out DIR`), and a root-owned `/etc/profile.d/etcdctl-USER.sh` that
 * gives USER's login shells the ETCDCTL_* variables for it (keyed on USER's uid, like the root-only
 * profile). The pair is recorded in the state record, so `certs renew NAME` finds it and `uninstall`
 * keeps it with the PKI (`--purge` removes it).
 */
import * as path from "node:path";
import { EtcdupError, Exit, usageError } from "../../errors.ts";
import type { HostRoot } from "../../host/fs.ts";
import { type Account, lookupUser } from "../../host/accounts.ts";
import type { InstallState, UserClient } from "../../state_record.ts";
import type { PlannedFile } from "../../pki/plan.ts";
import { absolutePath } from "../../plan/validate.ts";

/** Where USER's client pair and profile go. */
export interface UserPlace {
  account: Account;
  /** The directory of the pair (target path). */
  dir: string;
  /** Directories to create for it, outermost first, owned by USER 0700. */
  create: string[];
  /** The login-shell profile (target path). */
  profile: string;
}

/** The login-shell profile of USER's client. */
export function userProfilePath(user: string): string {
  return `/etc/profile.d/etcdctl-${user}.sh`;
}

/**
 * Resolves USER (from the target's /etc/passwd) and the directory of their pair: `out` or
 * `~USER/.config/etcdup`. Refuses root (use the PKI dir), an unknown user, and a directory whose existing
 * components under the home directory are symlinks (USER controls them; etcdup writes there as root).
 */
export function userPlace(host: HostRoot, user: string, out: string | undefined): UserPlace {
  const account = lookupUser(host, user);
  if (!account) {
    throw usageError(
      "unknown-user",
      `--for-user ${user}: no such user in ${host.resolve("/etc/passwd")}`,
      "Create the user first (adduser), or give an existing login name.",
    );
  }
  if (account.uid === 0) {
    throw usageError("for-user-root", "--for-user root: root uses the PKI dir's admin pair and profile");
  }
  const dir = out ? absolutePath("out", out) : path.posix.join(account.home, ".config/etcdup");
  const create: string[] = [];
  for (
    let d = dir;
    d !== account.home && d !== "/" && d.startsWith(`${account.home}/`);
    d = path.dirname(d)
  ) {
    const st = host.stat(d);
    if (st && !st.isDirectory) {
      throw new EtcdupError({
        code: "user-dir-unsafe",
        message: `${host.resolve(d)} is not a directory (a symlink or file), so etcdup will not write there`,
        hint: `Move it aside, or give --out DIR.`,
        exit: Exit.precondition,
      });
    }
    if (!st) create.unshift(d);
  }
  if (!out && host.stat(account.home)?.isDirectory !== true) {
    throw new EtcdupError({
      code: "user-home-missing",
      message: `the home directory ${host.resolve(account.home)} of ${user} does not exist`,
      hint: "Create it (mkhomedir), or give --out DIR.",
      exit: Exit.precondition,
    });
  }
  return { account, dir, create, profile: userProfilePath(user) };
}

/** Creates the directories of `place` owned by USER, mode 0700; returns those it made. */
export function ensureUserDirs(host: HostRoot, place: UserPlace): string[] {
  for (const d of place.create) {
    host.ensureDir(d, { uid: place.account.uid, gid: place.account.gid, mode: 0o700 });
  }
  return place.create;
}

/** The planned pair files, owned by USER (the certificate 0644, the key 0600). */
export function ownedByUser(files: PlannedFile[], account: Account): PlannedFile[] {
  return files.map((f) => ({ ...f, owner: { uid: account.uid, gid: account.gid } }));
}

/** The profile giving USER's login shells ETCDCTL_* for their pair (root 0644; no secret in it). */
export function renderUserProfile(
  place: UserPlace,
  files: { endpoints: string; ca: string; cert: string; key: string },
  host: HostRoot,
): PlannedFile {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const content = [
    `# Written by etcdup certs issue-client --for-user ${place.account.name}: etcdctl in ${place.account.name}'s`,
    `# login shells reaches etcd over mutual TLS with ${files.cert}.`,
    `if [ "$(id -u)" = ${place.account.uid} ]; then`,
    "  export ETCDCTL_API=3",
    `  export ETCDCTL_ENDPOINTS=${q(files.endpoints)}`,
    `  export ETCDCTL_CACERT=${q(files.ca)}`,
    `  export ETCDCTL_CERT=${q(files.cert)}`,
    `  export ETCDCTL_KEY=${q(files.key)}`,
    "fi",
    "",
  ].join("\n");
  const action = host.stat(place.profile) ? "replace" : "create";
  return { path: place.profile, content, owner: "root", mode: 0o644, role: "profile", action };
}

/** The state record with `client` added (replacing one of the same name and user) and the dirs it made. */
export function withUserClient(state: InstallState, client: UserClient, madeDirs: string[]): InstallState {
  const others = (state.userClients ?? []).filter((c) => !(c.name === client.name && c.user === client.user));
  return {
    ...state,
    userClients: [...others, client],
    dirs: [...new Set([...state.dirs, ...madeDirs])],
  };
}
