import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { registry } from "../../durable-objects/directory/stubs";
import type { MemberList } from "../../schemas/admin";
import { DevIdentities, DevSignIn, SignedOut, SignInCallback, SignInOptions, SignInStart } from "../../schemas/auth";
import { AppError } from "../../schemas/errors";
import { DEV_ISSUER } from "../config";
import type { AppEnv } from "../env";
import { cookie, requireSameOrigin } from "../identity/cookies";
import { endSessionUrl, finishSignIn, SignInFailure, startSignIn } from "../identity/oidc-client";
import {
  CLEARED_FLOW_COOKIE,
  CLEARED_SESSION_COOKIE,
  FLOW_COOKIE,
  flowCookie,
  openFlow,
  openSession,
  SESSION_COOKIE,
  sealFlow,
  sealSession,
  sealSessionThatFits,
  sessionCookie,
} from "../identity/session";
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

/** A 302 to the identity provider or back to the app; `Set-Cookie` carries the flow or the session. */
const REDIRECT = (description: string) => ({
  description,
  headers: {
    Location: { description: "Where the browser goes next", schema: { type: "string" as const } },
    "Set-Cookie": {
      description: "The sign-in flow's or the session's cookie (HttpOnly, Secure, SameSite=Lax)",
      schema: { type: "string" as const },
    },
  },
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Back to the sign-in page with a short reason; the flow cookie goes, no session is written. */
const signInError = (c: Context<AppEnv>, message: string) => {
  c.header("set-cookie", CLEARED_FLOW_COOKIE);
  c.header("cache-control", "no-store");
  return c.redirect(`/?signin_error=${encodeURIComponent(message)}`, 302);
};

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
      return c.json(
        { dev: config.devAuth, oidc: config.oidcSignIn, access: config.CF_ACCESS_AUD !== undefined && config.CF_ACCESS_AUD !== "" },
        200,
      );
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
      method: "get",
      path: "/auth/login",
      operationId: "startOidcSignIn",
      tags: ["auth"],
      security: [],
      summary: "Sign in with the company account: redirects to the identity provider (authorization code flow with PKCE)",
      description:
        "Sets a short-lived sealed cookie with the flow's state, nonce and PKCE verifier, and redirects (302) to the " +
        "issuer's authorization endpoint. `returnTo` is where the callback lands afterwards: a path on this site.",
      request: { query: SignInStart },
      responses: {
        302: REDIRECT("To the identity provider's authorization endpoint; the flow's cookie is set"),
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        503: PROBLEMS[503],
      },
    }),
    async (c) => {
      const config = c.get("config");
      const { returnTo } = c.req.valid("query");
      const { location, flow } = await startSignIn(config, c.req.url, returnTo ?? "/");
      c.header("set-cookie", flowCookie(await sealFlow(config.sessionKeys, flow, nowSeconds())));
      c.header("cache-control", "no-store");
      return c.redirect(location, 302);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/callback",
      operationId: "finishOidcSignIn",
      tags: ["auth"],
      security: [],
      summary: "The identity provider's redirect back: signs in and redirects to the app",
      description:
        "Checks the state against the flow's cookie, exchanges the code (with the PKCE verifier and the client's " +
        "secret) and verifies the ID token (issuer, audience, nonce, signature), then sets the session cookie and " +
        "redirects to `returnTo`. Every refusal (no or another state, no or an expired flow cookie, the provider's " +
        "error, a token that does not verify) redirects to `/?signin_error=…`, clears the flow's cookie and signs " +
        "nobody in.",
      request: { query: SignInCallback },
      responses: {
        302: REDIRECT("Signed in (to `returnTo`), or refused (to `/?signin_error=…`)"),
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        503: PROBLEMS[503],
      },
    }),
    async (c) => {
      const config = c.get("config");
      if (!config.oidcSignIn) throw new AppError("not_found", "sign-in with a company account is not configured on this deployment");
      const flow = await openFlow(config.sessionKeys, cookie(c.req.header("cookie"), FLOW_COOKIE), nowSeconds());
      if (!flow) return signInError(c, "The sign-in took too long or was started elsewhere. Please try again.");
      let signedIn;
      try {
        signedIn = await finishSignIn(config, new URL(c.req.url), flow);
      } catch (error) {
        if (error instanceof SignInFailure) return signInError(c, error.message);
        // The issuer unreachable or its discovery document unusable: back to sign-in as well, the flow cookie cleared.
        if (error instanceof AppError && error.code === "not_ready") return signInError(c, `Sign-in failed: ${error.detail}.`);
        throw error;
      }
      const { value } = await sealSessionThatFits(
        config.sessionKeys,
        {
          via: "oidc",
          issuer: signedIn.issuer,
          subject: signedIn.subject,
          email: signedIn.email,
          ...(signedIn.idToken ? { idToken: signedIn.idToken } : {}),
          ...(signedIn.refreshToken ? { refreshToken: signedIn.refreshToken } : {}),
        },
        nowSeconds(),
      );
      c.header("set-cookie", CLEARED_FLOW_COOKIE);
      c.header("set-cookie", sessionCookie(value), { append: true });
      c.header("cache-control", "no-store");
      return c.redirect(flow.returnTo, 302);
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
      description:
        "204 when nothing else is to be done. 200 with `endSessionUrl` when the session came from the OIDC issuer and " +
        "it has an end-session endpoint: the page goes there so the issuer's own session ends too.",
      responses: {
        200: json(SignedOut, "Signed out here; go to `endSessionUrl` to sign out at the identity provider"),
        204: NO_CONTENT,
        403: PROBLEMS[403],
        413: PROBLEMS[413],
        503: PROBLEMS[503],
      },
    }),
    async (c) => {
      sameOrigin(c);
      const config = c.get("config");
      c.header("set-cookie", CLEARED_SESSION_COOKIE);
      c.header("cache-control", "no-store");
      const value = cookie(c.req.header("cookie"), SESSION_COOKIE);
      const session = value === undefined ? undefined : await openSession(config.sessionKeys, value, nowSeconds()).catch(() => undefined);
      if (session?.via === "oidc" && config.OIDC_ISSUER && session.iss === config.OIDC_ISSUER) {
        // The issuer's session ends only if it can be reached; ours is ended either way.
        const url = await endSessionUrl(config, c.req.url, session.idt).catch(() => undefined);
        if (url) return c.json({ endSessionUrl: url }, 200);
      }
      return c.body(null, 204);
    },
  );
