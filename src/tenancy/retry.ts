import { AppError } from "../../schemas/errors";

interface DurableObjectError {
  retryable?: boolean;
  overloaded?: boolean;
}

/**
 * Stub calls with the platform's rules: after any exception the stub is rebuilt (the factory is
 * called again); only idempotent calls are retried, only when the error is `.retryable`, with
 * jittered exponential backoff; `.overloaded` is never retried and becomes a 503.
 */
export async function withRetry<T>(call: () => Promise<T>, idempotent: boolean, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const e = (error ?? {}) as DurableObjectError;
      if (e.overloaded) throw new AppError("tenant_unavailable", "the tenant is overloaded; retry shortly", { retryAfterSeconds: 2 });
      if (!idempotent || !e.retryable || attempt >= attempts) {
        if (e.retryable)
          throw new AppError("tenant_unavailable", "the tenant is temporarily unavailable; retry shortly", { retryAfterSeconds: 1 });
        throw error;
      }
      const base = 50 * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * base));
    }
  }
}
