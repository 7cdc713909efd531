/**
 * Worker of tests/release/unpack_corpus_test.ts: unpacks one tarball through obtainRelease (the path install
 * takes) and reports the outcome, so the test can terminate a worker that hangs, even in a busy loop.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { obtainRelease } from "../../lib/release/obtain.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { EtcdupError } from "../../lib/errors.ts";
import { captureOutput } from "./helpers.ts";

/** One case: the tarball bytes and a fresh work dir. */
export interface CorpusJob {
  bytes: Uint8Array;
  work: string;
  version: string;
}

/** What happened: success (with the staged files) or the error's code and exit. */
export interface CorpusOutcome {
  ok: boolean;
  code?: string;
  exit?: number;
  message?: string;
  staged?: string[];
}

/** This module runs as a worker: its global scope receives and posts messages. */
const scope = self as unknown as {
  onmessage: (e: MessageEvent<CorpusJob>) => void;
  postMessage(message: CorpusOutcome): void;
};

scope.onmessage = async (e: MessageEvent<CorpusJob>) => {
  const { bytes, work, version } = e.data;
  const src = path.join(work, `etcd-${version}-linux-amd64.tar.gz`);
  const stage = path.join(work, "stage");
  fs.mkdirSync(stage);
  fs.writeFileSync(src, bytes);
  let outcome: CorpusOutcome;
  try {
    const staged = await obtainRelease({
      version,
      arch: "amd64",
      source: { kind: "tarball", path: src },
      sha256: sha256Hex(bytes),
      stagingParent: stage,
    }, captureOutput().out);
    outcome = { ok: true, staged: fs.readdirSync(staged.dir).sort() };
    staged.cleanup();
  } catch (err) {
    outcome = err instanceof EtcdupError
      ? { ok: false, code: err.code, exit: err.exit, message: err.message }
      : { ok: false, code: "(not an EtcdupError)", message: String(err) };
  }
  scope.postMessage(outcome);
};
