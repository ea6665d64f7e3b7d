import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { Me } from "../../schemas/identity";
import type { AppEnv } from "../env";
import { isPlatformOperator } from "../identity/authenticate";
import { callTenant, callerOf, membershipsOf, selectTenant } from "../tenancy/tenants";
import { json, PROBLEMS, SECURITY, TenantHeader } from "./shared";

export const meRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "get",
    path: "/v1/me",
    tags: ["identity"],
    security: SECURITY,
    summary: "Who am I: user, selected tenant, role and all memberships",
    request: { headers: TenantHeader },
    responses: { 200: json(Me, "The caller"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
  }),
  async (c) => {
    const principal = c.get("principal");
    const operator = isPlatformOperator(principal, c.get("config"));
    const user = { issuer: principal.issuer, subject: principal.subject, email: principal.email };
    // A platform operator is not a tenant member: without memberships it still learns who it is.
    if (operator && c.req.header("x-tenant-id") === undefined && (await membershipsOf(c.env, principal)).length === 0) {
      return c.json({ user, tenant: null, role: null, platformOperator: true, memberships: [] }, 200);
    }
    const selected = await selectTenant(c);
    const me = await callTenant(c, selected, (stub) => stub.me(callerOf(c)), true);
    c.set("role", me.role);
    return c.json(
      {
        user,
        tenant: { id: me.tenant.id, name: me.tenant.name, region: me.tenant.region, status: me.tenant.status },
        role: me.role,
        platformOperator: operator,
        memberships: selected.memberships,
      },
      200,
    );
  },
);
