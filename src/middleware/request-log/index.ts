import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { metricRoute, recordRequest } from "../../tenancy/metrics";

/**
 * One structured JSON line per request: who, which tenant, which route, outcome, duration.
 * Never the Authorization header, tokens, bodies or note text.
 */
export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  // Inside workerd, performance.now() advances only across I/O, so durations are I/O-bound time.
  const principal = c.get("principal");
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  const tenantId = c.get("tenantId");
  const region = c.get("region");
  const route = metricRoute(c);
  if (tenantId !== undefined && region !== undefined) recordRequest(c, { tenantId, region, route, status: c.res.status, ms: durationMs });
  console.log(
    JSON.stringify({
      level: c.res.status >= 500 ? "error" : "info",
      msg: "request",
      requestId: c.get("requestId"),
      method: c.req.method,
      route,
      status: c.res.status,
      durationMs,
      tenantId: tenantId ?? null,
      userId: principal?.subject ?? null,
      role: c.get("role") ?? null,
    }),
  );
};
