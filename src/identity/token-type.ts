import { z } from "@hono/zod-openapi";

/**
 * Explicit token typing (RFC 8725 §3.11): a deployment may require the JWS header's `typ` to be
 * one of OIDC_ALLOWED_TOKEN_TYPES, e.g. `at+jwt` for RFC 9068 access tokens, so an ID token or
 * another JWT from the same provider and audience is not accepted as an access token. Values are
 * media types compared case-insensitively, with `application/` optional: RFC 7515 §4.1.9 says a
 * `typ` without a `/` means `application/<typ>`.
 */
export function normalizeTokenType(value: string): string {
  const lower = value.trim().toLowerCase();
  const rest = lower.startsWith("application/") ? lower.slice("application/".length) : lower;
  return rest.includes("/") ? lower : rest;
}

/** A media type (RFC 6838 restricted names), with or without its `application/` prefix. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126})?$/i;

/** OIDC_ALLOWED_TOKEN_TYPES: comma-separated, blank entries ignored; unset or blank: no check (an empty list). */
export const AllowedTokenTypes = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  z
    .array(z.string().regex(MEDIA_TYPE, "must be a media type such as at+jwt or application/at+jwt"))
    .max(16, "OIDC_ALLOWED_TOKEN_TYPES lists at most 16 types")
    .transform((types) => [...new Set(types.map(normalizeTokenType))]),
);

/** Whether a verified token's `typ` header is allowed (an empty allow-list allows any, even none). */
export function tokenTypeAllowed(typ: unknown, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  return typeof typ === "string" && allowed.includes(normalizeTokenType(typ));
}
