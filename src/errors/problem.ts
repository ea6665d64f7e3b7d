import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { RateState } from "../../schemas/rpc";
import type { AppEnv } from "../env";
import { AppError, TITLES } from "../../schemas/errors";

/**
 * The one writer of error responses: RFC 9457 problem+json with `status`, `title`, `detail`,
 * `code`, `requestId` and, for validation, `errors`. Unknown errors are logged with the request
 * id and become a plain 500 without stack or internal message.
 */
export function problemResponse(c: Context<AppEnv>, error: AppError): Response {
  const body = {
    type: `https://fieldpilot.dev/problems/${error.code.replace(/_/g, "-")}`,
    title: TITLES[error.code],
    status: error.status,
    detail: error.detail,
    code: error.code,
    requestId: c.get("requestId") ?? "",
    ...(error.errors ? { errors: error.errors } : {}),
  };
  const headers = new Headers({ "content-type": "application/problem+json" });
  if (error.status === 401) headers.set("www-authenticate", 'Bearer realm="fieldpilot", error="invalid_token"');
  if (error.retryAfterSeconds !== undefined) headers.set("retry-after", String(Math.max(1, error.retryAfterSeconds)));
  setRateHeaders(headers, c.get("rate"));
  return new Response(JSON.stringify(body), { status: error.status, headers });
}

/** `RateLimit` and `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers, structured fields). */
export function setRateHeaders(headers: Headers, rate: RateState | undefined): void {
  if (!rate) return;
  headers.set("ratelimit-policy", `"${rate.policy}";q=${rate.limit};w=60`);
  headers.set("ratelimit", `"${rate.policy}";r=${rate.remaining};t=${Math.max(0, rate.resetSeconds)}`);
}

export function onError(error: unknown, c: Context<AppEnv>): Response {
  if (error instanceof AppError) return problemResponse(c, error);
  if (error instanceof HTTPException) {
    if (error.status === 413) return problemResponse(c, new AppError("payload_too_large", "the request body is too large"));
    if (error.status === 415)
      return problemResponse(c, new AppError("unsupported_media_type", "this route accepts application/json bodies only"));
    if (error.status === 400) return problemResponse(c, new AppError("invalid_json", "the request body is not valid JSON"));
    if (error.status === 401) return problemResponse(c, new AppError("unauthenticated", "authentication required"));
  }
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unhandled error",
      requestId: c.get("requestId") ?? null,
      error: error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown",
    }),
  );
  return problemResponse(c, new AppError("internal", "an unexpected error occurred; quote the request id when reporting it"));
}
