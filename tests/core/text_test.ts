/**
 * Outside text made safe to print (lib/text.ts), which every error naming a tar entry, file or journal line
 * goes through: terminal controls become visible escapes, newlines kept only when asked, JSON kept valid.
 */
import assert from "node:assert/strict";
import { escapeControls, escapeJsonControls } from "../../lib/text.ts";

Deno.test("escapeControls: C0, DEL, C1 and bidi/separator controls are escapes; tab and text are kept", () => {
  assert.equal(escapeControls("etcd\x1b[2J\nerror: forged"), "etcd\\e[2J\\nerror: forged");
  assert.equal(escapeControls("a\rb\0c\x07d\x7fe\x9bf"), "a\\rb\\0c\\x07d\\x7fe\\x9bf");
  assert.equal(escapeControls("evil\u202eexe.db\u2028x"), "evil\\u202eexe.db\\u2028x");
  assert.equal(escapeControls("tab\there, ünïcödé, 日本"), "tab\there, ünïcödé, 日本");
});

Deno.test("escapeControls keepNewlines: a multi-line message keeps its lines, other controls still escaped", () => {
  assert.equal(
    escapeControls("line 1\nline\x1b]0;x\x07 2", { keepNewlines: true }),
    "line 1\nline\\e]0;x\\x07 2",
  );
  assert.equal(escapeControls("a\r\nb", { keepNewlines: true }), "a\\r\nb");
});

Deno.test("escapeJsonControls: what JSON.stringify leaves raw is escaped, and the JSON value is unchanged", () => {
  const value = { name: "x\u202e\u0085y\u2066", plain: "ok" };
  const raw = JSON.stringify(value);
  const safe = escapeJsonControls(raw);
  assert.equal(safe, '{"name":"x\\u202e\\u0085y\\u2066","plain":"ok"}');
  assert.deepEqual(JSON.parse(safe), value);
  assert.equal(escapeJsonControls('{"a":"b"}'), '{"a":"b"}');
});
