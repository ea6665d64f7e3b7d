import { OpenAPIHono } from "@hono/zod-openapi";
import { Me } from "../../schemas/identity";
import type { AppEnv } from "../env";
import { isPlatformOperator } from "../identity/authenticate";
import { callTenant, selectedTenant } from "../tenancy/call";
import { membershipsOf } from "../tenancy/directory";
import { json, memberRoute } from "./shared";

/** `GET /v1/me`: who the caller is, in which tenant, with which role; operators without memberships learn who they are too. */
export const meRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "get",
    path: "/v1/me",
    operationId: "getMe",
    tags: ["identity"],
    summary: "Who am I: user, selected tenant, role and all memberships (tenant and role null when several tenants and none chosen)",
    responses: { 200: json(Me, "The caller") },
  }),
  async (c) => {
    const principal = c.get("principal");
    const operator = isPlatformOperator(principal, c.get("config"));
    const user = { issuer: principal.issuer, subject: principal.subject, email: principal.email };
    // Without a chosen tenant, an identity in several tenants learns which (to choose one with
    // x-tenant-id), and a platform operator without memberships learns who it is.
    if (c.req.header("x-tenant-id") === undefined) {
      const memberships = await membershipsOf(c.env, principal);
      if (memberships.length > 1 || (operator && memberships.length === 0))
        return c.json({ user, tenant: null, role: null, platformOperator: operator, memberships }, 200);
    }
    const me = await callTenant(c, (stub, caller) => stub.me(caller), { idempotent: true });
    c.set("role", me.role);
    const { memberships } = await selectedTenant(c);
    const { id, name, region, status } = me.tenant;
    return c.json({ user, tenant: { id, name, region, status }, role: me.role, platformOperator: operator, memberships }, 200);
  },
);
