/**
 * The etcdup side of the fetch bench, run as its own process (like the CLI) so its wall time and peak RSS
 * compare with the manual pipeline's: `obtainRelease` downloads the tarball over HTTPS and hashes, gunzips
 * and unpacks it in one streaming pass, then the staged binaries are left in DEST. The digest is given
 * (as `--sha256`), as it is to `sha256sum -c` on the manual side; `etcd --version` is not run.
 *
 * Usage: deno run <runtime permissions> bench/drivers/fetch.ts MIRROR_BASE VERSION SHA256 CA_FILE DEST
 */
import { createOutput } from "../../lib/cli/output.ts";
import { obtainRelease } from "../../lib/release/obtain.ts";

if (import.meta.main) {
  const [baseUrl, version, sha256, caFile, dest] = Deno.args;
  const staged = await obtainRelease({
    version,
    arch: "amd64",
    source: { kind: "mirror", baseUrl, caFile },
    sha256,
    stagingParent: dest,
    checkVersion: false,
  }, createOutput({ quiet: true }));
  if (Object.keys(staged.files).length !== 3) {
    throw new Error(`staged ${Object.keys(staged.files).join(", ")}`);
  }
}
