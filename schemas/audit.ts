import { z } from "@hono/zod-openapi";
import { IsoDateTime, nullable } from "./common";

export const AuditQuery = z.strictObject({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** `issuer|subject`, or a subject alone. */
  actor: z.string().min(1).max(800).optional(),
  /** An action such as `context.read`, `member.remove`, `export`. */
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/, "must be an action name like member.remove")
    .optional(),
  /** Entries at or after this time. */
  since: IsoDateTime.optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditEntry = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    role: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    outcome: z.enum(["ok", "denied"]),
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi("AuditEntry");
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditPage = z.object({ entries: z.array(AuditEntry), nextAfter: z.number().int().nullable() }).openapi("AuditPage");
export type AuditPage = z.infer<typeof AuditPage>;

/** The newest audit head a tenant reported to the registry: kept outside the tenant's object. */
export const AuditAnchor = z.object({ seq: z.number().int().min(0), hash: z.string(), at: z.string() }).openapi("AuditAnchor");
export type AuditAnchor = z.infer<typeof AuditAnchor>;

/** The anchor and whether this log still holds it (its own component: an extension of a named schema cannot be made nullable). */
export const AuditAnchorCheck = z
  .object({ seq: z.number().int().min(0), hash: z.string(), at: z.string(), matches: z.boolean() })
  .openapi("AuditAnchorCheck");

export const AuditVerification = z
  .object({
    valid: z.boolean(),
    entries: z.number().int(),
    head: z.string(),
    firstInvalidSeq: z.number().int().nullable(),
    problem: z.string().nullable(),
    /** True when the check reached the newest entry; otherwise continue with `from=nextFrom`. */
    complete: z.boolean(),
    nextFrom: z.number().int().nullable(),
    /**
     * The head anchored outside the object, and whether this log still holds it: a rewritten or
     * truncated log no longer does (null when nothing was anchored yet).
     */
    anchor: nullable(AuditAnchorCheck).optional(),
  })
  .openapi("AuditVerification");

export const AuditVerifyQuery = z.strictObject({
  from: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(1),
});
export type AuditVerifyQuery = z.infer<typeof AuditVerifyQuery>;
export type AuditVerification = z.infer<typeof AuditVerification>;
