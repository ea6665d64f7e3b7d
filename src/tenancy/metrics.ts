import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { MetricSample } from "../../schemas/admin";
import type { AppEnv } from "../env";
import { tenantStub } from "./call";
import type { Region } from "../../schemas/common";

/**
 * Request metrics for each tenant's `GET /v1/admin/metrics`. The router knows the route, the
 * status and the time a request took (the object alone cannot: its clock stands still between
 * I/O). Samples are buffered per tenant in the isolate and sent to the tenant's object in
 * batches, after the response (waitUntil): at most FLUSH_SAMPLES samples or FLUSH_MS old, so a
 * busy tenant costs one extra call per FLUSH_SAMPLES requests. Samples still buffered when an
 * isolate is evicted are lost: these are operational metrics, not an audit trail.
 */
const FLUSH_SAMPLES = 50;
const FLUSH_MS = 10_000;
const MAX_TENANTS = 1_000;

interface Buffer {
  region: Region;
  samples: MetricSample[];
  since: number;
}
const buffers = new Map<string, Buffer>();

/** Records one finished request of a tenant route (called by the request log middleware). */
export function recordRequest(
  c: Context<AppEnv>,
  r: { tenantId: string; region: Region; route: string; status: number; ms: number },
): void {
  const { tenantId, region, status, ms } = r;
  const route = `${c.req.method} ${r.route}`;
  const now = Date.now();
  let buffer = buffers.get(tenantId);
  if (!buffer) {
    if (buffers.size >= MAX_TENANTS) buffers.clear();
    buffer = { region, samples: [], since: now };
    buffers.set(tenantId, buffer);
  }
  buffer.samples.push({ route, status, ms: Math.max(0, Math.round(ms * 100) / 100), at: now });
  if (buffer.samples.length < FLUSH_SAMPLES && now - buffer.since < FLUSH_MS) return;
  c.executionCtx.waitUntil(flushMetrics(c.env, tenantId));
}

/**
 * Sends a tenant's buffered samples to its object now (also before a metrics report is read, so
 * the report includes what this isolate has seen). Never throws: metrics must not fail a request.
 */
export async function flushMetrics(env: Env, tenantId: string): Promise<void> {
  const buffer = buffers.get(tenantId);
  if (!buffer) return;
  buffers.delete(tenantId);
  try {
    await tenantStub(env, tenantId, buffer.region).recordMetrics(buffer.samples);
  } catch (error) {
    console.warn(JSON.stringify({ level: "warn", msg: "metrics flush failed", tenantId, error: String(error) }));
  }
}

/**
 * The route's pattern (`/v1/jobs/:id`), so ids never become metric names; unmatched paths are one
 * name. The route is the matched handler registered for a method: middleware is registered for
 * `ALL`, and may be matched after the route (the public routes sit before the later middleware).
 */
export function metricRoute(c: Context<AppEnv>): string {
  const route = matchedRoutes(c).find((r) => r.method !== "ALL");
  return route === undefined || route.path.endsWith("*") ? "(unmatched)" : route.path;
}
