import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { loadConfig } from "../config";
import type { AppEnv } from "../env";
import { registry } from "../../durable-objects/directory/stubs";
import { json } from "./shared";

/**
 * The registry ping is cached per isolate for a few seconds: /readyz is public, and a probe flood
 * must not become a flood on the one registry object.
 */
const READY_CACHE_MS = 5_000;
let lastPing: { at: number; result: string } | undefined;

async function directoryReachable(env: Env): Promise<string> {
  if (lastPing && Date.now() - lastPing.at < READY_CACHE_MS) return lastPing.result;
  let result = "ok";
  try {
    await registry(env).ping();
  } catch {
    result = "unreachable";
  }
  lastPing = { at: Date.now(), result };
  return result;
}

const Health = z.object({ status: z.literal("ok") }).openapi("Health");
const Readiness = z.object({ status: z.enum(["ready", "not_ready"]), checks: z.record(z.string(), z.string()) }).openapi("Readiness");

export const systemRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      operationId: "getHealth",
      tags: ["system"],
      security: [],
      summary: "Liveness",
      responses: { 200: json(Health, "The worker is running") },
    }),
    (c) => c.json({ status: "ok" as const }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      operationId: "getReadiness",
      tags: ["system"],
      security: [],
      summary: "Readiness: configuration valid and actors reachable",
      responses: { 200: json(Readiness, "Ready"), 503: json(Readiness, "Not ready; `checks` says why") },
    }),
    async (c) => {
      const checks: Record<string, string> = {};
      const config = loadConfig(c.env);
      checks.config = config.ok ? "ok" : config.problems.join("; ");
      if (config.ok && config.config.ALLOW_DEV_AUTH === "1" && !config.config.devAuth)
        checks.devAuth = "ALLOW_DEV_AUTH=1 is ignored outside local environments (development, test, local)";
      checks.directory = await directoryReachable(c.env);
      const ready = checks.config === "ok" && checks.directory === "ok";
      return c.json({ status: ready ? ("ready" as const) : ("not_ready" as const), checks }, ready ? 200 : 503);
    },
  );
