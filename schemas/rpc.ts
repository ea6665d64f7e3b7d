import type { AppErrorData } from "./errors";
import type { Role } from "./common";

/** Rate-limit state of the call, for the RateLimit / RateLimit-Policy headers. */
export interface RateState {
  policy: string;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * What every RPC method of an actor answers: a value, or the error as plain data (RPC keeps only
 * an Error's message, so errors travel as data and become AppErrors again in the router). `rate`
 * feeds the rate-limit headers; `role` is the caller's role as the tenant object resolved it (for
 * the request log).
 */
export type RpcResult<T> =
  { ok: true; value: T; rate?: RateState; role?: Role } | { ok: false; error: AppErrorData; rate?: RateState; role?: Role };
