/** A local mirror for the download tests: both arches' fixture tarballs of a release and their SHA256SUMS. */
import { serveFiles, startHttpsServer, type TestServer } from "../support/https_server.ts";
import { writeRelease } from "../support/tarball_builder.ts";

/** A fixture tarball written by writeRelease. */
type Written = Awaited<ReturnType<typeof writeRelease>>;

/**
 * Writes `version`'s amd64 and arm64 tarballs into `src` and serves them, with a SHA256SUMS for both, in the
 * release layout (`/{version}/{file}`) on an in-process HTTPS server; close it with `server.close()`.
 */
export async function serveRelease(
  src: string,
  version: string,
): Promise<{ amd: Written; arm: Written; server: TestServer }> {
  const amd = await writeRelease(src, version, "amd64");
  const arm = await writeRelease(src, version, "arm64");
  const server = await startHttpsServer(serveFiles({
    [`/${version}/${amd.name}`]: amd.path,
    [`/${version}/${arm.name}`]: arm.path,
    [`/${version}/SHA256SUMS`]: new TextEncoder().encode(
      `${amd.sha256}  ${amd.name}\n${arm.sha256}  ${arm.name}\n`,
    ),
  }));
  return { amd, arm, server };
}
