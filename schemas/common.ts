import { z } from "@hono/zod-openapi";

/**
 * Caller-chosen record ids (product contract): `^[A-Za-z0-9._:-]{1,128}$`. Examples in the document
 * name records of the `npm start` demo tenant `acme-hvac` (scripts/demo-data.mjs), so a client
 * trying them locally gets real answers: job J-3034, its client C-1001 and property P-2001.
 */
export const RecordId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 characters of A-Z a-z 0-9 . _ : -")
  .openapi({ example: "J-3034" });
export const ClientRef = RecordId.openapi({ example: "C-1001" });
export const PropertyRef = RecordId.openapi({ example: "P-2001" });

/** Identity subjects (user ids). Same charset as record ids plus `@` and `|` for e-mail-like and IdP subjects. */
export const UserId = z
  .string()
  .regex(/^[A-Za-z0-9._:@|+-]{1,256}$/, "must be 1-256 characters of A-Z a-z 0-9 . _ : @ | + -")
  .openapi({ example: "ana.tech" });

/**
 * Tenant ids. The example is deliberately not a demo tenant: examples feed generated clients and
 * contract-test generators, and the platform operations that take a tenant id suspend and delete.
 */
export const TenantId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "must be 2-63 characters of a-z 0-9 -, starting with a letter or digit")
  .openapi({ example: "example-tenant" });

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

/**
 * `schema | null`, documented as `anyOf: [schema, {type: "null"}]`. zod-to-openapi's `.nullable()`
 * on a named (component) schema either turns the component itself nullable or emits
 * `allOf: [$ref, {type: [object, null]}]`, which no value of null can satisfy; a union with
 * `z.null()` is the form JSON Schema validators and generators read as "this or null".
 */
export const nullable = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

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
