import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";

/** An inbound id is echoed only if it is at most 128 characters of [A-Za-z0-9._:-]. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function acceptedRequestId(inbound: string | null): string {
  return inbound !== null && REQUEST_ID_PATTERN.test(inbound) ? inbound : crypto.randomUUID();
}

/** Every response, errors included, carries `x-request-id`. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const id = acceptedRequestId(c.req.header("x-request-id") ?? null);
  c.set("requestId", id);
  await next();
  c.res.headers.set("x-request-id", id);
};
