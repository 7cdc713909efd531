/** The ELF header check: a staged binary must be a 64-bit little-endian Linux executable for the arch. */
import * as fs from "node:fs";
import * as path from "node:path";
import { verificationError } from "../errors.ts";
import type { Arch } from "./manifest.ts";

/** e_machine values of the supported arches. */
export const ELF_MACHINE: Record<Arch, number> = { amd64: 62, arm64: 183 };

/** Describes what is wrong with an ELF header for `arch`, or returns undefined when it fits. */
export function elfProblem(header: Uint8Array, arch: Arch): string | undefined {
  if (
    header.length < 20 || header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46
  ) {
    return "is not an ELF executable";
  }
  if (header[4] !== 2 || header[5] !== 1) return "is not a 64-bit little-endian ELF file";
  const type = header[16] | (header[17] << 8);
  if (type !== 2 && type !== 3) return `is an ELF file of type ${type}, not an executable`;
  const machine = header[18] | (header[19] << 8);
  if (machine !== ELF_MACHINE[arch]) {
    const name = Object.entries(ELF_MACHINE).find(([, m]) => m === machine)?.[0] ?? `e_machine ${machine}`;
    return `is built for ${name}, not ${arch}`;
  }
  return undefined;
}

/** Throws a verification error unless the file at `file` is an ELF executable for `arch`. */
export function checkElf(file: string, arch: Arch): void {
  const fd = fs.openSync(file, "r");
  const header = new Uint8Array(20);
  let n: number;
  try {
    n = fs.readSync(fd, header, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  const problem = elfProblem(header.subarray(0, n), arch);
  if (problem) {
    throw verificationError(
      "bad-binary",
      `${path.basename(file)} in the release tarball ${problem}`,
      "The tarball is not an official etcd Linux release for this arch; nothing was installed. Check --arch and the source.",
    );
  }
}
