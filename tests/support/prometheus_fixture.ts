/**
 * Prometheus and promtool for tests, without the internet beyond Debian's apt: the `prometheus` package of
 * a suite fetched with etcd_fixtures' private `apt-get download` and unpacked with `dpkg -x` into
 * `.cache/fixtures/prometheus-<suite>/` (built once, shared by processes like the etcd fixtures).
 */
import * as path from "node:path";
import { execOk } from "./exec.ts";
import { cachedFixture, downloadDebs, type FixtureSuite } from "./etcd_fixtures.ts";

/** The unpacked binaries. */
export interface PrometheusFixture {
  prometheus: string;
  promtool: string;
  /** Debian package version, e.g. "2.42.0+ds-5+b5". */
  version: string;
}

const builds = new Map<FixtureSuite, Promise<PrometheusFixture>>();

/**
 * Debian `suite`'s prometheus, built on first use and cached.
 * @example const { promtool } = await prometheusFixture("bookworm");
 */
export function prometheusFixture(suite: FixtureSuite = "bookworm"): Promise<PrometheusFixture> {
  let build = builds.get(suite);
  if (!build) {
    build = cachedFixture(`prometheus-${suite}`, read, async (tmp) => {
      const work = path.join(tmp, "work");
      const [deb] = await downloadDebs(suite, work, ["prometheus"]);
      const version = (await execOk(["dpkg-deb", "-f", deb, "Version"])).trim();
      const x = path.join(work, "x");
      await execOk(["dpkg", "-x", deb, x]);
      for (const bin of ["prometheus", "promtool"]) {
        await Deno.rename(path.join(x, "usr/bin", bin), path.join(tmp, bin));
      }
      await Deno.remove(work, { recursive: true });
      await Deno.writeTextFile(path.join(tmp, "version"), version);
    });
    builds.set(suite, build);
    build.catch(() => builds.delete(suite));
  }
  return build;
}

async function read(dir: string): Promise<PrometheusFixture | undefined> {
  try {
    const version = (await Deno.readTextFile(path.join(dir, "version"))).trim();
    return { prometheus: path.join(dir, "prometheus"), promtool: path.join(dir, "promtool"), version };
  } catch {
    return undefined;
  }
}
