/**
 * A release tarball whose etcd cannot serve, for rollback tests: the official layout of a real fixture, with
 * `etcd` replaced by the builder's tiny static x86-64 ELF ({@link elfStub}) that prints an etcd `--version`
 * banner and exits 0 whatever it is asked. As a `Type=notify` service it never reports ready, so the unit fails
 * to start; every other check of the tarball (checksum, layout, ELF arch, version) passes.
 */
import * as path from "node:path";
import { sha256Hex } from "../../lib/hash.ts";
import { topFolderName } from "../../lib/release/file_name.ts";
import { execOk } from "./exec.ts";
import type { EtcdFixture } from "./etcd_fixtures.ts";
import { elfStub } from "./tarball_builder.ts";

/** A tarball built from `fixture` with a non-serving etcd, in a temp dir under `dir`. */
export interface BrokenRelease {
  tarball: string;
  sha256: string;
}

/**
 * Repacks `fixture` into `dir` (same name, so the same version) with `etcd` replaced by an {@link elfStub}
 * printing the fixture's version banner.
 * @example const broken = await brokenRelease(await etcdFixture("sid"), tmp);
 */
export async function brokenRelease(fixture: EtcdFixture, dir: string): Promise<BrokenRelease> {
  const work = await Deno.makeTempDir({ dir, prefix: "broken-" });
  await execOk(["tar", "-xzf", fixture.tarball, "-C", work]);
  const top = topFolderName(fixture.version, fixture.arch);
  const banner = `etcd Version: ${fixture.version.slice(1)}\nGit SHA: broken\nGo Version: go1.22.0\n` +
    `Go OS/Arch: linux/${fixture.arch}\n`;
  const etcd = path.join(work, top, "etcd");
  await Deno.writeFile(etcd, elfStub("amd64", banner), { mode: 0o755 });
  await Deno.chmod(etcd, 0o755);
  const tarball = path.join(dir, `${top}.tar.gz`);
  await execOk(["tar", "--owner=0", "--group=0", "--numeric-owner", "-C", work, "-czf", tarball, top]);
  await Deno.remove(work, { recursive: true });
  return { tarball, sha256: sha256Hex(await Deno.readFile(tarball)) };
}
