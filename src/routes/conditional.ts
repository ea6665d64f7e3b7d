import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { evaluatePreconditions, parsePreconditions, type Preconditions, type Tagged } from "../../schemas/preconditions";
import type { AppEnv } from "../env";
import { TenantHeader } from "./shared";

/**
 * Conditional requests at the edge (RFC 9110 §13): the headers a route takes and documents, the
 * `ETag` it answers with, and the 304 of a read. Writes compare their preconditions inside the
 * tenant object, in the write's transaction (never here: the router cannot see the state it
 * writes against); a read is answered here from the tag the object returned with the
 * representation, after the object's visibility, role and rate checks, so a 304 costs the caller
 * what the 200 would have, and a record the caller may not see is a 404 before any tag is compared.
 */
export const ConditionalHeaders = TenantHeader.extend({
  "if-match": z.string().optional().openapi({
    description:
      'Proceed only if the current ETag is one of these (strong comparison: a weak `W/"…"` tag never matches), or exists at all (`*`). Otherwise 412 and nothing is written. A value that is not a list of entity tags matches nothing (412).',
    example: '"kTqz1yP0s5n2c3Vb8m4aXw"',
  }),
  "if-none-match": z.string().optional().openapi({
    description:
      "Proceed only if the current ETag is none of these (weak comparison), or none exists (`*`). A read that matches answers 304 without a body; a write, 412.",
    example: '"kTqz1yP0s5n2c3Vb8m4aXw"',
  }),
});

const ETagHeader = z.object({
  ETag: z.string().openapi({
    description: "Strong entity tag of this representation; send it back in If-Match (writes) or If-None-Match (reads)",
    example: '"kTqz1yP0s5n2c3Vb8m4aXw"',
  }),
});

/** A JSON response that carries the representation's `ETag`. */
export const taggedJson = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  headers: ETagHeader,
  content: { "application/json": { schema } },
});

export const NOT_MODIFIED = {
  description: "Not modified: If-None-Match matched the current ETag (sent again); no body",
  headers: ETagHeader,
};

/** The request's If-Match / If-None-Match, parsed from header text (bounded; a malformed value is kept as such). */
export function preconditionsOf(c: Context<AppEnv>): Preconditions {
  return parsePreconditions((name) => c.req.header(name));
}

/**
 * Whether a write may be retried on a transient error as it is: a PUT without preconditions may,
 * a conditional one may not (its first attempt may have committed and changed the tag, and the
 * retry would then answer 412 for a write that happened).
 */
export function unconditional(preconditions: Preconditions): boolean {
  return preconditions.ifMatch === undefined && preconditions.ifNoneMatch === undefined;
}

/** A read's answer: 304 with the ETag when If-None-Match matches, 412 when If-Match does not hold, else the representation. */
export function conditionalRead<T extends object>(c: Context<AppEnv>, tagged: Tagged<T>, what: string): Response {
  const outcome = evaluatePreconditions(preconditionsOf(c), tagged.etag, "read", what);
  c.header("etag", tagged.etag);
  if (outcome === "not_modified") return c.body(null, 304);
  return c.json(tagged.value, 200);
}

/** A write's answer: the representation as written, with its new ETag. */
export function taggedResponse<T extends object, S extends 200 | 201 | 202>(c: Context<AppEnv>, tagged: Tagged<T>, status: S) {
  c.header("etag", tagged.etag);
  return c.json(tagged.value, status);
}
