import type { Hono, MiddlewareHandler } from "hono";
import { PatternRouter } from "hono/router/pattern-router";
import { AppError } from "../../../schemas/errors";
import { problemResponse } from "../../errors/problem";
import type { AppEnv } from "../../env";

/**
 * A known path asked with a method it does not have answers 405 with `Allow` (RFC 9110 §15.5.6),
 * before authentication: which methods a path has is public (the OpenAPI document says so), and a
 * client that used the wrong method learns that, not "unauthenticated". Unknown paths fall through
 * to the 404 of `app.notFound`. `HEAD` is answered wherever `GET` is (hono runs the GET route), so
 * it is never refused here; `Allow` lists the methods the OpenAPI document lists.
 */
const ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** Path → methods, from the app's own route table (middleware, registered as `ALL`, excluded). */
export class MethodTable {
  readonly #router = new PatternRouter<string>();
  readonly #methods: string[];

  constructor(routes: readonly { method: string; path: string }[]) {
    const methods = new Set<string>();
    for (const r of routes) {
      if (r.method === "ALL") continue;
      methods.add(r.method);
      this.#router.add(r.method, r.path, r.method);
    }
    this.#methods = [...methods].sort((a, b) => rank(a) - rank(b));
  }

  /** The methods `path` has, in a stable order; empty for an unknown path. */
  allowed(path: string): string[] {
    return this.#methods.filter((m) => this.has(m, path));
  }

  /** Whether `path` has a route for `method`. */
  has(method: string, path: string): boolean {
    // The app routes strictly (`/v1/jobs/` is not `/v1/jobs`); the pattern router would forgive the slash.
    if (path.length > 1 && path.endsWith("/")) return false;
    return this.#router.match(method, path)[0].length > 0;
  }
}

const rank = (method: string): number => (ORDER.includes(method) ? ORDER.indexOf(method) : ORDER.length);

/** The 405 middleware; the table is built from `app.routes` at the first request (all routes are registered by then). */
export function methodNotAllowed(app: Pick<Hono<AppEnv>, "routes">): MiddlewareHandler<AppEnv> {
  let table: MethodTable | undefined;
  return async (c, next) => {
    table ??= new MethodTable(app.routes);
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    // Most requests name a method their path has: one match, not one per method.
    if (table.has(method, c.req.path)) return next();
    const allowed = table.allowed(c.req.path);
    if (allowed.length === 0 || allowed.includes(method)) return next();
    const response = problemResponse(
      c,
      new AppError(
        "method_not_allowed",
        `${c.req.method.slice(0, 16)} is not allowed on ${c.req.path.slice(0, 200)}; use ${allowed.join(", ")}`,
      ),
    );
    response.headers.set("allow", allowed.join(", "));
    return response;
  };
}
