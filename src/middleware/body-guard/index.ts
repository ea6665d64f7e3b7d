import { readCapped } from "../../read-capped";
import type { MiddlewareHandler } from "hono";
import { AppError } from "../../../schemas/errors";
import { MAX_UPLOAD_BYTES } from "../../../schemas/library";
import type { AppEnv } from "../../env";
import { relayBody } from "./relay";

/**
 * Size of request bodies (413 before any parsing). The size is counted over the bytes that
 * actually arrive; a declared Content-Length only lets us refuse early, it is never trusted to be
 * small (hono's bodyLimit trusts it when present, which a caller with a lying header could
 * exploit through a service binding). Bodies are buffered while counting: the JSON parser needs
 * all of them anyway, and the limit bounds the buffer. The media type (415) is checked per route
 * by @hono/zod-openapi against the route's declared body types: one rule, in one place.
 */
/**
 * Routes whose bodies stream through to the tenant object unbuffered (an import can be gigabytes):
 * the object counts their bytes against its own limit as they arrive.
 */
export const STREAMED_BODY_PATHS: ReadonlySet<string> = new Set(["/v1/admin/import"]);

/**
 * Document uploads (src/knowledge/upload.ts): a raw body (Markdown, text, PDF) may be up to
 * MAX_UPLOAD_BYTES; a JSON body keeps MAX_BODY_BYTES. The library's routes, and a tenant's own documents'.
 */
export const UPLOAD_PATHS = /^\/v1\/(platform\/library|admin)\/documents(\/[^/]+)?$/;

const isJson = (contentType: string | undefined) => /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType?.trim() ?? "");

export const bodyGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method;
  if (method !== "POST" && method !== "PUT" && method !== "PATCH") return next();
  const body = c.req.raw.body;
  if (STREAMED_BODY_PATHS.has(c.req.path)) {
    if (body === null) return next();
    const relay = relayBody(body);
    c.req.raw = new Request(c.req.raw.url, { method, headers: c.req.raw.headers, body: relay.stream });
    await next();
    // Refused (by authentication, the route or the tenant object) before the upload was read
    // to its end: read the rest, so the client can finish sending and receive the answer.
    if (c.res.status >= 400) await relay.drain();
    return;
  }
  const declared = c.req.header("content-length");
  if (body === null || declared === "0") return next();
  const upload = UPLOAD_PATHS.test(c.req.path) && !isJson(c.req.header("content-type"));
  const max = upload ? MAX_UPLOAD_BYTES : c.get("config").MAX_BODY_BYTES;
  const tooLarge = () =>
    new AppError("payload_too_large", `the request body exceeds ${max} bytes (${upload ? "MAX_UPLOAD_BYTES" : "MAX_BODY_BYTES"})`);
  if (declared !== undefined && Number(declared) > max) throw tooLarge();

  const bytes = await readCapped(body, max, tooLarge);
  const headers = new Headers(c.req.raw.headers);
  headers.set("content-length", String(bytes.byteLength));
  c.req.raw = new Request(c.req.raw.url, { method, headers, body: bytes });
  return next();
};
