/**
 * The base image of the end-to-end containers: a Debian bookworm minbase with systemd, made by debootstrap
 * once and cached under `.cache/rootfs/bookworm-r<recipe>` (git-ignored). Built in a temporary folder and renamed into
 * place, so concurrent test processes never boot a half-built tree. Containers never write to it: each boots
 * an overlay of it (see container.ts).
 */
import * as path from "node:path";
import { execOk } from "../../support/exec.ts";

const CACHE_DIR = path.resolve(new URL("../../../.cache/rootfs", import.meta.url).pathname);
const SUITE = "bookworm";
/** Bump when {@link prepareRootfs} changes: the image folder is named after it, so a new recipe builds anew. */
const RECIPE = "2";
const STAMP = ".etcdup-rootfs";

let cached: Promise<string> | undefined;

/**
 * The real path of the cached base image, built on first use (about a minute; needs debootstrap and network
 * access to deb.debian.org).
 * @example const lower = await baseRootfs(); // "/…/.cache/rootfs/bookworm-r1"
 */
export function baseRootfs(): Promise<string> {
  cached ??= loadOrBuild().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function loadOrBuild(): Promise<string> {
  const dir = path.join(CACHE_DIR, `${SUITE}-r${RECIPE}`);
  if (await isReady(dir)) return dir;
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: CACHE_DIR, prefix: `${SUITE}.build-` });
  try {
    await execOk([
      "debootstrap",
      "--variant=minbase",
      "--include=systemd,systemd-sysv,dbus,curl,ca-certificates",
      SUITE,
      tmp,
      "http://deb.debian.org/debian",
    ], { timeoutMs: 600_000 });
    await prepareRootfs(tmp);
    await Deno.chmod(tmp, 0o755);
    try {
      await Deno.rename(tmp, dir);
    } catch (err) {
      if (!(await isReady(dir))) throw err; // another process finished first
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return dir;
}

async function isReady(dir: string): Promise<boolean> {
  try {
    await Deno.stat(path.join(dir, STAMP));
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns a fresh debootstrap tree into what a newly provisioned cloud VM looks like: `/etc/hosts` naming
 * localhost (minbase has none), no baked-in hostname or machine-id (each container gets its own), no
 * package cache. Marks the tree complete last.
 */
export async function prepareRootfs(dir: string): Promise<void> {
  await Deno.writeTextFile(
    path.join(dir, "etc/hosts"),
    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
  );
  await Deno.remove(path.join(dir, "etc/hostname")).catch(() => {});
  await Deno.writeTextFile(path.join(dir, "etc/machine-id"), "");
  const archives = path.join(dir, "var/cache/apt/archives");
  for (const e of Deno.readDirSync(archives)) {
    if (e.name.endsWith(".deb")) await Deno.remove(path.join(archives, e.name));
  }
  await Deno.writeTextFile(path.join(dir, STAMP), "complete\n");
}
