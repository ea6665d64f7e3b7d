import type { MiddlewareHandler } from "hono";
import { loadConfig } from "../../config";
import { AppError } from "../../../schemas/errors";
import type { AppEnv } from "../../env";

/** Loads the parsed configuration; an invalid one refuses traffic (503) instead of running half-configured. */
export const configGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const result = loadConfig(c.env);
  if (!result.ok) {
    console.error(JSON.stringify({ level: "error", msg: "invalid configuration", problems: result.problems }));
    throw new AppError("not_ready", "the service is misconfigured; operators see the details in /readyz and the logs");
  }
  c.set("config", result.config);
  await next();
};
