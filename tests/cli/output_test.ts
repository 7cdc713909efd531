import assert from "node:assert/strict";
import { createOutput, outputMode } from "../../lib/cli/output.ts";
import { formatBytes } from "../../lib/text.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

function capture(opts: Parameters<typeof createOutput>[0]) {
  const lines = { stdout: "", stderr: "" };
  const out = createOutput({
    ...opts,
    write: { stdout: (s) => void (lines.stdout += s), stderr: (s) => void (lines.stderr += s) },
  });
  return { out, lines };
}

Deno.test("mode: --json beats --quiet, ETCDUP_QUIET quiets, TTY decides the rest", () => {
  assert.equal(outputMode({ json: true, quiet: true, env: {}, isTty: true }), "json");
  assert.equal(outputMode({ env: { ETCDUP_QUIET: "1" }, isTty: true }), "quiet");
  assert.equal(outputMode({ env: { ETCDUP_QUIET: "0" }, isTty: true }), "tty");
  assert.equal(outputMode({ env: { ETCDUP_QUIET: "false" }, isTty: true }), "tty", "read as a boolean");
  assert.equal(outputMode({ env: { ETCDUP_QUIET: "yes" }, isTty: true }), "quiet");
  assert.equal(
    outputMode({ quiet: false, env: { ETCDUP_QUIET: "1" }, isTty: true }),
    "tty",
    "once the flags are parsed, their merged value decides",
  );
  assert.equal(outputMode({ env: {}, isTty: false }), "plain");
});

Deno.test("TTY output is coloured unless NO_COLOR is set", () => {
  const coloured = capture({ env: {}, isTty: true });
  coloured.out.step("installing");
  assert.equal(coloured.lines.stderr, "\x1b[32m==>\x1b[0m installing\n");
  const plain = capture({ env: { NO_COLOR: "1" }, isTty: true });
  plain.out.step("installing");
  assert.equal(plain.lines.stderr, "==> installing\n");
});

Deno.test("--json prints one parseable event per line, errors included", () => {
  const { out, lines } = capture({ json: true, env: {} });
  out.step("verified", { trust: "manifest" });
  out.result({ changed: false }, "no changes");
  out.error(
    new EtcdupError({ code: "checksum-mismatch", message: "bad", hint: "fix", exit: Exit.verification }),
  );
  const events = lines.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => e.event), ["step", "result", "error"]);
  assert.equal(events[0].trust, "manifest");
  assert.deepEqual(events[1].result, { changed: false });
  assert.equal(events[2].exit, 3);
  assert.equal(lines.stderr, "");
});

Deno.test("quiet mode keeps warnings, errors and the result only", () => {
  const { out, lines } = capture({ quiet: true, env: {} });
  out.step("downloading");
  out.info("detail");
  const p = out.progress("etcd.tar.gz", 10);
  p.advance(10);
  p.done();
  out.warn("manifest knows another digest");
  out.result({}, "done");
  out.error(new EtcdupError({ code: "internal", message: "broken", hint: "mend it" }));
  assert.equal(lines.stderr, "warning: manifest knows another digest\nerror: broken\nhint: mend it\n");
  assert.equal(lines.stdout, "done\n");
});

Deno.test("plain progress prints one summary line; formatBytes is human", () => {
  const { out, lines } = capture({ env: {}, isTty: false });
  const p = out.progress("etcd.tar.gz", 2048);
  p.advance(2048);
  p.done();
  assert.match(lines.stderr, /^ {4}etcd\.tar\.gz: 2\.0 KiB in \d+\.\ds/);
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(20 * 1024 * 1024), "20.0 MiB");
});

Deno.test("messages and hints print control characters escaped; a newline in a message cannot start a line", () => {
  const { out, lines } = capture({ env: { NO_COLOR: "1" }, isTty: false });
  out.step("a\x1b[2Jb");
  out.warn("journal:\nerror: forged\r\x9b2J\u202e");
  out.error(
    new EtcdupError({ code: "internal", message: "bad\x07 name\nhint: forged", hint: "fix\x1b[31m" }),
  );
  assert.equal(
    lines.stderr,
    "==> a\\e[2Jb\n" +
      "warning: journal:\n    error: forged\\r\\x9b2J\\u202e\n" +
      "error: bad\\x07 name\n    hint: forged\n" +
      "hint: fix\\e[31m\n",
  );
  out.result({}, "table\n\x1b[31mrow\n");
  assert.equal(lines.stdout, "table\n\\e[31mrow\n");
});

Deno.test("--json lines escape what JSON.stringify leaves raw for a terminal (DEL, C1, bidi)", () => {
  const { out, lines } = capture({ json: true, env: {} });
  out.step("x\x7f\x9b\u202ey\x1b");
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  assert.doesNotMatch(lines.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  assert.equal(JSON.parse(lines.stdout).message, "x\x7f\x9b\u202ey\x1b");
});
