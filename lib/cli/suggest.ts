/** "Did you mean ...?" for a mistyped command or flag: the closest known word by edit distance. */

/** Levenshtein distance of `a` and `b` (insertions, deletions, substitutions; a swap of neighbours is one). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known word closest to `typed`, when it is close enough to be a typo (at most a third of its length
 * away, and at least one edit), or a known word that starts with it (`--ver` -> `--version`).
 * @example closest("instal", ["install", "download"]) // "install"
 */
export function closest(typed: string, known: readonly string[]): string | undefined {
  let best: { word: string; d: number } | undefined;
  for (const word of known) {
    const d = distance(typed.toLowerCase(), word.toLowerCase());
    if (best === undefined || d < best.d) best = { word, d };
  }
  if (best && best.d <= Math.max(1, Math.floor(typed.length / 3))) return best.word;
  const prefixed = known.filter((w) => typed.length >= 2 && w.startsWith(typed));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** " Did you mean 'X'?" for `typed` among `known`, or "" when nothing is close. */
export function didYouMean(typed: string, known: readonly string[], render = (w: string) => w): string {
  const word = closest(typed, known);
  return word === undefined ? "" : ` Did you mean '${render(word)}'?`;
}
