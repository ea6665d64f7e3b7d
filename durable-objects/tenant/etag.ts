import { createHash } from "node:crypto";
import { toBase64Url } from "../../schemas/encoding";
import { parseOr422 } from "../../schemas/errors";
import { evaluatePreconditions, Preconditions, type Tagged } from "../../schemas/preconditions";

/**
 * Strong entity tags, made from the representation itself: the first 128 bits of SHA-256 over the
 * resource kind and the JSON the API answers with. Any write that changes what a GET would show
 * (PATCH, ingest, import, a background re-encryption, a changed platform bound) changes the tag,
 * and no write path has to remember to bump a counter. `node:crypto` hashes synchronously, so a
 * tag is computed inside the write's transaction. Why not a version column: docs/decisions.md.
 */
export type TaggedKind = "job" | "member" | "settings" | "provider-key" | "document";

export function entityTag(kind: TaggedKind, representation: unknown): string {
  const digest = createHash("sha256").update(`${kind}\n`).update(JSON.stringify(representation)).digest();
  return `"${toBase64Url(new Uint8Array(digest.buffer, digest.byteOffset, 16))}"`;
}

export function tagged<T>(kind: TaggedKind, value: T): Tagged<T> {
  return { value, etag: entityTag(kind, value) };
}

/**
 * A write's preconditions against the resource's current tag (null: it has none). Call it inside
 * the write's transaction, before writing: a 412 thrown there rolls back everything the call did
 * (the row, its audit entry) and nothing is notified. The preconditions are RPC input, so they are
 * validated again here.
 */
export function requirePreconditions(preconditions: Preconditions, current: string | null, what: string): void {
  evaluatePreconditions(parseOr422(Preconditions, preconditions), current, "write", what);
}
