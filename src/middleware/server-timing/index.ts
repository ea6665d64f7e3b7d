import type { Context, MiddlewareHandler } from "hono";
import { noWork, type ObjectWork, type SqlWork } from "../../../schemas/rpc";
import type { AppEnv } from "../../env";

/**
 * `Server-Timing` (W3C) on every response, so a slow answer can be explained from outside:
 *   auth     verifying the caller's token (a cached verification is a Map lookup)
 *   tenant   choosing the member's tenant (the membership cache, else one directory call)
 *   object   the tenant object's calls, timed by the router (RPC hop included)
 *   guard    the object's own checks: SQL statements and rows (membership, rate limit, settings)
 *   queries  the operation's own SQL statements and rows
 *   total    the router's whole request
 * The object's clock stands still between I/O (SQLite is not I/O), so it cannot time itself: its
 * part is the round trip the router measures plus the SQL work it reports, counted by SQLite.
 * `performance.now()` here also advances only across I/O, so each duration is I/O-bound time.
 */
export class ServerTiming {
  readonly #started = performance.now();
  #auth: number | undefined;
  #tenant: number | undefined;
  #object = 0;
  #calls = 0;
  readonly #work: ObjectWork = { guard: noWork(), run: noWork() };

  /** Times `fn` as one phase; the object phase adds up over the request's calls. */
  async time<T>(phase: "auth" | "tenant" | "object", fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - started;
      if (phase === "auth") this.#auth = (this.#auth ?? 0) + ms;
      else if (phase === "tenant") this.#tenant = (this.#tenant ?? 0) + ms;
      else {
        this.#object += ms;
        this.#calls += 1;
      }
    }
  }

  /** The SQL work a tenant object reported for one of this request's calls. */
  addWork(work: ObjectWork | undefined): void {
    if (!work) return;
    add(this.#work.guard, work.guard);
    add(this.#work.run, work.run);
  }

  /** The header's value, with `total` up to now. */
  header(): string {
    const parts: string[] = [];
    if (this.#auth !== undefined) parts.push(`auth;dur=${ms(this.#auth)}`);
    if (this.#tenant !== undefined) parts.push(`tenant;dur=${ms(this.#tenant)}`);
    if (this.#calls > 0) {
      parts.push(`object;dur=${ms(this.#object)};desc="${this.#calls} call${this.#calls === 1 ? "" : "s"}"`);
      parts.push(
        `guard;dur=${ms(this.#work.guard.ms)};desc="${sql(this.#work.guard)}"`,
        `queries;dur=${ms(this.#work.run.ms)};desc="${sql(this.#work.run)}"`,
      );
    }
    parts.push(`total;dur=${ms(performance.now() - this.#started)}`);
    return parts.join(", ");
  }
}

function add(into: SqlWork, from: SqlWork): void {
  into.ms += from.ms;
  into.statements += from.statements;
  into.rowsRead += from.rowsRead;
  into.rowsWritten += from.rowsWritten;
}

const ms = (value: number): string => (Math.round(value * 100) / 100).toString();

/** No commas or semicolons inside: naive readers split the header on them. */
const sql = (w: SqlWork): string => `${w.statements} statements / ${w.rowsRead} rows read / ${w.rowsWritten} written`;

/** The request's timing (made by the middleware below; a context without one gets a throwaway). */
export function timingOf(c: Context<AppEnv>): ServerTiming {
  return c.get("timing") ?? new ServerTiming();
}

/** Starts the request's timing and writes the header on every response (errors and streams too). */
export const serverTiming: MiddlewareHandler<AppEnv> = async (c, next) => {
  const timing = new ServerTiming();
  c.set("timing", timing);
  await next();
  // A socket upgrade's 101 carries the socket; it is answered as the object made it.
  if (c.res.status === 101) return;
  const value = timing.header();
  try {
    c.res.headers.set("server-timing", value);
  } catch {
    // Headers of a response made elsewhere (a fetch, an RPC) are immutable: copy it once.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set("server-timing", value);
  }
};
