/** The machine and tool versions a bench run is reported with, so figures can be compared across runs. */
import * as fs from "node:fs";
import * as os from "node:os";
import { VERSION } from "../../lib/version.ts";

/** Facts about the machine and the tools measured. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  /** 1-minute load average when the run started (other work on the machine skews figures). */
  load1: number;
  versions: Record<string, string>;
}

/** First line of a command's output, or "missing" when it cannot run. */
async function firstLine(argv: string[], pick: RegExp = /^(.*)$/m): Promise<string> {
  try {
    const out = await new Deno.Command(argv[0], { args: argv.slice(1), stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.match(pick)?.[1]?.trim() ?? "unknown";
  } catch {
    return "missing";
  }
}

/** Gathers {@link MachineInfo}; `extra` adds versions found by the benches (e.g. the etcd measured). */
export async function machineInfo(extra: Record<string, string> = {}): Promise<MachineInfo> {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  return {
    cpus: navigator.hardwareConcurrency,
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    kernel: os.release(),
    load1: Math.round(os.loadavg()[0] * 100) / 100,
    versions: {
      etcdup: VERSION,
      deno: Deno.version.deno,
      openssl: await firstLine(["openssl", "version"], /^OpenSSL (\S+)/m),
      curl: await firstLine(["curl", "--version"], /^curl (\S+)/m),
      tar: await firstLine(["tar", "--version"], /^tar \(GNU tar\) (\S+)/m),
      coreutils: await firstLine(["sha256sum", "--version"], /\(GNU coreutils\) (\S+)/m),
      ...extra,
    },
  };
}

/** The machine as report lines. */
export function renderMachine(m: MachineInfo): string {
  return [
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, load ${m.load1} at start`,
    `versions: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(", ")}`,
  ].join("\n");
}
