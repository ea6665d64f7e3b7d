import { z } from "@hono/zod-openapi";
import { Problem } from "../../schemas/common";

/** Error responses every protected route documents (the one problem+json shape). */
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: Problem } } });

export const PROBLEMS = {
  401: problem("Missing or invalid credentials (with WWW-Authenticate)"),
  403: problem("Not a member of the tenant, role not allowed, or tenant suspended"),
  404: problem("Not found, or not visible to the caller (indistinguishable)"),
  409: problem("Conflict: the record or tenant exists, or an Idempotency-Key was reused with another body"),
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
