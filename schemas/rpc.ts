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
 * A part of a call as the tenant object measured it: milliseconds by its own clock, and the SQL it
 * ran as SQLite counts it. (Where the platform's clock advances only across I/O, as on Cloudflare's
 * network, pure CPU work reads as 0 ms; the statement and row counts are exact everywhere.)
 */
export interface SqlWork {
  ms: number;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

/** The object's own work in a call: its guard (membership, rate limit, settings) and the operation itself. */
export interface ObjectWork {
  guard: SqlWork;
  run: SqlWork;
}

export const noWork = (): SqlWork => ({ ms: 0, statements: 0, rowsRead: 0, rowsWritten: 0 });

/**
 * What every RPC method of an actor answers: a value, or the error as plain data (RPC keeps only
 * an Error's message, so errors travel as data and become AppErrors again in the router). `rate`
 * feeds the rate-limit headers; `role` is the caller's role as the tenant object resolved it (for
 * the request log); `work` is the object's own SQL work, for the `Server-Timing` header.
 */
export type RpcResult<T> =
  | { ok: true; value: T; rate?: RateState; role?: Role; work?: ObjectWork }
  | { ok: false; error: AppErrorData; rate?: RateState; role?: Role; work?: ObjectWork };
