/**
 * The malformed-archive corpus: hand-made tar headers (bad checksums, size fields with garbage, negative,
 * huge or base-256 values, directories with content, truncated headers, PAX records with bad lengths, GNU
 * long-name chains, zero blocks in the middle, entries after the end-of-archive marker, ...) and broken gzip
 * go through obtainRelease, each in a worker with a time bound: every one ends in its clean verification
 * error (exit 3) with the staging dir removed, none hangs, and nothing after the end marker is installed.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { Exit } from "../../lib/errors.ts";
import { topFolderName } from "../../lib/release/file_name.ts";
import {
  END_OF_ARCHIVE,
  gzipBlocks,
  paxEntry,
  rawEntry,
  rawHeader,
  rawRelease,
  releaseEntries,
} from "../support/tarball_builder.ts";
import type { CorpusOutcome } from "./unpack_corpus_worker.ts";
import { listTree, tempDir } from "./helpers.ts";
import { execOk } from "../support/exec.ts";

const V = "v9.8.7";
const TOP = topFolderName(V, "amd64");
const text = (s: string) => new TextEncoder().encode(s);
/** The honest release's raw blocks without etcdutl, and etcdutl's alone. */
const honest = () => rawRelease(V, "amd64");
const etcdutl = releaseEntries(V, "amd64").find((e) => e.name.endsWith("/etcdutl"))!;
const withoutEtcdutl = () =>
  releaseEntries(V, "amd64").filter((e) => e.name !== etcdutl.name).flatMap((e) =>
    rawEntry({ name: e.name, type: e.type === "directory" ? "5" : "0" }, e.data ?? new Uint8Array())
  );
const base256 = (n: bigint, negative = false) => {
  const f = new Uint8Array(12);
  f[0] = negative ? 0xff : 0x80;
  for (let i = 11, v = n; i > 0; i--, v >>= 8n) f[i] = Number(v & 0xffn) ^ (negative ? 0xff : 0);
  return f;
};
const tgz = (...parts: Uint8Array[][]) => gzipBlocks(parts.flat());

