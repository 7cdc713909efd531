/**
 * System accounts under a root. Lookups parse {root}/etc/passwd directly (so they
 * work for an image under --root as well as the live host); creation goes through systemd-sysusers, which
 * allocates a free system uid/gid: on the live host directly (it locks the files properly), under --root on
 * a scratch copy whose result etcdup writes back itself (see createUnderRoot).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { EtcdupError, Exit } from "../errors.ts";
import { HostRoot, processAlive } from "./fs.ts";

/** A user of /etc/passwd. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** A system account etcdup needs. */
export interface AccountRequest {
  name: string;
  home: string;
  description: string;
}

/**
 * Parses /etc/passwd text.
 * @example parsePasswd("etcd:x:999:999::/var/lib/etcd:/usr/sbin/nologin\n")[0].uid // 999
 */
export function parsePasswd(text: string): Account[] {
  return text.split("\n").map((l) => l.split(":")).filter((f) =>
    f.length >= 7 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3])
  )
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] }));
}

/** Looks a user up in {root}/etc/passwd. */
export function lookupUser(host: HostRoot, name: string): Account | undefined {
  return parsePasswd(host.readText("/etc/passwd") ?? "").find((a) => a.name === name);
}

/** The sysusers.d line creating `req` (user and same-named group, no login shell). */
export function sysusersLine(req: AccountRequest): string {
  return `u ${req.name} - "${req.description.replace(/"/g, "")}" ${req.home} /usr/sbin/nologin\n`;
}

/** The account files, written back in this order: `passwd` last, so a user in it is a complete user. */
const ACCOUNT_FILES = ["group", "gshadow", "shadow", "passwd"];
/** Scratch trees of {@link createUnderRoot}: `/etc/.etcdup-users-<pid>-<hex>`. */
const SCRATCH_PREFIX = ".etcdup-users-";

/**
 * Checks that a host with an `/etc/passwd` has its `/etc/shadow`: a missing one is put back from
 * `/etc/shadow-` (the backup shadow tools keep) with that file's owner and mode; without a backup the run
 * stops (`shadow-missing`, exit 7) rather than add users to a host whose passwords are gone. Returns
 * whether it restored.
 */
export function checkShadow(host: HostRoot): boolean {
  if (!host.stat("/etc/passwd")?.isFile || host.stat("/etc/shadow") !== undefined) return false;
  const backup = host.stat("/etc/shadow-");
  const data = backup?.isFile ? host.read("/etc/shadow-") : undefined;
  if (!backup || data === undefined) {
    throw new EtcdupError({
      code: "shadow-missing",
      message:
        `${host.resolve("/etc/passwd")} exists but ${host.resolve("/etc/shadow")} does not (and there ` +
        "is no /etc/shadow- backup to restore it from)",
      hint: "Restore /etc/shadow from a backup (or rebuild it with 'pwconv'), then re-run.",
      exit: Exit.precondition,
    });
  }
  host.writeAtomic("/etc/shadow", data, { uid: backup.uid, gid: backup.gid, mode: backup.mode });
  return true;
}

