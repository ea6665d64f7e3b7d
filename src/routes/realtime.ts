import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError, AppErrorData } from "../../schemas/errors";
import { parseTicket, RealtimeQuery, RealtimeTicket } from "../../schemas/realtime";
import type { AppEnv } from "../env";
import { callTenant, selectedTenant, tenantStub } from "../tenancy/call";
import { withRetry } from "../tenancy/retry";
import { json, memberRoute, PROBLEMS, SECURITY, TenantHeader } from "./shared";

/**
 * The realtime channel's edge. A socket is opened with a single-use ticket (browsers cannot set
 * headers on a WebSocket) or with the REST credentials; either way the router forwards the
 * upgrade to the tenant's object WITH A TICKET, so the object has one way in and decides alone
 * who the socket belongs to. No identity travels in headers.
 */
export const REALTIME_PATH = "/v1/realtime";

/** Whether this request opens a socket with a ticket (no other credentials are read then). */
export function isTicketUpgrade(c: Context<AppEnv>): boolean {
  return c.req.method === "GET" && c.req.path === REALTIME_PATH && c.req.query("ticket") !== undefined;
}

export const realtimeRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "post",
      path: "/v1/realtime/ticket",
      operationId: "createRealtimeTicket",
      tags: ["realtime"],
      summary: "A single-use ticket (valid 60 s) to open the realtime WebSocket",
      responses: { 200: json(RealtimeTicket, "The ticket") },
    }),
    async (c) => c.json(await callTenant<RealtimeTicket>(c, (stub, caller) => stub.issueTicket(caller), { idempotent: false }), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: REALTIME_PATH,
      operationId: "openRealtimeSocket",
      tags: ["realtime"],
      security: [...SECURITY, {}],
      summary: "The realtime WebSocket (Upgrade: websocket), opened with ?ticket= or the REST credentials",
      description:
        "Client frames: ask {id, question, jobId?, threadId?}, brief {id, jobId}, cancel {id}, resume {id, after}. Server frames: delta, answer, brief (a JobBrief), error, presence, job.updated.",
      request: { headers: TenantHeader, query: RealtimeQuery },
      responses: {
        101: { description: "Switching protocols: the socket is open" },
        400: { ...PROBLEMS[400], description: "Not a WebSocket upgrade, or several memberships and no `x-tenant-id`" },
        401: { ...PROBLEMS[401], description: "Missing or invalid credentials, or a malformed, unknown, used or expired ticket" },
        403: { ...PROBLEMS[403], description: "Origin not allowed, not a member, or tenant suspended" },
        404: { ...PROBLEMS[404], description: "The ticket names a tenant that does not exist" },
        422: { ...PROBLEMS[422], description: "The query does not match the schema (a ticket over 512 characters, or given twice)" },
        429: PROBLEMS[429],
        503: PROBLEMS[503],
      },
    }),
    async (c) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        throw new AppError("bad_request", "this endpoint opens a WebSocket: send Upgrade: websocket");
      }
      // ALLOWED_ORIGINS from the one config schema; empty means any origin.
      const configured = c.get("config").ALLOWED_ORIGINS;
      const origins = configured.length > 0 ? configured : null;
      const origin = c.req.header("origin");
      // Browsers always send Origin on a WebSocket; clients without one are not browsers (and cannot be CSRF'd).
      if (origins && origin !== undefined && !origins.includes(origin.trim().toLowerCase())) {
        throw new AppError("forbidden", "this origin may not open the realtime channel");
      }
      const { ticket } = c.req.valid("query");
      let target: { tenantId: string; region: "us" | "eu" | "auto"; ticket: string };
      if (ticket !== undefined) {
        const parsed = parseTicket(ticket);
        if (!parsed) throw new AppError("unauthenticated", "the ticket is malformed");
        target = { tenantId: parsed.tenantId, region: parsed.region, ticket };
      } else {
        const selected = await selectedTenant(c);
        const issued = await callTenant<RealtimeTicket>(c, (stub, caller) => stub.issueTicket(caller), { idempotent: false });
        target = { tenantId: selected.tenantId, region: selected.region, ticket: issued.ticket };
      }
      c.set("tenantId", target.tenantId);

      const url = new URL(REALTIME_PATH, c.req.url);
      url.searchParams.set("ticket", target.ticket);
      // Only what the object needs: the upgrade and the request id for its audit entries.
      const headers = new Headers({ upgrade: "websocket", "x-request-id": c.get("requestId") });
      // Not retried: the ticket is single use.
      const res = await withRetry(() => tenantStub(c.env, target.tenantId, target.region).fetch(new Request(url, { headers })), false);
      if (res.status === 101 && res.webSocket) return new Response(null, { status: 101, webSocket: res.webSocket });
      // A refusal is the one error shape (AppErrorData), like every RPC result.
      const refusal = AppErrorData.safeParse(await res.json().catch(() => null));
      if (!refusal.success) throw new Error(`tenant object refused an upgrade with status ${res.status} and no readable reason`);
      throw AppError.fromData(refusal.data);
    },
  );
