import { EncryptJWT, jwtDecrypt } from "jose";
import { z } from "@hono/zod-openapi";
import { cryptoKeyOf, type Keyring } from "../../durable-objects/tenant/crypto/envelope";
import { UserId } from "../../schemas/common";
import { AppError } from "../../schemas/errors";
import type { Principal } from "../../schemas/identity";

/**
 * The web app's session: a `__Host-` cookie holding an encrypted JWT (jose, `dir` + A256GCM)
 * under the `SESSION_KEYS` ring (the same `v<N>:<base64 32 bytes>` format and rotation as
 * `PROVIDER_KEY_KEKS`: the first entry seals, every entry opens; the JWE's `kid` names the
 * version). The page never sees what is inside: the cookie is HttpOnly, and the session holds who
 * signed in (and, for OIDC, the tokens the Worker uses on their behalf), never a role or a tenant:
 * the tenant object decides membership and role on every call, as for every other credential.
 */
export const SESSION_COOKIE = "__Host-fieldpilot-session";
/** A session ends this long after sign-in, whatever happens in between. */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;
/** Cookies are at most 4,096 bytes per name and value (RFC 6265 §6.1); bigger ones are refused unread. */
export const MAX_SESSION_COOKIE_BYTES = 4_096;

const SessionClaims = z.object({
  /** How the session was made: `dev` sessions are honoured only while dev auth is allowed. */
  via: z.enum(["dev", "oidc"]),
  iss: z.string().min(1).max(512),
  sub: UserId,
  email: z.string().max(320).nullable(),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type SessionClaims = z.infer<typeof SessionClaims>;

export interface NewSession {
  via: SessionClaims["via"];
  issuer: string;
  subject: string;
  email: string | null;
}

const unauthenticated = (detail: string) => new AppError("unauthenticated", detail);

/** Seals a new session under the ring's current key; the value of the cookie. */
export async function sealSession(ring: Keyring, session: NewSession, nowSeconds: number): Promise<string> {
  const version = ring.current;
  const key = version === null ? null : cryptoKeyOf(ring, version);
  if (version === null || !key)
    throw new AppError("not_ready", "sign-in is not configured on this deployment: set the SESSION_KEYS secret");
  return new EncryptJWT({ via: session.via, email: session.email })
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: `v${version}` })
    .setIssuer(session.issuer)
    .setSubject(session.subject)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + SESSION_MAX_AGE_SECONDS)
    .encrypt(await key);
}

/** Opens a session cookie; a tampered, expired, foreign-key or malformed one is a 401. */
export async function openSession(ring: Keyring, value: string, nowSeconds: number): Promise<SessionClaims> {
  if (value.length > MAX_SESSION_COOKIE_BYTES) throw unauthenticated("the session cookie is too large");
  let claims: unknown;
  try {
    const { payload } = await jwtDecrypt(
      value,
      async (header) => {
        const version = /^v([1-9][0-9]{0,8})$/.exec(header.kid ?? "")?.[1];
        const key = version === undefined ? null : cryptoKeyOf(ring, Number(version));
        if (!key) throw new Error("unknown session key");
        return key;
      },
      { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"], currentDate: new Date(nowSeconds * 1000) },
    );
    claims = payload;
  } catch {
    throw unauthenticated("the session is invalid or has expired: sign in again");
  }
  const parsed = SessionClaims.safeParse(claims);
  if (!parsed.success || parsed.data.exp - parsed.data.iat > SESSION_MAX_AGE_SECONDS)
    throw unauthenticated("the session is invalid or has expired: sign in again");
  return parsed.data;
}

/** The identity a session stands for; a dev session asks for the member's own role, as dev headers do. */
export function sessionPrincipal(claims: SessionClaims): Principal {
  return { issuer: claims.iss, subject: claims.sub, email: claims.email, devRole: claims.via === "dev" ? "member" : null };
}

/** `Set-Cookie` for a new session, and for ending one. */
export function sessionCookie(value: string): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${SESSION_MAX_AGE_SECONDS}`;
}
export const CLEARED_SESSION_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
