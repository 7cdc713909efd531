/**
 * Real systemd containers for end-to-end tests: `systemd-nspawn --boot` on an overlay of the cached bookworm
 * image (rootfs.ts), so each container starts from a pristine disk and costs no copy. A container keeps its disk
 * across {@link Container.reboot}; {@link Container.destroy} (call it in `finally`) kills it, unmounts and
 * removes everything. A container whose test process died is swept by the next one that boots a container.
 *
 * Commands run inside with `nsenter` into all of the init's namespaces, with a clean environment.
 * The container shares the host's network namespace unless `netns` names one from network.ts.
 */
import * as path from "node:path";
import { exec, execOk, type ExecResult } from "../../support/exec.ts";
import { waitUntil, within } from "../../support/wait.ts";
import { baseRootfs } from "./rootfs.ts";

/** A host path mounted into the container. */
export interface Bind {
  host: string;
  container: string;
  readOnly?: boolean;
}

/** How to boot a container. */
export interface BootOptions {
  /** Prefix of the unique machine name and default hostname, e.g. "install". */
  name?: string;
  /** Hostname inside the container (written to /etc/hostname and /etc/hosts); defaults to the machine name. */
  hostname?: string;
  /** Name of a network namespace under /run/netns to boot in (see network.ts); default: the host's. */
  netns?: string;
  binds?: readonly Bind[];
  /** Bound on each boot (nspawn start to `systemctl is-system-running` = running/degraded). Default 90 s. */
  bootTimeoutMs?: number;
}

/** Options of {@link Container.exec}. */
export interface ContainerExecOptions {
  /** Variables added to the clean environment (PATH, HOME=/root, LANG=C.UTF-8). */
  env?: Record<string, string>;
  input?: string;
  /** Default 120 s. */
  timeoutMs?: number;
}

const BASE_ENV = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  HOME: "/root",
  LANG: "C.UTF-8",
};
const OWNER_FILE = "owner.json";
const DIR_PREFIX = "etcdup-ct-";
/** nspawn's exit status when the container asked to reboot. */
const NSPAWN_REBOOT = 133;
const LOG_LIMIT = 64 * 1024;

const live = new Set<Container>();
let swept: Promise<void> | undefined;

/** A booted systemd container. */
export class Container {
  /** Unique machine name. */
  readonly name: string;
  /** Real path of the container's root (the overlay's merged view): read and write the container's files here. */
  readonly rootfs: string;
  #dir: string;
  #args: string[];
  #bootTimeoutMs: number;
  #nspawn?: Deno.ChildProcess;
  #pumps: Promise<void>[] = [];
  #log = "";
  #init = 0;

  private constructor(name: string, dir: string, args: string[], bootTimeoutMs: number) {
    this.name = name;
    this.#dir = dir;
    this.rootfs = path.join(dir, "merged");
    this.#args = args;
    this.#bootTimeoutMs = bootTimeoutMs;
  }

  /**
   * Boots a fresh container and waits until systemd reports running (or degraded).
   * @example
   * const ct = await Container.boot({ name: "install" });
   * try { await ct.execOk(["systemctl", "is-system-running"]); } finally { await ct.destroy(); }
   */
  static async boot(opts: BootOptions = {}): Promise<Container> {
    swept ??= sweepStale();
    await swept;
    const lower = await baseRootfs();
    const name = `${opts.name ?? "etcdup"}-${crypto.randomUUID().slice(0, 6)}`;
    const hostname = opts.hostname ?? name;
    const dir = await Deno.makeTempDir({ prefix: DIR_PREFIX });
    const args = [
      "--boot",
      `--directory=${path.join(dir, "merged")}`,
      `--machine=${name}`,
      `--hostname=${hostname}`,
      "--register=no",
      "--keep-unit",
      "--console=passive",
      ...(opts.netns ? [`--network-namespace-path=/run/netns/${opts.netns}`] : []),
      ...(opts.binds ?? []).map((b) => `--bind${b.readOnly ? "-ro" : ""}=${b.host}:${b.container}`),
    ];
    const ct = new Container(name, dir, args, opts.bootTimeoutMs ?? 90_000);
    live.add(ct);
    try {
      for (const d of ["upper", "work", "merged"]) await Deno.mkdir(path.join(dir, d));
      await ct.#writeOwner();
      const overlay = `lowerdir=${lower},upperdir=${path.join(dir, "upper")},workdir=${
        path.join(dir, "work")
      }`;
      await execOk(["mount", "-t", "overlay", "overlay", "-o", overlay, ct.rootfs]);
      await Deno.writeTextFile(ct.path("/etc/hostname"), `${hostname}\n`);
      await Deno.writeTextFile(ct.path("/etc/hosts"), `127.0.1.1\t${hostname}\n`, { append: true });
      await ct.#start();
      return ct;
    } catch (err) {
      await ct.destroy();
      throw err;
    }
  }

