/** Summary statistics of repeated measurements: the median is what the reports compare. */

/** A summary of samples (milliseconds, KiB, ...). */
export interface Summary {
  /** Number of samples. */
  n: number;
  median: number;
  min: number;
  max: number;
}

/**
 * Summarises samples; the median of an even count is the mean of the two middle values.
 * @example summarize([3, 1, 2]).median // 2
 */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("internal: no samples to summarise");
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { n: s.length, median, min: s[0], max: s[s.length - 1] };
}

/**
 * The ratio of two medians (etcdup over baseline): below 1 means etcdup is faster or smaller.
 * @example ratio(summarize([50]), summarize([100])) // 0.5
 */
export function ratio(ours: Summary, theirs: Summary): number {
  return ours.median / theirs.median;
}
