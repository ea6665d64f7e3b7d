import { z } from "@hono/zod-openapi";
import type { Role } from "./common";

/**
 * The closed set of error codes. Callers (router, tests) switch on `code`, never on text.
 * Each code has exactly one HTTP status.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_a_member: 403,
  tenant_suspended: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  tenant_exists: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  unknown_reference: 422,
  rate_limited: 429,
  internal: 500,
  tenant_unavailable: 503,
  not_ready: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export const FieldError = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldError>;

/** An error as it crosses the actor boundary: plain data, so RPC serialisation keeps every field. */
export interface RpcError {
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
  retryAfterSeconds?: number;
}

/** Rate-limit state of the call, for the RateLimit / RateLimit-Policy headers. */
export interface RateState {
  policy: string;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** `role` is the caller's role as the tenant object resolved it (for the request log). */
export type RpcResult<T> =
  { ok: true; value: T; rate?: RateState; role?: Role } | { ok: false; error: RpcError; rate?: RateState; role?: Role };
