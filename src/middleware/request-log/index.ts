import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";

/**
 * One structured JSON line per request: who, which tenant, which route, outcome, duration.
 * Never the Authorization header, tokens, bodies or note text.
 */
export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  // Inside workerd, performance.now() advances only across I/O, so durations are I/O-bound time.
  const principal = c.get("principal");
  console.log(
    JSON.stringify({
      level: c.res.status >= 500 ? "error" : "info",
      msg: "request",
      requestId: c.get("requestId"),
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      tenantId: c.get("tenantId") ?? null,
      userId: principal?.subject ?? null,
      role: c.get("role") ?? null,
    }),
  );
};
