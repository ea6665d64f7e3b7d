import type { z } from "@hono/zod-openapi";
import { AppError, parseOr422 } from "../../../schemas/errors";
import { IdempotencyKey } from "../../../schemas/ingest";
import { parseStoredJson } from "../data/db";
import { idempotency } from "../data/idempotency";
import type { CallContext } from "../guard";
import type { Runtime } from "../runtime";

/** An `Idempotency-Key` as the router hands it over: the key and a hash of what was asked with it. */
export interface Idempotency {
  key: string;
  bodyHash: string;
}

/**
 * The first answer to this key, when the caller already used it with the same request; a 409
 * when with another; null when it is new. The answer's writer stores it with `remember` in the
 * same transaction as its writes, so a retry after a crash finds both or neither.
 */
export function replayOf<T extends z.ZodType>(rt: Runtime, c: CallContext, idem: Idempotency, schema: T): z.infer<T> | null {
  parseOr422(IdempotencyKey, idem.key);
  const previous = idempotency.get(rt.db, c.principal, idem.key, Math.floor(Date.now() / 1000));
  if (!previous) return null;
  if (previous.bodyHash !== idem.bodyHash)
    throw new AppError("idempotency_conflict", "this Idempotency-Key was used with a different request body");
  return parseStoredJson(schema, previous.response) ?? null;
}

export function remember(rt: Runtime, c: CallContext, idem: Idempotency, status: number, answer: unknown): void {
  const nowSeconds = Math.floor(Date.now() / 1000);
  idempotency.put(rt.db, c.principal, idem.key, idem.bodyHash, status, JSON.stringify(answer), nowSeconds);
  if (Math.random() < 0.01) idempotency.prune(rt.db, nowSeconds);
}
