/**
 * Golden files: a rendering compared with the text kept beside its test. They change only on purpose: run
 * the test with UPDATE_GOLDEN=1 to rewrite them from the current rendering, then read their diff before
 * committing.
 */
import assert from "node:assert/strict";
import * as path from "node:path";

/** Compares `text` with golden file `name` in `dir` (rewritten instead under UPDATE_GOLDEN=1, which says so). */
export function golden(dir: string, name: string, text: string): void {
  const file = path.join(dir, name);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(file, text);
    console.warn(`UPDATE_GOLDEN=1: rewrote ${file}; read its diff before committing`);
    return;
  }
  let want: string;
  try {
    want = Deno.readTextFileSync(file);
  } catch {
    throw new Error(`${file} is missing: run with UPDATE_GOLDEN=1 to write it`);
  }
  assert.equal(
    text,
    want,
    `${name} differs from the rendering (UPDATE_GOLDEN=1 rewrites it, on purpose only)`,
  );
}