/** [label, tarball bytes, accepted outcome codes ("ok" for a successful unpack)]. */
const CORPUS: [string, Uint8Array, string[]][] = [
  ["honest release (raw builder)", tgz(honest(), [END_OF_ARCHIVE]), ["ok"]],
  [
    "bad header checksum",
    tgz([rawHeader({ name: `${TOP}/`, type: "5", checksum: "bad" })], honest(), [END_OF_ARCHIVE]),
    [
      "bad-tar",
    ],
  ],
  [
    "checksum field garbage",
    tgz([rawHeader({ name: `${TOP}/`, type: "5", checksum: "zzzzzzz\0" })], [END_OF_ARCHIVE]),
    [
      "bad-tar",
    ],
  ],
  [
    "size field garbage",
    tgz(rawEntry({ name: `${TOP}/x`, size: "abcdefghijk\0" }), honest(), [END_OF_ARCHIVE]),
    [
      "bad-tar",
    ],
  ],
  ["size field negative text", tgz(rawEntry({ name: `${TOP}/x`, size: "-0000000001\0" }), [END_OF_ARCHIVE]), [
    "bad-tar",
  ]],
  [
    "size field with a NUL inside",
    tgz(rawEntry({ name: `${TOP}/x`, size: "0000\u00000001000" }), [END_OF_ARCHIVE]),
    [
      "bad-tar",
    ],
  ],
  [
    "size field base-256 negative",
    tgz([rawHeader({ name: `${TOP}/x`, size: base256(512n, true) })], [END_OF_ARCHIVE]),
    [
      "bad-tar",
    ],
  ],
  [
    "size field base-256 beyond 2^53",
    tgz([rawHeader({ name: `${TOP}/x`, size: base256(1n << 80n) })], [END_OF_ARCHIVE]),
    [
      "bad-tar",
    ],
  ],
  [
    "size field base-256 huge but exact (1 TiB)",
    tgz([rawHeader({ name: `${TOP}/x`, size: base256(1n << 40n) })], [
      END_OF_ARCHIVE,
    ]),
    ["unsafe-tarball", "bad-tar"],
  ],
  [
    "size field base-256, honest value",
    tgz(
      withoutEtcdutl(),
      [rawHeader({ name: etcdutl.name, size: base256(BigInt(etcdutl.data!.length)) }), etcdutl.data!],
      [new Uint8Array((512 - etcdutl.data!.length % 512) % 512), END_OF_ARCHIVE],
    ),
    ["ok"],
  ],
  [
    "size octal 8 GiB file",
    tgz([rawHeader({ name: `${TOP}/etcd`, size: "77777777777\0" })], [END_OF_ARCHIVE]),
    [
      "unsafe-tarball",
    ],
  ],
  [
    "directory entry with content (used to hang)",
    tgz(
      rawEntry({ name: `${TOP}/`, type: "5" }, new Uint8Array(1024).fill(0x41)),
      honest(),
      [END_OF_ARCHIVE],
    ),
    ["bad-tar"],
  ],
  [
    "directory entry declaring content that is not there",
    tgz([rawHeader({ name: `${TOP}/`, type: "5", size: 4096 })], [
      END_OF_ARCHIVE,
    ]),
    ["bad-tar"],
  ],
  [
    "directory entry with content, last",
    tgz(honest(), rawEntry({ name: `${TOP}/d/`, type: "5" }, text("x")), [
      END_OF_ARCHIVE,
    ]),
    ["bad-tar"],
  ],
  ["truncated header", gzipBlocks([...honest(), rawHeader({ name: `${TOP}/x` }).subarray(0, 300)]), [
    "bad-tar",
  ]],
  [
    "truncated content",
    gzipBlocks([...honest(), rawHeader({ name: `${TOP}/x`, size: 10000 }), new Uint8Array(700)]),
    [
      "bad-tar",
    ],
  ],
  ["no end-of-archive marker", tgz(honest()), ["bad-tar"]],
  [
    "a lone zero block in the middle",
    tgz(withoutEtcdutl(), [new Uint8Array(512)], rawEntry({ name: etcdutl.name }, etcdutl.data!), [
      END_OF_ARCHIVE,
    ]),
    ["bad-tar"],
  ],
  [
    "etcdutl hidden after the end-of-archive marker",
    tgz(withoutEtcdutl(), [END_OF_ARCHIVE], rawEntry({ name: etcdutl.name }, etcdutl.data!), [
      END_OF_ARCHIVE,
    ]),
    ["bad-tar"],
  ],
  [
    "an extra file after the marker",
    tgz(honest(), [END_OF_ARCHIVE], rawEntry({ name: `${TOP}/evil` }, text("x"))),
    [
      "bad-tar",
    ],
  ],
  [
    "zero padding after the marker (as tar writes it)",
    tgz(honest(), [END_OF_ARCHIVE, new Uint8Array(8192)]),
    ["ok"],
  ],
  [
    "unknown header format",
    tgz([rawHeader({ name: `${TOP}/`, type: "5", magic: "xxxxx\0" })], honest(), [
      END_OF_ARCHIVE,
    ]),
    ["bad-tar"],
  ],
  [
    "a header of zeros but its checksum",
    tgz([rawHeader({ name: "", type: "\0", magic: "\0\0\0\0\0\0", mtime: "\0" })], honest(), [
      END_OF_ARCHIVE,
    ]),
    ["bad-tar"],
  ],
  [
    "PAX size record",
    tgz(paxEntry("12 size=100\n"), rawEntry({ name: `${TOP}/etcdx` }, new Uint8Array(600)), honest(), [
      END_OF_ARCHIVE,
    ]),
    ["bad-tar"],
  ],
  ["PAX record longer than its header", tgz(paxEntry("99999 path=x\n"), honest(), [END_OF_ARCHIVE]), [
    "bad-tar",
  ]],
  ["PAX record with a negative length", tgz(paxEntry("-5 path=x\n"), honest(), [END_OF_ARCHIVE]), [
    "bad-tar",
  ]],
  ["PAX record with a zero length", tgz(paxEntry("0 path=x\n"), honest(), [END_OF_ARCHIVE]), ["bad-tar"]],
  ["PAX record without a length", tgz(paxEntry("path=x\n"), honest(), [END_OF_ARCHIVE]), ["bad-tar"]],
  ["PAX record shorter than it says", tgz(paxEntry("11 path=x\n"), honest(), [END_OF_ARCHIVE]), ["bad-tar"]],
  ["PAX record without '='", tgz(paxEntry("9 pathx\n\n"), honest(), [END_OF_ARCHIVE]), ["bad-tar"]],
  [
    "PAX path escaping the archive",
    tgz(paxEntry("16 path=../evil\n"), rawEntry({ name: `${TOP}/ok` }, text("x")), honest(), [
      END_OF_ARCHIVE,
    ]),
    ["unsafe-tarball"],
  ],
  ["global PAX header with a path", tgz(paxEntry("15 path=/etc/x\n", true), honest(), [END_OF_ARCHIVE]), [
    "bad-tar",
  ]],
  [
    "global PAX comment (git archive)",
    tgz(paxEntry("19 comment=abcdef0\n", true), honest(), [END_OF_ARCHIVE]),
    ["ok"],
  ],
  ["oversized PAX header", tgz([rawHeader({ name: "p", type: "x", size: 8 << 20 })], [END_OF_ARCHIVE]), [
    "bad-tar",
  ]],
  [
    "GNU long-name chain (2000 links)",
    tgz(
      Array.from(
        { length: 2000 },
        () => rawEntry({ name: "././@LongLink", type: "L" }, text(`${TOP}/loop\0`)),
      ).flat(),
      honest(),
      [END_OF_ARCHIVE],
    ),
    ["ok"],
  ],
  [
    "GNU long name pointing outside",
    tgz(
      rawEntry({ name: "././@LongLink", type: "L" }, text("/etc/passwd\0")),
      rawEntry({ name: `${TOP}/x` }, text("x")),
      [
        END_OF_ARCHIVE,
      ],
    ),
    ["unsafe-tarball"],
  ],
  [
    "GNU long name with nothing after it",
    tgz(honest(), rawEntry({ name: "././@LongLink", type: "L" }, text("x\0")), [
      END_OF_ARCHIVE,
    ]),
    ["ok", "bad-tar"],
  ],
  [
    "oversized GNU long name",
    tgz([rawHeader({ name: "././@LongLink", type: "L", size: 64 << 20 })], [END_OF_ARCHIVE]),
    [
      "bad-tar",
    ],
  ],
  [
    "10001 entries",
    tgz(
      honest(),
      Array.from({ length: 10_001 }, (_, i) => rawEntry({ name: `${TOP}/Documentation/f${i}` })).flat(),
      [END_OF_ARCHIVE],
    ),
    ["unsafe-tarball"],
  ],
  [
    "symlink declaring content",
    tgz(rawEntry({ name: `${TOP}/etcd`, type: "2" }, text("data")), [END_OF_ARCHIVE]),
    [
      "unsafe-tarball",
    ],
  ],
  [
    "mtime field garbage (harmless)",
    tgz(rawEntry({ name: `${TOP}/x`, mtime: "garbage!!!!\0" }, text("x")), honest(), [
      END_OF_ARCHIVE,
    ]),
    ["ok"],
  ],
  ["empty file", new Uint8Array(), ["bad-gzip", "bad-tar"]],
  ["gzip of nothing", new Uint8Array(zlib.gzipSync(new Uint8Array())), ["bad-tar"]],
  [
    "gzip with a bad CRC",
    (() => {
      const gz = tgz(honest(), [END_OF_ARCHIVE]);
      gz[gz.length - 6] ^= 0xff;
      return gz;
    })(),
    ["bad-gzip"],
  ],
  [
    "gzip with a bad magic",
    (() => {
      const gz = tgz(honest(), [END_OF_ARCHIVE]);
      gz[0] = 0;
      return gz;
    })(),
    ["bad-gzip"],
  ],
  ["gzip cut in its header", tgz(honest(), [END_OF_ARCHIVE]).subarray(0, 5), ["bad-gzip"]],
  ["a plain tar, not gzipped", Buffer.concat([...honest(), END_OF_ARCHIVE]), ["bad-gzip"]],
];

