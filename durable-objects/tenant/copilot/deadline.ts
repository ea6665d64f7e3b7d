import { CopilotProviderError, type ProviderErrorCode } from "./errors";

/**
 * The time limit of one provider call: the caller's signal combined with COPILOT_TIMEOUT_MS, a way
 * to turn whatever was thrown into a typed error (timeout and cancellation told apart by the
 * signals), and a wrapper that makes a promise end when a signal aborts.
 */

export interface Deadline {
  /** The caller's signal or the timeout, whichever comes first. */
  signal: AbortSignal;
  /** Turns whatever was thrown into a typed error: timeout and cancellation recognised by the signals. */
  fail(error: unknown, fallback: ProviderErrorCode, what: string): CopilotProviderError;
}

export function deadline(caller: AbortSignal, timeoutMs: number, provider: string): Deadline {
  const timeout = AbortSignal.timeout(timeoutMs);
  return {
    signal: AbortSignal.any([caller, timeout]),
    fail(error, fallback, what) {
      if (error instanceof CopilotProviderError) return error;
      if (caller.aborted) return new CopilotProviderError("aborted", `${what}: cancelled`, provider, undefined, { cause: error });
      if (timeout.aborted)
        return new CopilotProviderError("timeout", `${what}: no answer within ${timeoutMs} ms`, provider, undefined, { cause: error });
      return new CopilotProviderError(fallback, `${what}: ${error instanceof Error ? error.message : String(error)}`, provider, undefined, {
        cause: error,
      });
    },
  };
}

/** Rejects with the signal's reason when it aborts first (for sources that ignore signals). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
