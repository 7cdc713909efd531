/**
 * Dangerous directories and values through the real CLI of every command that takes them: each is refused
 * with exit 2 and its stable error code (read from `--json`), before anything is written under the --root.
 * (`join` takes no --root, so its flags are checked through its spec in tests/plan/dirs_test.ts, never here
 * against the live host.)
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { exec } from "../support/exec.ts";

const MAIN = path.resolve(new URL("../../main.ts", import.meta.url).pathname);

/** Runs etcdup with `--json`; returns the exit code and the error event's code. */
async function refusal(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ exit: number; code: string }> {
  const r = await exec([Deno.execPath(), "run", "-A", "--no-lock", MAIN, ...args, "--json"], {
    env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1", ...env },
  });
  const events = r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const err = events.find((e) => e.event === "error");
  return { exit: r.code, code: err?.code ?? `(no error event; stderr: ${r.stderr})` };
}

Deno.test("every command refuses dangerous directories, values and an empty --root (exit 2, stable code)", async () => {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-refused-" });
  try {
    const cases: [string[], Record<string, string>, string][] = [
      [["install", "--root", root, "--data-dir", "/etc"], {}, "unsafe-directory"],
      [["install", "--root", root, "--data-dir", "/usr/local/bin"], {}, "unsafe-directory"],
      [["install", "--root", root, "--pki-dir", "/var/lib/etcd/pki"], {}, "overlapping-directories"],
      [["install", "--root", root, "--bin-dir", "/var/lib/etcd/bin"], {}, "overlapping-directories"],
      [["install", "--root", root, "--wal-dir", "/var/lib/etcd"], {}, "overlapping-directories"],
      [["install", "--root", root, "--wal-dir", "/tmp/wal"], {}, "unsafe-directory"],
      [["install", "--root", root, "--data-dir", "/var/lib/etcd\nExecStartPre=/bin/sh"], {}, "bad-path"],
      [["install", "--root", root, "--advertise-address", "0.0.0.0"], {}, "bad-advertise-address"],
      [["install", "--root", root, "--advertise-address", "::"], {}, "bad-advertise-address"],
      [
        [
          "install",
          "--root",
          root,
          "--name",
          "a",
          "--advertise-address",
          "10.0.0.1",
          "--initial-cluster",
          "a=https://10.0.0.1:2380,b=https://10.0.0.1:2380",
        ],
        {},
        "duplicate-peer-url",
      ],
      [["install", "--root", root, "--cluster-token", "t\nETCD_X=1"], {}, "bad-cluster-token"],
      [["install", "--root", root, "--name", "n\x1b[2J"], {}, "bad-name"],
      [["install", "--root", root, "--san", "a.example\nb"], {}, "bad-san"],
      [["install", "--root", root], { ETCDUP_DATA_DIR: "/proc" }, "unsafe-directory"],
      // --dry-run: even if the refusal broke, nothing would be written (an empty root meant the cwd)
      [["install", "--dry-run", "--root", ""], {}, "empty-root"],
      [["install", "--dry-run"], { ETCDUP_ROOT: "" }, "empty-root"],
      [["certs", "check", "--root", root, "--pki-dir", "/etc"], {}, "unsafe-directory"],
      [["certs", "renew", "--root", root, "--pki-dir", "/home/x/pki"], {}, "unsafe-directory"],
      [["certs", "renew", "server", "--root", root, "--san", "x\ny"], {}, "bad-san"],
      [["certs", "renew", "server", "--root", root, "--name", "a\nb"], {}, "bad-name"],
      [["certs", "check", "--root", ""], {}, "empty-root"],
      [["status"], { ETCDUP_ROOT: "" }, "empty-root"],
      [["uninstall", "--dry-run", "--root", ""], {}, "empty-root"],
      [["upgrade", "--version", "v3.5.30"], { ETCDUP_ROOT: "" }, "empty-root"],
    ];
    for (const [args, env, code] of cases) {
      const got = await refusal(args, env);
      assert.deepEqual(got, { exit: 2, code }, `${JSON.stringify(args)} ${JSON.stringify(env)}`);
    }
    assert.deepEqual([...Deno.readDirSync(root)], [], "nothing written under the root");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("certs: a --pki-dir overlapping the installed data dir is refused (exit 2)", async () => {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-refused-certs-" });
  try {
    Deno.mkdirSync(path.join(root, "var/lib/etcdup"), { recursive: true });
    const state = {
      schema: 1,
      version: "v3.5.30",
      arch: "amd64",
      binDir: "/usr/local/bin",
      dataDir: "/srv/etcd",
      walDir: "/srv/etcd-wal",
      pkiDir: "/etc/etcd/pki",
      layout: "etcd",
      keyAlgorithm: "ecdsa-p256",
      name: "n1",
      files: {},
      dirs: [],
    };
    Deno.writeTextFileSync(path.join(root, "var/lib/etcdup/state.json"), JSON.stringify(state));
    for (const dir of ["/srv/etcd/pki", "/srv/etcd-wal/pki", "/srv"]) {
      assert.deepEqual(
        await refusal(["certs", "check", "--root", root, "--pki-dir", dir]),
        { exit: 2, code: dir === "/srv" ? "unsafe-directory" : "overlapping-directories" },
        dir,
      );
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
