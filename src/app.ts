import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";
import { AppError, fieldErrors } from "../schemas/errors";
import type { Principal } from "../schemas/identity";
import { onError, problemResponse, setRateHeaders } from "./errors/problem";
import { isolateAuthenticator, isPlatformOperator, type AuthInput, type Authenticator } from "./identity/authenticate";
import { bodyGuard } from "./middleware/body-guard";
import { configGuard } from "./middleware/config";
import { stripInternalHeaders } from "./middleware/internal-headers";
import { methodNotAllowed } from "./middleware/method-not-allowed";
import { requestId } from "./middleware/request-id";
import { requestLog } from "./middleware/request-log";
import { serverTiming, timingOf } from "./middleware/server-timing";
import { apiRoutes } from "./routes";
import { isTicketUpgrade } from "./routes/realtime";
import { SECURITY_SCHEMES } from "./routes/shared";
import { systemRoutes } from "./routes/system";

/**
 * The router Worker. Checks run in a fixed order: request id and log, method (405), liveness, configuration,
 * internal headers stripped, body type and size, authentication, then per route: tenant
 * selection, the actor's membership/role/rate checks, body validation, the action.
 */
const identify =
  (authenticator: Authenticator): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    // What the authenticator asks the response to carry (a renewed or an ended session), whatever the response is.
    const cookies: string[] = [];
    const withCookies = (res: Response) => {
      for (const value of cookies) res.headers.append("set-cookie", value);
      return res;
    };
    const input: AuthInput = {
      method: c.req.method,
      url: c.req.url,
      header: (name) => c.req.header(name),
      waitUntil: (p) => c.executionCtx.waitUntil(p),
      setCookie: (value) => void cookies.push(value),
    };
    let principal: Principal;
    try {
      principal = await timingOf(c).time("auth", () => authenticator.authenticate(input, c.get("config")));
    } catch (error) {
      // A refusal that ends the session (the cookie cleared): the one problem writer, plus the cookie.
      if (cookies.length === 0 || !(error instanceof AppError)) throw error;
      return withCookies(problemResponse(c, error));
    }
    c.set("principal", principal);
    await next();
    // Every response after authentication, error responses and a WebSocket's 101 included, has headers of its own.
    withCookies(c.res);
  };

const platformOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!isPlatformOperator(c.get("principal"), c.get("config"))) throw new AppError("forbidden", "platform operators only");
  await next();
};

const rateHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  setRateHeaders(c.res.headers, c.get("rate"));
};

/**
 * The document's own part (paths and schemas come from the routes): servers, tags, licence.
 * `npm run lint:openapi` lints what GET /v1/openapi.json serves with Redocly's recommended rules.
 */
export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "FieldPilot API",
    version: "1.0.0",
    description:
      "Multi-tenant field-service copilot backend. Errors are RFC 9457 problem+json (`application/problem+json`, one `code` per status). " +
      "Examples name records of the local demo tenant `acme-hvac` (`npm start`); tenant ids in examples are `example-tenant`.",
    license: { name: "Proprietary", identifier: "LicenseRef-FieldPilot-Proprietary" },
  },
  servers: [
    { url: "http://127.0.0.1:8787", description: "Local: `npm start` (wrangler dev, dev auth, demo tenants)" },
    {
      url: "https://{host}",
      description: "A deployment (`wrangler deploy`): set `host` to its hostname",
      variables: {
        host: { default: "fieldpilot.invalid", description: "The deployment's hostname; `.invalid` is a placeholder (RFC 2606)" },
      },
    },
  ],
  tags: [
    { name: "system", description: "Liveness and readiness probes (public)" },
    { name: "auth", description: "Signing in to the web app: the ways in, the session cookie, signing out" },
    { name: "identity", description: "Who the caller is, in which tenant" },
    { name: "platform", description: "Tenant lifecycle: platform operators only (PLATFORM_ADMIN_SUBJECTS)" },
    { name: "ingest", description: "Upserting a tenant's records by the caller's ids" },
    { name: "jobs", description: "Jobs, their notes and their context, as the caller may see them" },
    { name: "search", description: "Full-text search over what the caller may read" },
    { name: "library", description: "The shared knowledge library: operators write, members of any tenant read and cite" },
    { name: "documents", description: "The tenant's own documents: its admins write, its members read and cite" },
    { name: "copilot", description: "Grounded answers with verbatim citations, and the caller's threads" },
    { name: "realtime", description: "The WebSocket channel: tickets and the upgrade" },
    { name: "admin", description: "Tenant administration: audit, members, settings, keys, export/import, background work, metrics, usage" },
  ],
};

/** `authenticator`: the isolate's by default; tests pass one with a fake clock. */
export function createApp(options: { authenticator?: Authenticator } = {}) {
  const identifyCaller = identify(options.authenticator ?? isolateAuthenticator);
  const app = new OpenAPIHono<AppEnv>({
    // One hook for every schema failure: path params that cannot be an id are "not found";
    // everything else is 422 naming each path.
    defaultHook: (result) => {
      if (result.success) return;
      if (result.target === "param") throw new AppError("not_found", "no such resource");
      throw new AppError("validation_failed", `the request ${result.target} does not match the schema`, {
        errors: fieldErrors(result.error),
      });
    },
  });

  // A known path with the wrong method: 405 with Allow, before configuration and authentication.
  app.use("*", requestId, serverTiming, requestLog, rateHeaders, methodNotAllowed(app));
  app.route("/", systemRoutes);
  app.use("*", configGuard, stripInternalHeaders, bodyGuard);

  app.doc31("/v1/openapi.json", OPENAPI_DOCUMENT);
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);

  // A ticket is the credential of a socket upgrade: the tenant object verifies it.
  app.use("/v1/*", async (c, next) => (c.req.path === "/v1/openapi.json" || isTicketUpgrade(c) ? next() : identifyCaller(c, next)));
  app.use("/v1/platform/*", platformOnly);
  // One module per surface; each member route calls its tenant through tenancy/call.ts.
  app.route("/", apiRoutes);

  app.notFound((c) => problemResponse(c, new AppError("not_found", `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`)));
  app.onError(onError);
  return app;
}
