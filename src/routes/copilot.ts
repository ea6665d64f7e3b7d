import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { CopilotAnswer, CopilotAsk, ThreadDetail, ThreadList, ThreadParams, UsageQuery, UsageReport } from "../../schemas/copilot";
import type { AppEnv } from "../env";
import { callTenant, callerOf, selectTenant } from "../tenancy/tenants";
import { BODY_PROBLEMS, json, jsonBody, PROBLEMS, SECURITY, TenantHeader } from "./shared";

/** Copilot over REST (the WebSocket channel streams the same answers) and usage reporting. */
export const copilotRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/copilot/ask",
      tags: ["copilot"],
      security: SECURITY,
      summary: "Ask the copilot: an answer grounded in records the caller may read, with verbatim citations",
      request: { headers: TenantHeader, body: jsonBody(CopilotAsk) },
      responses: {
        200: json(CopilotAnswer, "The answer; `grounded: false` (no citations) when no readable record supports one"),
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const ask = c.req.valid("json");
      const selected = await selectTenant(c);
      return c.json(await callTenant<CopilotAnswer>(c, selected, (stub) => stub.ask(callerOf(c), ask), false), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/copilot/threads",
      tags: ["copilot"],
      security: SECURITY,
      summary: "The caller's own copilot threads, newest first",
      request: { headers: TenantHeader },
      responses: { 200: json(ThreadList, "Threads"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const selected = await selectTenant(c);
      return c.json(await callTenant<ThreadList>(c, selected, (stub) => stub.threads(callerOf(c)), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/copilot/threads/{id}",
      tags: ["copilot"],
      security: SECURITY,
      summary: "One of the caller's threads with its messages (content null in metadata-only mode)",
      request: { headers: TenantHeader, params: ThreadParams },
      responses: { 200: json(ThreadDetail, "The thread"), 401: PROBLEMS[401], 403: PROBLEMS[403], 404: PROBLEMS[404], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const selected = await selectTenant(c);
      return c.json(await callTenant<ThreadDetail>(c, selected, (stub) => stub.thread(callerOf(c), id), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/usage",
      tags: ["admin"],
      security: SECURITY,
      summary: "Copilot usage per day and provider: requests, tokens in/out, latency, degraded answers (admin, auditor)",
      request: { headers: TenantHeader, query: UsageQuery },
      responses: { 200: json(UsageReport, "Usage"), 401: PROBLEMS[401], 403: PROBLEMS[403], 422: PROBLEMS[422], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const selected = await selectTenant(c);
      return c.json(await callTenant<UsageReport>(c, selected, (stub) => stub.usageReport(callerOf(c), query), true), 200);
    },
  );
