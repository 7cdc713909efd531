/**
 * Key pairs made ahead of planning, all at once. WebCrypto's generateKey runs on Deno's blocking thread pool,
 * so keys awaited together are generated in parallel (measured: four RSA-3072 keys ran on four threads), and
 * an install's five RSA-4096 keys take about the time of the slowest instead of the sum (issue 17). Planning
 * takes from the pool through `generateKeyPair` without knowing it exists; {@link drainKeyPool} waits for
 * and drops what it did not take, so no generation outlives the command step that asked for it.
 * Only scheduling lives here: which key a certificate gets is lib/pki's business.
 */

/** Pending key pairs by algorithm name (`KeyAlgorithm`), in the order they were asked for. */
const pool = new Map<string, Promise<CryptoKeyPair>[]>();

/**
 * Starts `n` generations of `alg` now, each by `generate`; `ready(done, n)` is called as each one finishes
 * (in finishing order), for progress. A failed generation is thrown to whoever takes it.
 */
export function fillKeyPool(
  alg: string,
  n: number,
  generate: () => Promise<CryptoKeyPair>,
  ready: (done: number, total: number) => void,
): void {
  let done = 0;
  const list = pool.get(alg) ?? [];
  for (let i = 0; i < n; i++) {
    const key = generate();
    key.then(() => ready(++done, n), () => {});
    list.push(key);
  }
  pool.set(alg, list);
}

/** A key pair of `alg` from the pool (started earlier), or undefined when none is left. */
export function takePooledKey(alg: string): Promise<CryptoKeyPair> | undefined {
  return pool.get(alg)?.shift();
}

/** Waits for every key pair nobody took and drops them (an estimate that was too high costs time only). */
export async function drainKeyPool(): Promise<void> {
  const left = [...pool.values()].flat();
  pool.clear();
  await Promise.allSettled(left);
}