/** Per-case bound: a case that does not finish in time hangs. */
const CASE_MS = 15_000;

/**
 * Runs cases in a worker, one at a time; a case with no outcome within {@link CASE_MS} hangs (even in a busy
 * loop): its worker is terminated and the next case gets a new one.
 */
class CaseRunner {
  private worker?: Worker;

  async run(bytes: Uint8Array, work: string): Promise<CorpusOutcome | "hang"> {
    const worker = this.worker ??= new Worker(new URL("./unpack_corpus_worker.ts", import.meta.url).href, {
      type: "module",
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      new Promise<CorpusOutcome>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`worker failed: ${e.message}`));
        };
        worker.postMessage({ bytes, work, version: V });
      }),
      new Promise<"hang">((resolve) => (timer = setTimeout(() => resolve("hang"), CASE_MS))),
    ]).finally(() => clearTimeout(timer));
    if (outcome === "hang") this.close();
    return outcome;
  }

  close(): void {
    this.worker?.terminate();
    this.worker = undefined;
  }
}

Deno.test("malformed tar and gzip corpus: a clean verification error each, within the time bound, staging removed", async () => {
  const failures: string[] = [];
  const runner = new CaseRunner();
  try {
    for (const [label, bytes, accepted] of CORPUS) {
      const work = tempDir("etcdup-corpus-");
      try {
        const started = performance.now();
        const got = await runner.run(bytes, work);
        const ms = Math.round(performance.now() - started);
        if (got === "hang") {
          failures.push(`${label}: no outcome within ${CASE_MS} ms (hang)`);
          continue;
        }
        const code = got.ok ? "ok" : got.code!;
        if (!accepted.includes(code)) {
          failures.push(`${label}: got ${code} (${got.message}), want ${accepted}`);
        }
        if (!got.ok && got.exit !== Exit.verification) failures.push(`${label}: exit ${got.exit}, want 3`);
        if (got.ok) assert.deepEqual(got.staged, ["etcd", "etcdctl", "etcdutl"], label);
        assert.deepEqual(listTree(path.join(work, "stage")), [], `${label}: staging removed`);
        console.log(`  ${label}: ${code} in ${ms} ms`);
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    }
  } finally {
    runner.close();
  }
  assert.deepEqual(failures, []);
});

Deno.test("GNU tar's own formats (gnu, posix/PAX, ustar) with long names still unpack", async () => {
  const runner = new CaseRunner();
  try {
    for (const format of ["gnu", "posix", "ustar"]) {
      const work = tempDir("etcdup-corpus-gnu-");
      try {
        const tree = path.join(work, "tree");
        for (const e of releaseEntries(V, "amd64")) {
          const p = path.join(tree, e.name);
          if (e.type === "directory") fs.mkdirSync(p, { recursive: true });
          else fs.writeFileSync(p, e.data!, { mode: 0o755 });
        }
        // a long name: GNU 'L' records in gnu format, PAX path records in posix, the prefix field in ustar
        const deep = path.join(tree, TOP, "Documentation", "d".repeat(60));
        fs.mkdirSync(deep);
        fs.writeFileSync(path.join(deep, `${"n".repeat(60)}.md`), "x");
        const tarFile = path.join(work, "t.tar.gz");
        await execOk(["tar", `--format=${format}`, "-C", tree, "-czf", tarFile, TOP]);
        const got = await runner.run(fs.readFileSync(tarFile), work);
        assert.notEqual(got, "hang", format);
        assert.deepEqual(got, { ok: true, staged: ["etcd", "etcdctl", "etcdutl"] }, format);
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    }
  } finally {
    runner.close();
  }
});