/** Runs `systemd-sysusers --root ROOT -` with `line` on stdin; errors name `name`. */
async function sysusers(root: string, line: string, req: AccountRequest): Promise<Deno.CommandOutput> {
  try {
    const child = new Deno.Command("systemd-sysusers", {
      args: ["--root", root, "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(line));
    await w.close();
    return await child.output();
  } catch (err) {
    throw new EtcdupError({
      code: "sysusers-missing",
      message: `cannot run systemd-sysusers to create the '${req.name}' user: ${(err as Error).message}`,
      hint: "Install systemd (Debian: apt-get install systemd) or create the user yourself: " +
        `useradd --system --home-dir ${req.home} --shell /usr/sbin/nologin ${req.name}`,
      exit: Exit.precondition,
      cause: err,
    });
  }
}

/**
 * Creates the account under a `--root` tree without letting anything but etcdup write there:
 * systemd-sysusers runs on a scratch copy of the account files (inside the tree's /etc, so nothing lands
 * on the host), and etcdup writes the changed files back atomically through {@link HostRoot} (symlinks
 * resolved inside the root), `passwd` last, so a kill at any instant leaves no user or a complete one (a
 * group a killed run left is reused by sysusers, its gshadow entry completed). sysusers' backups
 * (`passwd-`, ...) stay in the scratch copy: an image needs no previous version of its account files.
 * Scratch trees of killed runs are removed first.
 */
async function createUnderRoot(host: HostRoot, req: AccountRequest): Promise<Deno.CommandOutput> {
  const etc = host.resolve("/etc");
  for (const name of fs.readdirSync(etc)) {
    const pid = Number(
      name.startsWith(SCRATCH_PREFIX) ? name.slice(SCRATCH_PREFIX.length).split("-")[0] : NaN,
    );
    if (Number.isInteger(pid) && !processAlive(pid)) fs.rmSync(path.join(etc, name), { recursive: true });
  }
  const dir = path.join(etc, `${SCRATCH_PREFIX}${Deno.pid}-${randomBytes(4).toString("hex")}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    const scratch = new HostRoot(dir);
    scratch.ensureDir("/etc", { uid: 0, gid: 0, mode: 0o755 });
    for (const name of [...ACCOUNT_FILES, "login.defs"]) copyFile(host, scratch, `/etc/${name}`);
    const out = await sysusers(dir, sysusersLine(req), req);
    if (out.code !== 0) return out;
    completeGshadow(scratch, req.name);
    for (const name of ACCOUNT_FILES) copyFile(scratch, host, `/etc/${name}`);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Adds the locked `/etc/gshadow` entry of group `name` when `/etc/group` has the group but gshadow does not:
 * what a run killed after writing `group` leaves, which sysusers (seeing the group) does not repair.
 */
function completeGshadow(tree: HostRoot, name: string): void {
  const inGroup = (tree.readText("/etc/group") ?? "").split("\n").some((l) => l.startsWith(`${name}:`));
  const gshadow = tree.readText("/etc/gshadow");
  if (!inGroup || (gshadow ?? "").split("\n").some((l) => l.startsWith(`${name}:`))) return;
  const st = tree.stat("/etc/gshadow");
  const text = (gshadow ?? "") + (gshadow && !gshadow.endsWith("\n") ? "\n" : "") + `${name}:!*::\n`;
  tree.writeAtomic(
    "/etc/gshadow",
    text,
    st ? { uid: st.uid, gid: st.gid, mode: st.mode } : { uid: 0, gid: 0, mode: 0 },
  );
}

/** Copies regular file `p` from one tree to another (same owner and mode) when it exists and differs. */
function copyFile(from: HostRoot, to: HostRoot, p: string): void {
  const st = from.stat(p);
  const data = st?.isFile ? from.read(p) : undefined;
  if (!st || data === undefined) return;
  const old = to.stat(p)?.isFile ? to.read(p) : undefined;
  if (old !== undefined && Buffer.from(old).equals(Buffer.from(data))) return;
  to.writeAtomic(p, data, { uid: st.uid, gid: st.gid, mode: st.mode });
}

/**
 * Returns the account `req.name`, creating it (and its group) as a system account with no login shell
 * when missing. `created` tells whether it was made now. First checks `/etc/shadow` (see
 * {@link checkShadow}).
 */
export async function ensureSystemUser(
  host: HostRoot,
  req: AccountRequest,
): Promise<{ account: Account; created: boolean }> {
  checkShadow(host);
  const existing = lookupUser(host, req.name);
  if (existing) return { account: existing, created: false };
  host.ensureDir("/etc", { uid: 0, gid: 0, mode: 0o755 });
  const out = host.isLive ? await sysusers("/", sysusersLine(req), req) : await createUnderRoot(host, req);
  const account = lookupUser(host, req.name);
  if (out.code !== 0 || !account) {
    throw new EtcdupError({
      code: "user-create-failed",
      message: `could not create the system user '${req.name}': ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
      hint:
        `Create it yourself (useradd --system --home-dir ${req.home} --shell /usr/sbin/nologin ${req.name}) and re-run.`,
    });
  }
  return { account, created: true };
}
