import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import { Problem } from "../../schemas/common";

/**
 * What every route file shares: the documented problem responses (the one problem+json shape),
 * JSON bodies, the tenant selector header, and the two route builders that add security and the
 * standard problems, so a route states only what is its own.
 */
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: Problem } } });

export const PROBLEMS = {
  401: problem("Missing or invalid credentials (with WWW-Authenticate)"),
  403: problem("Not a member of the tenant, role not allowed, or tenant suspended"),
  404: problem("Not found, or not visible to the caller (indistinguishable)"),
  409: problem("Conflict: the record or tenant exists, or an Idempotency-Key was reused with another body"),
  412: problem(
    "Precondition failed: If-Match matches no current entity tag (stale, weak, `*` with nothing there, or malformed), or If-None-Match matches on a write; nothing was written",
  ),
  422: problem("The request does not match the schema; `errors` names each path"),
  429: problem("Rate limit reached (Retry-After, RateLimit, RateLimit-Policy)"),
} as const;

export const BODY_PROBLEMS = {
  400: problem("Malformed JSON"),
  413: problem("Body larger than MAX_BODY_BYTES"),
  415: problem("Content type is not application/json"),
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** Optional tenant selector for identities with several memberships. */
export const TenantHeader = z.object({
  "x-tenant-id": z.string().optional().openapi({ description: "Tenant to act in, when the identity belongs to several" }),
});

export const SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { access: [] }];

type Request = RouteConfig["request"];

/** The problems a route can answer with, from what it takes: a body, path parameters, a query. */
function standardProblems(request: Request, rateLimited: boolean) {
  return {
    ...(request?.body ? BODY_PROBLEMS : {}),
    401: PROBLEMS[401],
    403: PROBLEMS[403],
    ...(request?.params ? { 404: PROBLEMS[404] } : {}),
    ...(request?.body || request?.query ? { 422: PROBLEMS[422] } : {}),
    ...(rateLimited ? { 429: PROBLEMS[429] } : {}),
  };
}

/**
 * A member's route (the tenant is selected from the caller's memberships): both credential
 * schemes, the `x-tenant-id` header unless the route brings its own headers (which then include
 * it), and 401/403/429 plus 400/413/415/422 for a body, 404 for path parameters, 422 for a query.
 */
export function memberRoute<P extends string, R extends Omit<RouteConfig, "path" | "security"> & { path: P }>(route: R) {
  // Typed as the route it was given: the additions are problems (thrown, never returned) and an optional header.
  const full = {
    ...route,
    security: SECURITY,
    request: { headers: TenantHeader, ...route.request },
    responses: { ...standardProblems(route.request, true), ...route.responses },
  };
  return createRoute(full as R);
}

/** A platform operator's route: both credential schemes, 401/403, and the same body, parameter and query problems. */
export function platformRoute<P extends string, R extends Omit<RouteConfig, "path" | "security"> & { path: P }>(route: R) {
  const full = { ...route, security: SECURITY, responses: { ...standardProblems(route.request, false), ...route.responses } };
  return createRoute(full as R);
}
