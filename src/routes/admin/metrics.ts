import { OpenAPIHono } from "@hono/zod-openapi";
import { MetricsQuery, MetricsReport } from "../../../schemas/admin";
import type { AppEnv } from "../../env";
import { callTenant, selectedTenant } from "../../tenancy/call";
import { flushMetrics } from "../../tenancy/metrics";
import { json, memberRoute } from "../shared";

/** `GET /v1/admin/metrics`: per-route counts and latency, in total and over time; this isolate's buffered samples are sent first. */
export const metricsRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "get",
    path: "/v1/admin/metrics",
    operationId: "getMetrics",
    tags: ["admin"],
    summary:
      "Per-route request counts, server errors, 429s and p50/p95 latency over the last hour or day, and the same over time for every route or one (admin, auditor)",
    request: { query: MetricsQuery },
    responses: { 200: json(MetricsReport, "Metrics") },
  }),
  async (c) => {
    const query = c.req.valid("query");
    await flushMetrics(c.env, (await selectedTenant(c)).tenantId);
    return c.json(await callTenant<MetricsReport>(c, (stub, caller) => stub.metricsReport(caller, query), { idempotent: true }), 200);
  },
);
