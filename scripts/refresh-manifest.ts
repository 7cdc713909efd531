/**
 * Refreshes assets/releases.json from upstream SHA256SUMS files, where a network allows:
 *
 *     deno run -A scripts/refresh-manifest.ts [--add v3.6.15,v3.5.34] [--mirror URL] [--mirror-ca FILE]
 *       [--only v3.6.6,...] [--manifest FILE] [--dry-run]
 *
 * For every version in the manifest (plus --add), it fetches `{mirror}/{version}/SHA256SUMS` through the
 * same downloader as etcdup (proxy variables, retries, TLS verified) and takes the digests of the Linux
 * tarballs. A digest that DISAGREES with the manifest is never overwritten: it is reported and the script
 * exits 1, since the manifest's values were cross-checked and a change means a mirror or the table is wrong.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { createHttpClient, fetchText } from "../lib/release/http.ts";
import { compareVersions } from "../lib/etcd/version.ts";
import { resolveVersion } from "../lib/release/manifest.ts";
import { DEFAULT_MIRROR, parseSha256Sums } from "../lib/release/source.ts";

const DEFAULT_FILE = new URL("../assets/releases.json", import.meta.url).pathname;

/** The manifest file's shape. */
interface Manifest {
  source: string;
  tarballs: Record<string, Record<string, string>>;
}

async function refresh(): Promise<number> {
  const { values } = parseArgs({
    options: {
      add: { type: "string" },
      only: { type: "string" },
      mirror: { type: "string" },
      "mirror-ca": { type: "string" },
      manifest: { type: "string" },
      "dry-run": { type: "boolean" },
    },
  });
  const file = values.manifest ?? DEFAULT_FILE;
  const manifest: Manifest = JSON.parse(fs.readFileSync(file, "utf8"));
  const added = (values.add ?? "").split(",").filter(Boolean).map((v) => resolveVersion(v));
  const only = values.only?.split(",").filter(Boolean).map((v) => resolveVersion(v));
  const versions = only ?? [...new Set([...Object.keys(manifest.tarballs), ...added])].sort(compareVersions);
  const mirror = (values.mirror ?? DEFAULT_MIRROR).replace(/\/+$/, "");
  const client = createHttpClient({ env: Deno.env.toObject(), caFile: values["mirror-ca"], retries: 2 });
  const conflicts: string[] = [];
  let updated = 0;
  try {
    for (const version of versions) {
      const url = `${mirror}/${version}/SHA256SUMS`;
      const text = await fetchText(client, url).catch((err) => {
        console.error(`skip ${version}: ${err.message}`);
        return undefined;
      });
      if (text === undefined) continue;
      const entry = manifest.tarballs[version] ??= {};
      for (const [name, digest] of parseSha256Sums(text)) {
        const arch = name.match(
          new RegExp(`^etcd-${version.replaceAll(".", "\\.")}-linux-([a-z0-9]+)\\.tar\\.gz$`),
        )?.[1];
        if (!arch) continue;
        if (entry[arch] === undefined) {
          entry[arch] = digest;
          updated++;
          console.log(`added ${version} ${arch} ${digest}`);
        } else if (entry[arch] !== digest) {
          conflicts.push(`${version} ${arch}: manifest ${entry[arch]}, ${url} says ${digest}`);
        }
      }
    }
  } finally {
    await client.close();
  }
  for (const c of conflicts) console.error(`CONFLICT ${c}`);
  if (updated > 0 && !values["dry-run"]) {
    const sorted = Object.fromEntries(
      Object.keys(manifest.tarballs).sort(compareVersions).map((v) => [v, manifest.tarballs[v]]),
    );
    const note = `Refreshed ${new Date().toISOString().slice(0, 10)} from ${mirror}/{version}/SHA256SUMS. `;
    const out: Manifest = {
      source: note + manifest.source.replace(/^Refreshed [^.]*\. /, ""),
      tarballs: sorted,
    };
    fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  }
  console.log(
    `${updated} digests added, ${conflicts.length} conflicts${values["dry-run"] ? " (dry run)" : ""}`,
  );
  return conflicts.length > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await refresh());
