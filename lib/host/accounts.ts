/**
 * System accounts under a root. Lookups parse {root}/etc/passwd directly (so they
 * work for an image under --root as well as the live host); creation goes through
 * `systemd-sysusers --root ROOT -`, which allocates a free system uid/gid and locks the files properly.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "./fs.ts";

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

/**
 * Returns the account `req.name`, creating it (and its group) as a system account with no login shell
 * when missing. `created` tells whether it was made now.
 */
export async function ensureSystemUser(
  host: HostRoot,
  req: AccountRequest,
): Promise<{ account: Account; created: boolean }> {
  const existing = lookupUser(host, req.name);
  if (existing) return { account: existing, created: false };
  host.ensureDir("/etc", { uid: 0, gid: 0, mode: 0o755 });
  let out: Deno.CommandOutput;
  try {
    const child = new Deno.Command("systemd-sysusers", {
      args: ["--root", host.root, "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(sysusersLine(req)));
    await w.close();
    out = await child.output();
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
