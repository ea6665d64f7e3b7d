import { OpenAPIHono } from "@hono/zod-openapi";
import { UsageQuery, UsageReport } from "../../../schemas/copilot";
import type { AppEnv } from "../../env";
import { callTenant } from "../../tenancy/call";
import { json, memberRoute } from "../shared";

/** `GET /v1/admin/usage`: copilot usage per day and provider (admin, auditor). */
export const usageRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "get",
    path: "/v1/admin/usage",
    operationId: "getUsage",
    tags: ["admin"],
    summary: "Copilot usage per day and provider: requests, tokens in/out, latency, degraded answers (admin, auditor)",
    request: { query: UsageQuery },
    responses: { 200: json(UsageReport, "Usage") },
  }),
  async (c) => {
    const query = c.req.valid("query");
    return c.json(await callTenant<UsageReport>(c, (stub, caller) => stub.usageReport(caller, query), { idempotent: true }), 200);
  },
);
