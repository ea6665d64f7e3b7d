import { z } from "@hono/zod-openapi";

/** Caller-chosen record ids (product contract): `^[A-Za-z0-9._:-]{1,128}$`. */
export const RecordId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 characters of A-Z a-z 0-9 . _ : -")
  .openapi({ example: "J-1001" });

/** Identity subjects (user ids). Same charset as record ids plus `@` and `|` for e-mail-like and IdP subjects. */
export const UserId = z
  .string()
  .regex(/^[A-Za-z0-9._:@|+-]{1,256}$/, "must be 1-256 characters of A-Z a-z 0-9 . _ : @ | + -")
  .openapi({ example: "tech-ana" });

export const TenantId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "must be 2-63 characters of a-z 0-9 -, starting with a letter or digit")
  .openapi({ example: "acme-hvac" });

export const Role = z.enum(["admin", "dispatcher", "technician", "auditor", "service"]);
export type Role = z.infer<typeof Role>;

export const Region = z.enum(["us", "eu", "auto"]);
export type Region = z.infer<typeof Region>;

/**
 * ISO 8601 date-time with Z or an offset, normalised to UTC (`toISOString`), so stored times
 * compare correctly as text and range filters mean what they say.
 */
export const IsoDateTime = z.iso
  .datetime({ offset: true })
  .openapi({ example: "2026-11-02T08:30:00Z" })
  .transform((v) => new Date(v).toISOString())
  // An offset can push 9999-12-31 into year 10000, which ISO strings write as "+010000-…".
  .refine((v) => /^\d{4}-/.test(v), "must fall between years 0000 and 9999 in UTC");

/** Free text from callers. Bounded so that no single field can approach the 2 MB row limit. */
export const Text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** RFC 9457 problem details, the one error shape of the API. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");
export type Problem = z.infer<typeof Problem>;

/** Evidence reference, `kind:id`, e.g. `note:N12`. */
export const EvidenceKind = z.enum(["job", "note", "event", "client", "property"]);
export type EvidenceKind = z.infer<typeof EvidenceKind>;
