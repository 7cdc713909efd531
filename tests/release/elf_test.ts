/**
 * The ELF header check of a staged binary (lib/release/elf.ts) on hand-made headers: not ELF, 32-bit or
 * big-endian, not an executable, the other arch; and checkElf's refusal (exit 3, `bad-binary`) naming the file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import assert from "node:assert/strict";
import { checkElf, ELF_MACHINE, elfProblem } from "../../lib/release/elf.ts";
import { Exit } from "../../lib/errors.ts";
import { elfStub } from "../support/tarball_builder.ts";
import { inTempDir, throwsWith } from "./helpers.ts";

/** A 20-byte ELF header: class, data, e_type and e_machine as given. */
function header(opts: { cls?: number; data?: number; type?: number; machine?: number } = {}): Uint8Array {
  const h = new Uint8Array(20);
  h.set([0x7f, 0x45, 0x4c, 0x46, opts.cls ?? 2, opts.data ?? 1, 1]);
  const type = opts.type ?? 2;
  const machine = opts.machine ?? ELF_MACHINE.amd64;
  h.set([type & 0xff, type >> 8, machine & 0xff, machine >> 8], 16);
  return h;
}

Deno.test("elfProblem: a 64-bit little-endian executable (or PIE) of the arch passes; every other header is named", () => {
  assert.equal(elfProblem(header(), "amd64"), undefined);
  assert.equal(elfProblem(header({ type: 3 }), "amd64"), undefined, "a PIE (ET_DYN) runs too");
  assert.equal(elfProblem(header({ machine: ELF_MACHINE.arm64 }), "arm64"), undefined);
  assert.equal(
    elfProblem(new TextEncoder().encode("#!/bin/sh\necho etcd 3.6.6\n"), "amd64"),
    "is not an ELF executable",
  );
  assert.equal(
    elfProblem(header().subarray(0, 19), "amd64"),
    "is not an ELF executable",
    "a cut-short header",
  );
  assert.equal(elfProblem(header({ cls: 1 }), "amd64"), "is not a 64-bit little-endian ELF file");
  assert.equal(elfProblem(header({ data: 2 }), "amd64"), "is not a 64-bit little-endian ELF file");
  assert.equal(elfProblem(header({ type: 1 }), "amd64"), "is an ELF file of type 1, not an executable");
  assert.equal(elfProblem(header({ machine: ELF_MACHINE.arm64 }), "amd64"), "is built for arm64, not amd64");
  assert.equal(elfProblem(header({ machine: 40 }), "arm64"), "is built for e_machine 40, not arm64");
});

Deno.test("checkElf: the test's amd64 stub passes; a script in its place is refused with bad-binary, exit 3", () =>
  inTempDir((dir) => {
    const bin = path.join(dir, "etcd");
    fs.writeFileSync(bin, elfStub("amd64", "3.6.6"));
    checkElf(bin, "amd64");
    fs.writeFileSync(bin, "#!/bin/sh\n");
    throwsWith(
      () => checkElf(bin, "amd64"),
      "bad-binary",
      Exit.verification,
      /^etcd in the release tarball is not an ELF executable$/,
    );
    return Promise.resolve();
  }));
