import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../../errors/app-error";
import type { AppEnv } from "../../env";

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json$/;

/**
 * Requests that carry a body: content type first (415 unless JSON), then size counted in bytes
 * as the body streams (413 before it is parsed; Content-Length is not trusted on its own).
 */
export const bodyGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method;
  if (method !== "POST" && method !== "PUT" && method !== "PATCH") return next();
  const length = c.req.header("content-length");
  const hasBody = c.req.raw.body !== null && length !== "0";
  if (!hasBody) return next();
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new AppError(
      "unsupported_media_type",
      `expected application/json, got ${mediaType === "" ? "no content type" : mediaType.slice(0, 100)}`,
    );
  }
  return bodyLimit({
    maxSize: c.get("config").MAX_BODY_BYTES,
    onError: () => {
      throw new AppError("payload_too_large", `the request body exceeds ${c.get("config").MAX_BODY_BYTES} bytes`);
    },
  })(c, next);
};
