/**
 * Bounded waits on explicit conditions: every wait names what it waits for and fails with that name and the
 * last thing it saw, instead of sleeping and hoping.
 */

/**
 * Polls `probe` until it returns a value other than undefined, and returns that value; throws after
 * `timeoutMs` naming `what` and the last probe error, if any.
 * @example const pid = await waitUntil(() => findInit(nspawnPid), 20_000, "the container's init");
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (true) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Resolves like `promise`, or rejects naming `what` if it takes longer than `timeoutMs`; leaves no timer behind.
 * @example const status = await within(child.status, 30_000, "nspawn to exit");
 */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
