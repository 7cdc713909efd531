/**
 * A release tarball whose etcd cannot serve, for rollback tests: the official layout of a real fixture, with
 * `etcd` replaced by a tiny static x86-64 ELF (assembled here, no compiler needed) that prints an etcd
 * `--version` banner and exits 0 whatever it is asked. As a `Type=notify` service it never reports ready, so
 * the unit fails to start; every other check of the tarball (checksum, layout, ELF arch, version) passes.
 */
import * as path from "node:path";
import { createHash } from "node:crypto";
import { execOk } from "./exec.ts";
import type { EtcdFixture } from "./etcd_fixtures.ts";

/** A static x86-64 Linux ELF that writes `text` to stdout and exits 0. */
export function bannerElf(text: string): Uint8Array {
  const msg = new TextEncoder().encode(text);
  const base = 0x400000n;
  const codeOff = 64 + 56;
  const code = [
    0xb8,
    1,
    0,
    0,
    0, // mov eax, 1 (write)
    0xbf,
    1,
    0,
    0,
    0, // mov edi, 1 (stdout)
    0x48,
    0x8d,
    0x35,
    16,
    0,
    0,
    0, // lea rsi, [rip + 16] (the message after this code)
    0xba,
    ...u32(msg.length), // mov edx, len
    0x0f,
    0x05, // syscall
    0xb8,
    60,
    0,
    0,
    0, // mov eax, 60 (exit)
    0x31,
    0xff, // xor edi, edi
    0x0f,
    0x05, // syscall
  ];
  const total = codeOff + code.length + msg.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELF, 64-bit, little endian, SYSV
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 0x3e, true); // x86-64
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, base + BigInt(codeOff), true); // entry
  dv.setBigUint64(32, 64n, true); // program headers right after this header
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, 1, true);
  dv.setUint32(64, 1, true); // PT_LOAD
  dv.setUint32(68, 5, true); // R+X
  dv.setBigUint64(80, base, true);
  dv.setBigUint64(88, base, true);
  dv.setBigUint64(96, BigInt(total), true);
  dv.setBigUint64(104, BigInt(total), true);
  dv.setBigUint64(112, 0x1000n, true);
  out.set(code, codeOff);
  out.set(msg, codeOff + code.length);
  return out;
}

function u32(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}

/** A tarball built from `fixture` with a non-serving etcd, in a temp dir under `dir`. */
export interface BrokenRelease {
  tarball: string;
  sha256: string;
}

/**
 * Repacks `fixture` into `dir` (same name, so the same version) with `etcd` replaced by {@link bannerElf}.
 * @example const broken = await brokenRelease(await etcdFixture("sid"), tmp);
 */
export async function brokenRelease(fixture: EtcdFixture, dir: string): Promise<BrokenRelease> {
  const work = await Deno.makeTempDir({ dir, prefix: "broken-" });
  await execOk(["tar", "-xzf", fixture.tarball, "-C", work]);
  const top = `etcd-${fixture.version}-linux-${fixture.arch}`;
  const banner = `etcd Version: ${fixture.version.slice(1)}\nGit SHA: broken\nGo Version: go1.22.0\n` +
    `Go OS/Arch: linux/${fixture.arch}\n`;
  await Deno.writeFile(path.join(work, top, "etcd"), bannerElf(banner), { mode: 0o755 });
  await Deno.chmod(path.join(work, top, "etcd"), 0o755);
  const tarball = path.join(dir, `${top}.tar.gz`);
  await execOk(["tar", "--owner=0", "--group=0", "--numeric-owner", "-C", work, "-czf", tarball, top]);
  await Deno.remove(work, { recursive: true });
  const sha256 = createHash("sha256").update(await Deno.readFile(tarball)).digest("hex");
  return { tarball, sha256 };
}
