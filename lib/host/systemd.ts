/**
 * systemd behind a small interface. On the live host it runs `systemctl`/`journalctl`; under `--root DIR`
 * it only enables units inside the tree (`systemctl --root DIR enable`) and never starts, stops or reloads
 * anything, so an image build or a test never touches the running host.
 */
import * as path from "node:path";
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "./fs.ts";

/** What etcdup asks of the service manager. */
export interface ServiceManager {
  /** Whether units really run (false under `--root`: start/stop/restart are then no-ops). */
  readonly live: boolean;
  /** `systemctl daemon-reload`. */
  daemonReload(): Promise<void>;
  /** `systemctl enable UNIT` (under `--root`: `systemctl --root DIR enable UNIT`). */
  enable(unit: string): Promise<void>;
  /** `systemctl disable UNIT`. */
  disable(unit: string): Promise<void>;
  /**
   * `systemctl start UNIT`. With `noBlock` it returns once the job is queued (a member of a new cluster
   * cannot finish starting before its peers do); the caller then waits for health itself.
   */
  start(unit: string, opts?: StartOptions): Promise<void>;
  /** `systemctl restart UNIT` (same options as start). */
  restart(unit: string, opts?: StartOptions): Promise<void>;
  /** `systemctl stop UNIT`. */
  stop(unit: string): Promise<void>;
  /** Whether the unit is active (`systemctl is-active`). */
  isActive(unit: string): Promise<boolean>;
  /** Whether the unit is enabled (`systemctl is-enabled`). */
  isEnabled(unit: string): Promise<boolean>;
  /** The last `lines` lines of the unit's journal (empty when unavailable). */
  journalTail(unit: string, lines: number): Promise<string>;
  /** `systemctl show UNIT -p PROP...` as a map (empty under `--root` or when systemd cannot say). */
  show(unit: string, props: string[]): Promise<Record<string, string>>;
}

/** Reads `systemctl show` output (`Key=value` lines). Pure. */
export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** How to start or restart a unit. */
export interface StartOptions {
  /** Pass `--no-block`: do not wait for the unit to report ready. */
  noBlock?: boolean;
}

/** Result of one command. */
interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], env?: Record<string, string>): Promise<RunResult> {
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(cmd, { args, env, stdin: "null", stdout: "piped", stderr: "piped" })
      .output();
  } catch (err) {
    throw new EtcdupError({
      code: "systemd-missing",
      message: `cannot run ${cmd}: ${(err as Error).message}`,
      hint: "etcdup needs systemd (systemctl) on the host; use --root DIR to build an image without it.",
      exit: Exit.precondition,
      cause: err,
    });
  }
  const dec = new TextDecoder();
  return { code: result.code, stdout: dec.decode(result.stdout), stderr: dec.decode(result.stderr) };
}

async function mustRun(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) {
    throw new EtcdupError({
      code: "systemctl-failed",
      message: `'${cmd} ${args.join(" ")}' failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`,
      hint: "See 'journalctl -xe' and 'systemctl status' for the reason.",
    });
  }
}

/**
 * Refuses (`unit-dir-is-symlink`, exit 7) a `--root` tree whose unit directory is reached through a
 * symlink: `systemctl --root` then finds no unit there (it never leaves the tree, so nothing is written
 * outside either), and etcdup says so instead of failing with systemctl's "unit does not exist".
 */
function checkUnitDir(host: HostRoot): void {
  const dir = "/etc/systemd/system";
  if (host.resolve(dir) === path.join(host.root, dir)) return;
  throw new EtcdupError({
    code: "unit-dir-is-symlink",
    message: `${dir} under --root ${host.root} is (or goes through) a symbolic link, to ${
      host.resolve(dir)
    }: systemctl --root cannot enable units there`,
    hint: `Make ${host.root}${dir} a real directory (move the linked one there), then re-run.`,
    exit: Exit.precondition,
  });
}

