import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import { Problem } from "../../schemas/common";

/**
 * What every route file shares: the documented problem responses (the one problem+json shape),
 * JSON bodies, the tenant selector header, and the two route builders that add security and the
 * standard problems, so a route states only what is its own. The OpenAPI document is a contract
 * clients are generated from: every status a route can answer is listed (test/contract checks each
 * answer against it), and every operation has an `operationId`.
 */
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: Problem } } });

export const PROBLEMS = {
  400: problem("Malformed JSON, or the identity belongs to several tenants and sent no `x-tenant-id`"),
  401: problem("Missing or invalid credentials (with WWW-Authenticate)"),
  403: problem("Not a member of the tenant, role not allowed, or tenant suspended"),
  404: problem("Not found, or not visible to the caller (indistinguishable)"),
  409: problem("Conflict: the record or tenant exists, or an Idempotency-Key was reused with another body"),
  412: problem(
    "Precondition failed: If-Match matches no current entity tag (stale, weak, `*` with nothing there, or malformed), or If-None-Match matches on a write; nothing was written",
  ),
  413: problem("Body larger than MAX_BODY_BYTES (counted as it arrives)"),
  415: problem("Content type is not one this operation accepts"),
  422: problem("The request does not match the schema, or breaks a rule the schema describes; `errors` names each path"),
  429: problem("Rate limit reached (Retry-After, RateLimit, RateLimit-Policy)"),
  503: problem(
    "The deployment is misconfigured (`not_ready`) or the tenant's object is briefly unavailable (`tenant_unavailable`); retry later",
  ),
} as const;

/** Kept for route files that name the body problems on their own. */
export const BODY_PROBLEMS = { 400: PROBLEMS[400], 413: PROBLEMS[413], 415: PROBLEMS[415] } as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/**
 * Optional tenant selector for identities with several memberships. Any string is accepted here: a
 * value that is not a tenant id of the caller's is a 403 (not a member), never a 422.
 */
export const TenantHeader = z.object({
  "x-tenant-id": z
    .string()
    .optional()
    .openapi({ description: "Tenant to act in, when the identity belongs to several", example: "example-tenant" }),
});

/**
 * Credentials, any one of which will do: an OIDC bearer token, a Cloudflare Access assertion
 * (header or cookie), the web app's session cookie, or, on local deployments only, the dev-auth headers.
 */
export const SECURITY: Record<string, string[]>[] = [
  { bearer: [] },
  { access: [] },
  { accessCookie: [] },
  { session: [] },
  { devUser: [] },
];

/** The security schemes SECURITY names, registered by app.ts. */
export const SECURITY_SCHEMES = {
  bearer: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "OIDC access token from OIDC_ISSUER with audience OIDC_AUDIENCE (RS256/ES256 by default)",
  },
  access: {
    type: "apiKey",
    in: "header",
    name: "Cf-Access-Jwt-Assertion",
    description: "Cloudflare Access assertion (audience CF_ACCESS_AUD); service tokens are identified by their common_name",
  },
  accessCookie: {
    type: "apiKey",
    in: "cookie",
    name: "CF_Authorization",
    description: "Cloudflare Access session cookie (same token); a change it authenticates needs this site's Origin header",
  },
  session: {
    type: "apiKey",
    in: "cookie",
    name: "__Host-fieldpilot-session",
    description: "The web app's sign-in session (`/auth/*`); a change it authenticates needs this site's Origin header",
  },
  devUser: {
    type: "apiKey",
    in: "header",
    name: "x-user-id",
    description:
      "Local development only (`npm start`): honoured when ALLOW_DEV_AUTH=1 and ENVIRONMENT is development, test or local; refused in production. " +
      "`x-user-id` names the subject, `x-user-role` asserts its role (default `technician`), `x-tenant-id` picks the tenant.",
  },
} as const;

type Request = RouteConfig["request"];
type Kind = "member" | "platform";

/** Header names a route declares (its request headers are a zod object). */
function headerNames(request: Request): Set<string> {
  const headers = request?.headers as { shape?: Record<string, unknown> } | undefined;
  return new Set(Object.keys(headers?.shape ?? {}).map((name) => name.toLowerCase()));
}

/**
 * The problems a route can answer with, from what it is and takes:
 * - 400: malformed JSON (a body); a member route also when the identity belongs to several tenants and names none;
 * - 401, 403: every authenticated route (platform routes: operators only);
 * - 404: path parameters (a member route's tenant selection never answers 404);
 * - 412: an `If-Match` header, or `If-None-Match` on a write; 304 (not a problem): `If-None-Match` on a read;
 * - 413: any POST/PUT/PATCH (the body guard counts every body, declared or not);
 * - 415: a declared body; 422: a body, a query, or a validated header besides `x-tenant-id`;
 * - 429: member routes (operators are never rate limited);
 * - 503: every /v1 route (configuration invalid, or the tenant's object unavailable).
 */
function standardProblems(route: { method: string; request?: Request }, kind: Kind) {
  const { request } = route;
  const body = request?.body !== undefined;
  const writes = ["post", "put", "patch"].includes(route.method);
  const reads = route.method === "get";
  const headers = headerNames(request);
  const validatedHeaders = [...headers].some((name) => name !== "x-tenant-id");
  return {
    ...(reads && headers.has("if-none-match") ? { 304: { description: "Not modified: If-None-Match names the current ETag" } } : {}),
    ...(body || kind === "member" ? { 400: PROBLEMS[400] } : {}),
    401: PROBLEMS[401],
    403: PROBLEMS[403],
    ...(request?.params ? { 404: PROBLEMS[404] } : {}),
    ...(headers.has("if-match") || (!reads && headers.has("if-none-match")) ? { 412: PROBLEMS[412] } : {}),
    ...(writes ? { 413: PROBLEMS[413] } : {}),
    ...(body ? { 415: PROBLEMS[415] } : {}),
    ...(body || request?.query || validatedHeaders ? { 422: PROBLEMS[422] } : {}),
    ...(kind === "member" ? { 429: PROBLEMS[429] } : {}),
    503: PROBLEMS[503],
  };
}

/** What a route file gives a builder: the route without security, and always a stable, meaningful `operationId`. */
type RouteInput<P extends string> = Omit<RouteConfig, "path" | "security" | "operationId"> & { path: P; operationId: string };

/**
 * A member's route (the tenant is selected from the caller's memberships): the credential schemes,
 * the `x-tenant-id` header unless the route brings its own headers (which then include it), and
 * the standard problems above.
 */
export function memberRoute<P extends string, R extends RouteInput<P>>(route: R) {
  // Typed as the route it was given: the additions are problems (thrown, never returned) and an optional header.
  const full = {
    ...route,
    security: SECURITY,
    request: { headers: TenantHeader, ...route.request },
    responses: { ...standardProblems(route, "member"), ...route.responses },
  };
  return createRoute(full as R);
}

/** A platform operator's route: the credential schemes and the standard problems above. */
export function platformRoute<P extends string, R extends RouteInput<P>>(route: R) {
  const full = { ...route, security: SECURITY, responses: { ...standardProblems(route, "platform"), ...route.responses } };
  return createRoute(full as R);
}
