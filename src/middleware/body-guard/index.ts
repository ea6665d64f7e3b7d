import type { MiddlewareHandler } from "hono";
import { AppError } from "../../errors/app-error";
import type { AppEnv } from "../../env";

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json$/;

/**
 * Requests that carry a body: content type first (415 unless JSON), then size (413 before any
 * parsing). The size is counted over the bytes that actually arrive; a declared Content-Length
 * only lets us refuse early, it is never trusted to be small (hono's bodyLimit trusts it when
 * present, which a caller with a lying header could exploit through a service binding).
 * Bodies are buffered while counting: the JSON parser needs all of them anyway, and the limit
 * bounds the buffer.
 */
export const bodyGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method;
  if (method !== "POST" && method !== "PUT" && method !== "PATCH") return next();
  const body = c.req.raw.body;
  if (body === null) return next();
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const declared = c.req.header("content-length");
  if (declared === "0" && mediaType === "") return next();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new AppError(
      "unsupported_media_type",
      `expected application/json, got ${mediaType === "" ? "no content type" : mediaType.slice(0, 100)}`,
    );
  }
  const max = c.get("config").MAX_BODY_BYTES;
  const tooLarge = () => new AppError("payload_too_large", `the request body exceeds ${max} bytes`);
  if (declared !== undefined && Number(declared) > max) throw tooLarge();

  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("content-length", String(total));
  c.req.raw = new Request(c.req.raw.url, { method, headers, body: bytes });
  return next();
};
