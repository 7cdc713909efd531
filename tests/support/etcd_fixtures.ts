/**
 * Real etcd release tarballs for tests, without the internet: Debian's etcd binaries of a suite
 * (`etcd-server` and `etcd-client`, fetched with `apt-get download` through a private apt configuration that
 * leaves the host's apt state alone, unpacked with `dpkg -x`), packed in the official release layout:
 *
 *     etcd-vX.Y.Z-linux-amd64/{etcd, etcdctl, etcdutl, README.md, README-etcdctl.md, README-etcdutl.md,
 *                              READMEv2-etcdctl.md, Documentation/README.md}
 *
 * etcdutl first shipped in etcd 3.5, so a 3.4 fixture (bookworm) has neither etcdutl nor README-etcdutl.md,
 * exactly like the official 3.4 tarballs. The version is read from the package, never pinned.
 *
 * Built once per suite under `.cache/fixtures/<suite>/` (git-ignored) in a temporary directory renamed into
 * place, so concurrent test processes never see a half-built fixture; calls within a process share one build.
 */
import * as path from "node:path";
import { createHash } from "node:crypto";
import { execOk } from "./exec.ts";

/** A release tarball in the official layout, with its digest and a `SHA256SUMS` beside it. */
export interface EtcdFixture {
  /** Release version with a leading v, e.g. "v3.5.30". */
  version: string;
  arch: "amd64";
  /** Real path of `etcd-<version>-linux-amd64.tar.gz`. */
  tarball: string;
  /** Hex SHA-256 of the tarball. */
  sha256: string;
  /** Real path of a `SHA256SUMS` file (official format: `<hex>  <file name>`) beside the tarball. */
  sha256sums: string;
}

/** Debian suites whose etcd packages can make a fixture (bookworm 3.4.x, trixie 3.5.x, sid: whatever it has). */
export type FixtureSuite = "bookworm" | "trixie" | "sid";

/** Folder of all fixtures: `<repo>/.cache/fixtures`. */
const CACHE_DIR = path.resolve(new URL("../../.cache/fixtures", import.meta.url).pathname);
const DEBIAN_MIRROR = "http://deb.debian.org/debian";
const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
/** What a cached fixture folder records about itself; its presence marks the folder complete. */
const META = "fixture.json";

const builds = new Map<FixtureSuite, Promise<EtcdFixture>>();

/**
 * The etcd release fixture of a Debian suite, built on first use and cached.
 * @example
 * const fx = await etcdFixture("sid");
 * // fx.tarball ends in etcd-v3.5.30-linux-amd64.tar.gz; fx.sha256 is its digest
 */
export function etcdFixture(suite: FixtureSuite): Promise<EtcdFixture> {
  let build = builds.get(suite);
  if (!build) {
    build = loadOrBuild(suite);
    builds.set(suite, build);
    build.catch(() => builds.delete(suite));
  }
  return build;
}

function loadOrBuild(suite: FixtureSuite): Promise<EtcdFixture> {
  return cachedFixture(suite, readFixture, (tmp) => buildFixture(suite, tmp));
}

/**
 * The fixture folder `.cache/fixtures/<name>`, read by `read` (undefined while incomplete), else built by
 * `build` into a temporary folder renamed into place, so concurrent test processes never see half of one.
 * Shared by every Debian-package fixture (etcd, prometheus).
 */
