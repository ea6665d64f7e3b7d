import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";
import { AppError, fieldErrors } from "../schemas/errors";
import { onError, problemResponse, setRateHeaders } from "./errors/problem";
import { isolateAuthenticator, isPlatformOperator, type Authenticator } from "./identity/authenticate";
import { bodyGuard } from "./middleware/body-guard";
import { configGuard } from "./middleware/config";
import { stripInternalHeaders } from "./middleware/internal-headers";
import { methodNotAllowed } from "./middleware/method-not-allowed";
import { requestId } from "./middleware/request-id";
import { requestLog } from "./middleware/request-log";
import { serverTiming, timingOf } from "./middleware/server-timing";
import { auditRoutes } from "./routes/admin/audit";
import { exportRoutes } from "./routes/admin/export";
import { importRoutes } from "./routes/admin/import";
import { memberRoutes } from "./routes/admin/members";
import { metricsRoutes } from "./routes/admin/metrics";
import { providerKeyRoutes } from "./routes/admin/provider-keys";
import { settingsRoutes } from "./routes/admin/settings";
import { taskRoutes } from "./routes/admin/tasks";
import { usageRoutes } from "./routes/admin/usage";
import { copilotRoutes } from "./routes/copilot";
import { ingestRoutes } from "./routes/ingest";
import { jobRoutes } from "./routes/jobs";
import { meRoutes } from "./routes/me";
import { platformRoutes } from "./routes/platform";
import { isTicketUpgrade, realtimeRoutes } from "./routes/realtime";
import { searchRoutes } from "./routes/search";
import { systemRoutes } from "./routes/system";

/**
 * The router Worker. Checks run in a fixed order: request id and log, method (405), liveness, configuration,
 * internal headers stripped, body type and size, authentication, then per route: tenant
 * selection, the actor's membership/role/rate checks, body validation, the action.
 */
const identify =
  (authenticator: Authenticator): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const principal = await timingOf(c).time("auth", () =>
      authenticator.authenticate({ header: (name) => c.req.header(name), waitUntil: (p) => c.executionCtx.waitUntil(p) }, c.get("config")),
    );
    c.set("principal", principal);
    await next();
  };

const platformOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!isPlatformOperator(c.get("principal"), c.get("config"))) throw new AppError("forbidden", "platform operators only");
  await next();
};

const rateHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  setRateHeaders(c.res.headers, c.get("rate"));
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

  app.doc31("/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "FieldPilot API",
      version: "1.0.0",
      description: "Multi-tenant field-service copilot backend. Errors are RFC 9457 problem+json.",
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "access", { type: "apiKey", in: "header", name: "Cf-Access-Jwt-Assertion" });

  // A ticket is the credential of a socket upgrade: the tenant object verifies it.
  app.use("/v1/*", async (c, next) => (c.req.path === "/v1/openapi.json" || isTicketUpgrade(c) ? next() : identifyCaller(c, next)));
  app.use("/v1/platform/*", platformOnly);
  // One module per surface; each member route calls its tenant through tenancy/call.ts.
  for (const routes of [
    meRoutes,
    platformRoutes,
    ingestRoutes,
    jobRoutes,
    searchRoutes,
    copilotRoutes,
    realtimeRoutes,
    auditRoutes,
    usageRoutes,
    metricsRoutes,
    taskRoutes,
    providerKeyRoutes,
    exportRoutes,
    importRoutes,
    memberRoutes,
    settingsRoutes,
  ]) {
    app.route("/", routes);
  }

  app.notFound((c) => problemResponse(c, new AppError("not_found", `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`)));
  app.onError(onError);
  return app;
}
