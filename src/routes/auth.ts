import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { registry } from "../../durable-objects/directory/stubs";
import type { MemberList } from "../../schemas/admin";
import { DevIdentities, DevSignIn, SignInOptions } from "../../schemas/auth";
import { AppError } from "../../schemas/errors";
import { DEV_ISSUER } from "../config";
import type { AppEnv } from "../env";
import { requireSameOrigin } from "../identity/authenticate";
import { CLEARED_SESSION_COOKIE, sealSession, sessionCookie } from "../identity/session";
import { callTenant } from "../tenancy/call";
import { withRetry } from "../tenancy/retry";
import { json, jsonBody, PROBLEMS } from "./shared";

/**
 * `/auth/…`: how people sign in to the web app. Every way in ends in the same session cookie
 * (src/identity/session.ts), which the one authentication path accepts like any credential; the
 * tenant object still decides membership and role on every call.
 */
const sameOrigin = (c: Context<AppEnv>) => requireSameOrigin({ method: c.req.method, url: c.req.url, header: (n) => c.req.header(n) });

const devOnly = (c: Context<AppEnv>) => {
  if (!c.get("config").devAuth) throw new AppError("not_found", "dev sign-in is not available on this deployment");
};

const NO_CONTENT = { description: "Done; the session cookie is set (or cleared)" };

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/options",
      operationId: "getSignInOptions",
      tags: ["auth"],
      security: [],
      summary: "How this deployment lets people sign in",
      responses: { 200: json(SignInOptions, "The ways in"), 503: PROBLEMS[503] },
    }),
    (c) => {
      const config = c.get("config");
      return c.json({ dev: config.devAuth, oidc: false, access: config.CF_ACCESS_AUD !== undefined && config.CF_ACCESS_AUD !== "" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/dev/identities",
      operationId: "listDevIdentities",
      tags: ["auth"],
      security: [],
      summary: "The local sign-in picker's identities (only where dev auth is allowed)",
      responses: { 200: json(DevIdentities, "Every dev-issuer member of every active tenant"), 404: PROBLEMS[404], 503: PROBLEMS[503] },
    }),
    async (c) => {
      devOnly(c);
      const tenants = (await withRetry(() => registry(c.env).listTenants(), true)).filter((t) => t.status === "active");
      const out: DevIdentities["tenants"] = [];
      for (const tenant of tenants) {
        const { members } = await callTenant<MemberList>(c, (stub) => stub.platformListMembers(), {
          idempotent: true,
          tenant: { tenantId: tenant.id, region: tenant.region },
        });
        const devMembers = members
          .filter((m) => m.issuer === DEV_ISSUER && m.status === "active")
          .map((m) => ({ userId: m.subject, role: m.role, email: m.email }));
        if (devMembers.length > 0) out.push({ id: tenant.id, name: tenant.name, members: devMembers });
      }
      return c.json({ tenants: out }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/dev/session",
      operationId: "devSignIn",
      tags: ["auth"],
      security: [],
      summary: "Sign in as a dev identity (only where dev auth is allowed); sets the session cookie",
      request: { body: jsonBody(DevSignIn) },
      responses: {
        204: NO_CONTENT,
        400: PROBLEMS[400],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        413: PROBLEMS[413],
        415: PROBLEMS[415],
        422: PROBLEMS[422],
        503: PROBLEMS[503],
      },
    }),
    async (c) => {
      devOnly(c);
      sameOrigin(c);
      const { userId } = c.req.valid("json");
      const value = await sealSession(
        c.get("config").sessionKeys,
        { via: "dev", issuer: DEV_ISSUER, subject: userId, email: null },
        Math.floor(Date.now() / 1000),
      );
      c.header("set-cookie", sessionCookie(value));
      c.header("cache-control", "no-store");
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/logout",
      operationId: "signOut",
      tags: ["auth"],
      security: [],
      summary: "Sign out: the session cookie is cleared",
      responses: { 204: NO_CONTENT, 403: PROBLEMS[403], 413: PROBLEMS[413], 503: PROBLEMS[503] },
    }),
    (c) => {
      sameOrigin(c);
      c.header("set-cookie", CLEARED_SESSION_COOKIE);
      c.header("cache-control", "no-store");
      return c.body(null, 204);
    },
  );
