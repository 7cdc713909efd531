/** Release file names: building and reading them are each other's inverse. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseTarballName, tarballName, topFolderName } from "../../lib/release/file_name.ts";
import { ARCHES } from "../../lib/release/manifest.ts";

Deno.test("a built tarball name reads back as the version and arch it was built from", () => {
  for (const version of ["v3.4.23", "v3.5.30", "v3.6.6", "v3.10.100"]) {
    for (const arch of ARCHES) {
      const name = tarballName(version, arch);
      assertEquals(parseTarballName(name), { version, arch });
      assertEquals(parseTarballName(`/srv/tarballs/${name}`), { version, arch }, "directories are ignored");
      assertEquals(tarballName(version, arch), `${topFolderName(version, arch)}.tar.gz`);
    }
  }
});

Deno.test("a read official name builds back to itself; other names read as undefined", () => {
  for (const name of ["etcd-v3.6.6-linux-amd64.tar.gz", "etcd-v3.5.30-linux-arm64.tar.gz"]) {
    const parsed = parseTarballName(name)!;
    assertEquals(tarballName(parsed.version, parsed.arch as "amd64" | "arm64"), name);
  }
  assertEquals(parseTarballName("etcd-v3.5.0-linux-ppc64le.tar.gz"), { version: "v3.5.0", arch: "ppc64le" });
  for (
    const name of [
      "etcd-3.6.6-linux-amd64.tar.gz",
      "etcd-v3.6-linux-amd64.tar.gz",
      "etcd-v3.6.6-linux-amd64.zip",
      "x.tar.gz",
    ]
  ) {
    assertEquals(parseTarballName(name), undefined, name);
  }
});