  /** PID (in the host's PID namespace) of the container's systemd. */
  get init(): number {
    return this.#init;
  }

  /** Real path of the overlay's upper layer: every file created or changed in the container since it was made. */
  get changes(): string {
    return path.join(this.#dir, "upper");
  }

  /** The nspawn and boot messages so far (the tail), for failure reports. */
  get log(): string {
    return this.#log;
  }

  /** Real path of the container path `p`. */
  path(p: string): string {
    return path.join(this.rootfs, p);
  }

  /** Runs `argv` inside the container (all its namespaces, clean environment); never throws on exit status. */
  exec(argv: readonly string[], opts: ContainerExecOptions = {}): Promise<ExecResult> {
    if (!this.#init) throw new Error(`container ${this.name} is not running`);
    const env = Object.entries({ ...BASE_ENV, ...opts.env }).map(([k, v]) => `${k}=${v}`);
    return exec(["nsenter", "-t", String(this.#init), "-a", "--", "/usr/bin/env", "-i", ...env, ...argv], {
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
  }

  /** Like {@link exec} but throws, with the container's name, argv and output, unless it exits 0. */
  async execOk(argv: readonly string[], opts: ContainerExecOptions = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) {
      throw new Error(
        `[${this.name}] ${argv.join(" ")} exited ${r.code}\n${r.stderr.trim()}\n${r.stdout.trim()}`,
      );
    }
    return r.stdout;
  }

  /** Runs a bash login shell script inside (so /etc/profile.d is sourced, as for an operator). */
  shell(script: string, opts: ContainerExecOptions = {}): Promise<ExecResult> {
    return this.exec(["bash", "-lc", script], opts);
  }

  /** Copies a host file into the container at `containerPath` (parents created) with `mode`. */
  async copyIn(hostPath: string, containerPath: string, mode = 0o644): Promise<void> {
    await Deno.mkdir(path.dirname(this.path(containerPath)), { recursive: true });
    await Deno.copyFile(hostPath, this.path(containerPath));
    await Deno.chmod(this.path(containerPath), mode);
  }

  /** Reboots the container (`systemctl reboot`, nspawn exits 133, boots again on the same disk) and waits for it. */
  async reboot(): Promise<void> {
    const nspawn = this.#running();
    await this.exec(["systemctl", "reboot"], { timeoutMs: 30_000 }).catch(() => {});
    const status = await within(nspawn.status, this.#bootTimeoutMs, `${this.name} to shut down for reboot`);
    await this.#stopped();
    if (status.code !== NSPAWN_REBOOT) {
      throw new Error(
        `[${this.name}] nspawn exited ${status.code} instead of ${NSPAWN_REBOOT} on reboot\n${this.#log}`,
      );
    }
    await this.#start();
  }

  /** Kills the container at once (SIGKILL to its init takes every process in it down) and waits for nspawn. */
  async kill(): Promise<void> {
    const nspawn = this.#running();
    Deno.kill(this.#init, "SIGKILL");
    await within(nspawn.status, 30_000, `${this.name} to die`);
    await this.#stopped();
  }

  /** Boots the container again after {@link kill}, on the same disk, and waits for it. */
  async start(): Promise<void> {
    if (this.#nspawn) throw new Error(`container ${this.name} is already running`);
    await this.#start();
  }

  /** Kills the container if it runs, unmounts and removes its disk. Idempotent; call it in `finally`. */
  async destroy(): Promise<void> {
    if (!live.has(this)) return;
    if (this.#nspawn) {
      try {
        if (this.#init) Deno.kill(this.#init, "SIGKILL");
        else this.#nspawn.kill("SIGKILL");
      } catch { /* already gone */ }
      await within(this.#nspawn.status, 30_000, `${this.name} to die`).catch(() => {});
      await this.#stopped();
    }
    await exec(["umount", this.rootfs]);
    await Deno.remove(this.#dir, { recursive: true }).catch(async () => {
      await exec(["umount", "-l", this.rootfs]);
      await Deno.remove(this.#dir, { recursive: true });
    });
    live.delete(this);
  }

  /** The synchronous last resort when the test process exits with this container still up. */
  destroySync(): void {
    if (this.#init) {
      try {
        Deno.kill(this.#init, "SIGKILL");
      } catch { /* already gone */ }
    }
    new Deno.Command("umount", { args: ["-l", this.rootfs], stderr: "null" }).outputSync();
    try {
      Deno.removeSync(this.#dir, { recursive: true });
    } catch { /* best effort */ }
  }

  async #start(): Promise<void> {
    const nspawn = new Deno.Command("systemd-nspawn", {
      args: this.#args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#nspawn = nspawn;
    this.#pumps = [this.#pump(nspawn.stdout), this.#pump(nspawn.stderr)];
    let exited = false;
    nspawn.status.then(() => exited = true);
    this.#init = await waitUntil(
      () => {
        if (exited) throw new Error(`nspawn exited\n${this.#log}`);
        return findInit(nspawn.pid);
      },
      this.#bootTimeoutMs,
      `the init of ${this.name}`,
    );
    await this.#writeOwner();
    await waitUntil(
      async () => {
        if (exited) throw new Error(`nspawn exited\n${this.#log}`);
        const state = (await this.exec(["systemctl", "is-system-running"], { timeoutMs: 10_000 })).stdout
          .trim();
        if (state === "running" || state === "degraded") return state;
        throw new Error(`system state '${state}'`);
      },
      this.#bootTimeoutMs,
      `${this.name} to finish booting`,
      200,
    );
  }

  #running(): Deno.ChildProcess {
    if (!this.#nspawn || !this.#init) throw new Error(`container ${this.name} is not running`);
    return this.#nspawn;
  }

  async #stopped(): Promise<void> {
    await Promise.all(this.#pumps);
    this.#nspawn = undefined;
    this.#init = 0;
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      this.#log = (this.#log + chunk).slice(-LOG_LIMIT);
    }
  }

  async #writeOwner(): Promise<void> {
    const owner = { pid: Deno.pid, init: this.#init, rootfs: this.rootfs };
    await Deno.writeTextFile(path.join(this.#dir, OWNER_FILE), JSON.stringify(owner));
  }
}

/** The child of nspawn that is the container's systemd, if it is there yet. */
async function findInit(nspawnPid: number): Promise<number | undefined> {
  const children = (await Deno.readTextFile(`/proc/${nspawnPid}/task/${nspawnPid}/children`)).trim();
  for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
    const comm = await Deno.readTextFile(`/proc/${pid}/comm`).catch(() => "");
    if (comm.trim() === "systemd") return pid;
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Removes containers left behind by test processes that died: kills their init, unmounts, deletes. */
async function sweepStale(): Promise<void> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  for await (const e of Deno.readDir(tmp)) {
    if (!e.isDirectory || !e.name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(tmp, e.name);
    let owner: { pid: number; init: number; rootfs: string };
    try {
      owner = JSON.parse(await Deno.readTextFile(path.join(dir, OWNER_FILE)));
    } catch {
      continue;
    }
    if (owner.pid === Deno.pid || alive(owner.pid)) continue;
    if (
      owner.init && (await Deno.readTextFile(`/proc/${owner.init}/comm`).catch(() => "")).trim() === "systemd"
    ) {
      Deno.kill(owner.init, "SIGKILL");
      await waitUntil(
        () => alive(owner.init) ? undefined : true,
        30_000,
        `stale container init ${owner.init}`,
      );
    }
    await exec(["umount", "-l", owner.rootfs]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

globalThis.addEventListener("unload", () => {
  for (const ct of live) ct.destroySync();
});
