import { z } from "@hono/zod-openapi";
import { AppError } from "./errors";

/**
 * Conditional requests (RFC 9110 §13): `If-Match` and `If-None-Match` as the router parses them
 * from hostile header text, as the tenant object receives them over RPC (validated again), and
 * the one evaluation both use. Entity tags are strong and made by the tenant object from the
 * representation itself (`durable-objects/tenant/etag.ts`); a resource's answer carries its tag
 * as `Tagged<T>`.
 */

/** Headers are hostile: a condition longer than this, or naming more tags, is malformed (and so matches nothing). */
export const MAX_CONDITION_CHARS = 4_096;
export const MAX_CONDITION_TAGS = 32;

/** One entity tag of a list: `W/"x"` is weak, `"x"` strong; `opaque` is the text between the quotes. */
export const EntityTag = z.strictObject({ weak: z.boolean(), opaque: z.string().max(MAX_CONDITION_CHARS) });
export type EntityTag = z.infer<typeof EntityTag>;

/** A parsed `If-Match` / `If-None-Match`: `*`, a list of entity tags, or a value that is not one (with why). */
export const TagCondition = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("any") }),
  z.strictObject({ kind: z.literal("tags"), tags: z.array(EntityTag).max(MAX_CONDITION_TAGS) }),
  z.strictObject({ kind: z.literal("malformed"), reason: z.string().max(200) }),
]);
export type TagCondition = z.infer<typeof TagCondition>;

/** The preconditions of one request, as the router hands them to the tenant object. */
export const Preconditions = z.strictObject({ ifMatch: TagCondition.optional(), ifNoneMatch: TagCondition.optional() });
export type Preconditions = z.infer<typeof Preconditions>;

/** A representation and its strong entity tag (the `ETag` field value, quotes included). */
export interface Tagged<T> {
  value: T;
  etag: string;
}

const malformed = (reason: string): TagCondition => ({ kind: "malformed", reason });
const isOws = (ch: string | undefined) => ch === " " || ch === "\t";
/** etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3). */
const OPAQUE = /^[\x21\x23-\x7e\x80-\xff]*$/;

/**
 * `"*" / #entity-tag` (RFC 9110 §13.1.1, §13.1.2), parsed by hand because an opaque tag may
 * itself contain commas. Empty list elements are allowed (§5.6.1); an empty list names no tag.
 * Undefined when the header is absent.
 */
export function parseTagCondition(value: string | undefined): TagCondition | undefined {
  if (value === undefined) return undefined;
  if (value.length > MAX_CONDITION_CHARS) return malformed(`longer than ${MAX_CONDITION_CHARS} characters`);
  if (value.trim() === "*") return { kind: "any" };
  const tags: EntityTag[] = [];
  let i = 0;
  while (i < value.length) {
    while (isOws(value[i]) || value[i] === ",") i++;
    if (i >= value.length) break;
    const weak = value.startsWith("W/", i);
    if (weak) i += 2;
    if (value[i] !== '"') return malformed(`expected a quoted entity tag at character ${i + 1} ("*" stands alone)`);
    const end = value.indexOf('"', i + 1);
    if (end < 0) return malformed("an entity tag is missing its closing quote");
    const opaque = value.slice(i + 1, end);
    if (!OPAQUE.test(opaque)) return malformed("an entity tag holds a character RFC 9110 does not allow");
    tags.push({ weak, opaque });
    if (tags.length > MAX_CONDITION_TAGS) return malformed(`more than ${MAX_CONDITION_TAGS} entity tags`);
    i = end + 1;
    while (isOws(value[i])) i++;
    if (i < value.length && value[i] !== ",") return malformed(`expected a comma at character ${i + 1}`);
  }
  return { kind: "tags", tags };
}

/** Both headers of a request, parsed; absent headers are left out. */
export function parsePreconditions(header: (name: string) => string | undefined): Preconditions {
  const ifMatch = parseTagCondition(header("if-match"));
  const ifNoneMatch = parseTagCondition(header("if-none-match"));
  return { ...(ifMatch ? { ifMatch } : {}), ...(ifNoneMatch ? { ifNoneMatch } : {}) };
}

const quoted = (tag: EntityTag) => `"${tag.opaque}"`;

/** Strong comparison (§8.8.3.2): both strong and the same; our tags are always strong. */
function ifMatchHolds(condition: TagCondition, current: string | null): boolean {
  if (current === null) return false;
  if (condition.kind === "any") return true;
  if (condition.kind === "malformed") return false;
  return condition.tags.some((tag) => !tag.weak && quoted(tag) === current);
}

/** Weak comparison: the opaque tags are the same, `W/` or not. A malformed value matches nothing, so it holds. */
function ifNoneMatchHolds(condition: TagCondition, current: string | null): boolean {
  if (condition.kind === "any") return current === null;
  if (condition.kind === "malformed" || current === null) return true;
  return !condition.tags.some((tag) => quoted(tag) === current);
}

function ifMatchFailure(condition: TagCondition, current: string | null, what: string): string {
  if (condition.kind === "malformed")
    return `If-Match is not a list of entity tags (${condition.reason}), so it matches no entity tag; nothing was changed`;
  if (current === null) return `If-Match requires a current ${what}, and there is none; nothing was changed`;
  if (condition.kind === "tags" && condition.tags.length > 0 && condition.tags.every((t) => t.weak))
    return "If-Match compares entity tags strongly, and a weak tag (W/) never matches; send the ETag as it was given; nothing was changed";
  return `${what} has changed since that entity tag was issued (or it was never its tag); read it again for its current ETag; nothing was changed`;
}

/**
 * RFC 9110 §13.2.2, steps 1 and 3 (the date conditions are not supported): If-Match that does
 * not hold is a 412 (an AppError `precondition_failed`); If-None-Match that does not hold is a
 * 304 for a read ("not_modified") and a 412 for a write. `current` is the resource's tag, null
 * when it has no current representation. `what` names the resource in the problem's detail.
 */
export function evaluatePreconditions(
  preconditions: Preconditions,
  current: string | null,
  method: "read" | "write",
  what: string,
): "proceed" | "not_modified" {
  const { ifMatch, ifNoneMatch } = preconditions;
  if (ifMatch && !ifMatchHolds(ifMatch, current)) throw new AppError("precondition_failed", ifMatchFailure(ifMatch, current, what));
  if (ifNoneMatch && !ifNoneMatchHolds(ifNoneMatch, current)) {
    if (method === "read") return "not_modified";
    throw new AppError("precondition_failed", `If-None-Match matches the current entity tag of ${what}; nothing was changed`);
  }
  return "proceed";
}
