import type { CopilotProviderError } from "./errors";

/**
 * Bounded retries before the first byte of a provider's response: jittered exponential backoff or
 * the upstream's Retry-After, every wait cut short by the call's signal.
 */

export interface RetryPolicy {
  maxRetries: number;
  /** First backoff step; attempt n waits a random time in [0, base·2ⁿ] (full jitter), at most MAX_BACKOFF_MS. */
  baseDelayMs: number;
}

export const MAX_BACKOFF_MS = 8_000;
/** A Retry-After longer than this is not waited for: the provider fails now (and the answer falls back). */
export const MAX_RETRY_AFTER_MS = 10_000;

/** A retryable failure before the first byte: how long the upstream asked us to wait, if it said. */
export class RetryableFailure {
  constructor(
    readonly error: CopilotProviderError,
    readonly retryAfterMs: number | null,
  ) {}
}

/**
 * Runs `attempt` until it returns, at most 1 + maxRetries times. `attempt` returns a
 * RetryableFailure for what may be retried (429, 5xx, a network error before any response) and
 * throws for everything else. Waits are jittered exponential backoff, or the upstream's
 * Retry-After when it gave one (failing at once if that exceeds MAX_RETRY_AFTER_MS); every wait
 * ends early when `signal` aborts. Only the phase before the first byte goes through here: a
 * stream that already produced text is never retried.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal,
  attempt: (n: number) => Promise<T | RetryableFailure>,
  random: () => number = Math.random,
): Promise<T> {
  for (let n = 0; ; n++) {
    const result = await attempt(n);
    if (!(result instanceof RetryableFailure)) return result;
    if (n >= policy.maxRetries) throw result.error;
    if (result.retryAfterMs !== null && result.retryAfterMs > MAX_RETRY_AFTER_MS) throw result.error;
    const backoff = Math.min(MAX_BACKOFF_MS, policy.baseDelayMs * 2 ** n) * random();
    await sleep(Math.max(backoff, result.retryAfterMs ?? 0), signal);
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