export async function cachedFixture<T>(
  name: string,
  read: (dir: string) => Promise<T | undefined>,
  build: (tmp: string) => Promise<void>,
): Promise<T> {
  const dir = path.join(CACHE_DIR, name);
  const cached = await read(dir);
  if (cached) return cached;
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: CACHE_DIR, prefix: `${name}.build-` });
  try {
    await build(tmp);
    await Deno.chmod(tmp, 0o755);
    try {
      await Deno.rename(tmp, dir);
    } catch (err) {
      // Another process finished first: its fixture is as good as ours.
      if (!(await read(dir))) throw err;
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const built = await read(dir);
  if (!built) throw new Error(`fixture ${dir} vanished after it was built`);
  return built;
}

async function readFixture(dir: string): Promise<EtcdFixture | undefined> {
  let meta: { version: string; sha256: string; tarball: string };
  try {
    meta = JSON.parse(await Deno.readTextFile(path.join(dir, META)));
  } catch {
    return undefined;
  }
  return {
    version: meta.version,
    arch: "amd64",
    tarball: path.join(dir, meta.tarball),
    sha256: meta.sha256,
    sha256sums: path.join(dir, "SHA256SUMS"),
  };
}

/** Fetches the suite's etcd packages, packs the tarball into `out` and removes everything else from it. */
async function buildFixture(suite: FixtureSuite, out: string): Promise<void> {
  const work = path.join(out, "work");
  const debs = await downloadDebs(suite, work, ["etcd-server", "etcd-client"]);
  const debVersion = (await execOk(["dpkg-deb", "-f", debs[0], "Version"])).trim();
  const version = `v${upstreamVersion(debVersion)}`;
  const extracted = path.join(work, "x");
  for (const deb of debs) await execOk(["dpkg", "-x", deb, extracted]);

  const top = `etcd-${version}-linux-amd64`;
  const stage = path.join(work, "stage", top);
  await Deno.mkdir(path.join(stage, "Documentation"), { recursive: true });
  const hasEtcdutl = await exists(path.join(extracted, "usr/bin/etcdutl"));
  for (const bin of hasEtcdutl ? ["etcd", "etcdctl", "etcdutl"] : ["etcd", "etcdctl"]) {
    await Deno.copyFile(path.join(extracted, "usr/bin", bin), path.join(stage, bin));
    await Deno.chmod(path.join(stage, bin), 0o755);
  }
  const origin =
    `Test fixture: etcd ${version} binaries from Debian ${suite} (etcd-server, etcd-client ${debVersion}).\n`;
  const docs = ["README.md", "README-etcdctl.md", "READMEv2-etcdctl.md", "Documentation/README.md"];
  if (hasEtcdutl) docs.push("README-etcdutl.md");
  for (const doc of docs) await Deno.writeTextFile(path.join(stage, doc), origin, { mode: 0o644 });

  const tarName = `${top}.tar.gz`;
  await execOk([
    "tar",
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@0",
    "-C",
    path.dirname(stage),
    "-czf",
    path.join(out, tarName),
    top,
  ]);
  const sha256 = createHash("sha256").update(await Deno.readFile(path.join(out, tarName))).digest("hex");
  await Deno.writeTextFile(path.join(out, "SHA256SUMS"), `${sha256}  ${tarName}\n`);
  await Deno.remove(work, { recursive: true });
  await Deno.writeTextFile(
    path.join(out, META),
    JSON.stringify({ version, sha256, tarball: tarName }, null, 2),
  );
}

/** `apt-get download`s `packages` of `suite` into `work/debs` with a private apt configuration under `work`. */
export async function downloadDebs(suite: FixtureSuite, work: string, packages: string[]): Promise<string[]> {
  const apt = path.join(work, "apt");
  const debsDir = path.join(work, "debs");
  for (const d of ["lists/partial", "cache/archives/partial", "debs"]) {
    await Deno.mkdir(path.join(d === "debs" ? work : apt, d), { recursive: true });
  }
  const sources = path.join(apt, "sources.list");
  await Deno.writeTextFile(sources, `deb [signed-by=${KEYRING}] ${DEBIAN_MIRROR} ${suite} main\n`);
  const options = [
    ["Dir::Etc::sourcelist", sources],
    ["Dir::Etc::sourceparts", "-"],
    ["Dir::State::Lists", path.join(apt, "lists")],
    ["Dir::State::status", "/dev/null"],
    ["Dir::Cache", path.join(apt, "cache")],
    ["APT::Architecture", "amd64"],
    ["APT::Sandbox::User", "root"],
  ].flatMap(([k, v]) => ["-o", `${k}=${v}`]);
  await execOk(["apt-get", ...options, "-qq", "update"]);
  await execOk(["apt-get", ...options, "-qq", "download", ...packages], { cwd: debsDir });
  const names = [...Deno.readDirSync(debsDir)].map((e) => e.name);
  return packages.map((pkg) => {
    const name = names.find((n) => n.startsWith(`${pkg}_`) && n.endsWith(".deb"));
    if (!name) throw new Error(`apt-get download ${pkg} (${suite}) left no .deb in ${debsDir}`);
    return path.join(debsDir, name);
  });
}

/** Debian version "1:3.4.23-4+b4" -> upstream "3.4.23" (no epoch, no Debian revision). */
function upstreamVersion(debVersion: string): string {
  const upstream = debVersion.replace(/^\d+:/, "").replace(/-[^-]*$/, "");
  if (!/^\d+\.\d+\.\d+$/.test(upstream)) throw new Error(`unexpected Debian etcd version ${debVersion}`);
  return upstream;
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}