/** The service manager for `host`: real systemctl on the live host, enable-only under `--root`. */
export function serviceManager(host: HostRoot): ServiceManager {
  if (!host.isLive) {
    const none = () => Promise.resolve();
    return {
      live: false,
      daemonReload: none,
      enable: (unit) => {
        checkUnitDir(host);
        return mustRun("systemctl", ["--root", host.root, "enable", unit]);
      },
      disable: (unit) => mustRun("systemctl", ["--root", host.root, "disable", unit]),
      start: none,
      restart: none,
      stop: none,
      isActive: () => Promise.resolve(false),
      isEnabled: async (unit) =>
        (await run("systemctl", ["--root", host.root, "is-enabled", unit])).code === 0,
      journalTail: () => Promise.resolve(""),
      show: () => Promise.resolve({}),
    };
  }
  return {
    live: true,
    daemonReload: () => mustRun("systemctl", ["daemon-reload"]),
    enable: (unit) => mustRun("systemctl", ["enable", unit]),
    disable: (unit) => mustRun("systemctl", ["disable", unit]),
    start: (unit, opts) => mustRun("systemctl", [...(opts?.noBlock ? ["--no-block"] : []), "start", unit]),
    restart: (unit, opts) =>
      mustRun("systemctl", [...(opts?.noBlock ? ["--no-block"] : []), "restart", unit]),
    stop: (unit) => mustRun("systemctl", ["stop", unit]),
    isActive: async (unit) => (await run("systemctl", ["is-active", "--quiet", unit])).code === 0,
    isEnabled: async (unit) => (await run("systemctl", ["is-enabled", "--quiet", unit])).code === 0,
    journalTail: async (unit, lines) => {
      const r = await run("journalctl", ["-u", unit, "-n", String(lines), "--no-pager"]).catch(() =>
        undefined
      );
      return r?.stdout ?? "";
    },
    show: async (unit, props) => {
      const r = await run("systemctl", ["show", unit, ...props.flatMap((p) => ["-p", p])]);
      return r.code === 0 ? parseShow(r.stdout) : {};
    },
  };
}

/**
 * `systemctl show UNIT -p P1 -p P2 ...` on the live host as a record (values as systemd prints them, empty
 * when unset); empty under --root, where nothing runs.
 * @example await unitProperties(host, "etcdup-certs.timer", ["NextElapseUSecRealtime"])
 */
export async function unitProperties(
  host: HostRoot,
  unit: string,
  props: string[],
): Promise<Record<string, string>> {
  if (!host.isLive) return {};
  const r = await run("systemctl", ["show", unit, ...props.flatMap((p) => ["-p", p])]);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** What `systemd-analyze calendar` says about an `OnCalendar=` expression. */
export interface CalendarAnalysis {
  /** Whether systemd accepts it. */
  ok: boolean;
  /** systemd's complaint when it does not. */
  message: string;
  /** The next elapses, as many as asked for (fewer when the expression stops elapsing). */
  elapses: Date[];
}

/**
 * Reads the elapses of `systemd-analyze calendar --iterations=N` output run with TZ=UTC ("Next elapse:" and
 * "Iter. #N:" lines; older systemd says "Iteration #N:"). Pure.
 * @example parseCalendarElapses("    Next elapse: Tue 2026-12-01 23:00:00 UTC\n") // [2026-12-01T23:00:00Z]
 */
export function parseCalendarElapses(text: string): Date[] {
  const line = /(?:Next elapse|Iter\. #\d+|Iteration #\d+): \w+ (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC/g;
  return [...text.matchAll(line)].map((m) => new Date(`${m[1]}T${m[2]}Z`));
}

/**
 * Asks `systemd-analyze calendar` about `expr` (the next `iterations` elapses); undefined when the host has
 * no systemd-analyze. Only meaningful on the live host (callers skip it under --root).
 */
export async function analyzeCalendar(
  expr: string,
  iterations: number,
): Promise<CalendarAnalysis | undefined> {
  let r: RunResult;
  try {
    r = await run("systemd-analyze", ["calendar", `--iterations=${iterations}`, expr], { TZ: "UTC" });
  } catch {
    return undefined;
  }
  return {
    ok: r.code === 0,
    message: (r.stderr || r.stdout).trim(),
    elapses: r.code === 0 ? parseCalendarElapses(r.stdout) : [],
  };
}
