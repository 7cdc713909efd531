/**
 * `--root` never touches the live host, but a root that *is* the live host's `/` under another name (a
 * symbolic link to `/`, `/proc/self/root`) was taken for an image: the plan wrote the host's /etc, unit
 * dir and bin dir without the live host's service manager or root check. Refused before anything is read
 * or planned (exit 2, `root-is-live-host`), `--dry-run` included; a link to a real tree still works.
 * Only `--dry-run` and read-only commands run here: the refusal is what keeps them off this host.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { installArgs, lastJson, runEtcdup, withBase } from "../support/root_tree.ts";

Deno.test("--root that is the live / under another name: refused (exit 2, root-is-live-host)", () =>
  withBase("etcdup-rootlive-", async (base, fx) => {
    fs.symlinkSync("/", path.join(base, "host"));
    for (const root of [path.join(base, "host"), "/proc/self/root", `${base}/host/proc/self/root`]) {
      for (
        const args of [[...installArgs(root, fx), "--dry-run"], ["status", "--root", root], [
          "backup",
          "list",
          "--root",
          root,
        ]]
      ) {
        const r = await runEtcdup([...args, "--json"]);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
        assert.equal(lastJson(r.stdout).code, "root-is-live-host", r.stdout);
      }
    }
    fs.mkdirSync(path.join(base, "img"));
    fs.symlinkSync("img", path.join(base, "img-link"));
    const ok = await runEtcdup([...installArgs(path.join(base, "img-link"), fx), "--dry-run", "--json"]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  }));
