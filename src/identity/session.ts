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
/**
 * An OIDC session holding a refresh token is re-checked at the issuer this long after sign-in and
 * after each re-check (session-renewal.ts): a user disabled or a grant revoked there is out within
 * this long of their next request.
 */
export const SESSION_RECHECK_SECONDS = 10 * 60;
/** Cookies are at most 4,096 bytes per name and value (RFC 6265 §6.1); bigger ones are refused unread. */
export const MAX_SESSION_COOKIE_BYTES = 4_096;

const SessionClaims = z.object({
  /** How the session was made: `dev` sessions are honoured only while dev auth is allowed. */
  via: z.enum(["dev", "oidc"]),
  iss: z.string().min(1).max(512),
  sub: UserId,
  email: z.string().max(320).nullable(),
  /** OIDC only, when the cookie has room: the ID token (the end-session hint) and the refresh token. Never sent to the page. */
  idt: z.string().max(4096).optional(),
  rt: z.string().max(4096).optional(),
  /** With `rt` only: when the refresh token is next used to re-check the sign-in at the issuer (session-renewal.ts). */
  chk: z.number().int().optional(),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type SessionClaims = z.infer<typeof SessionClaims>;

export interface NewSession {
  via: SessionClaims["via"];
  issuer: string;
  subject: string;
  email: string | null;
  idToken?: string;
  refreshToken?: string;
  /** With `refreshToken`: the re-check time (default: sealing time + SESSION_RECHECK_SECONDS). */
  recheckAt?: number;
}

/** When a session was signed in and when it ends: a renewal keeps both, so it never extends the 8 h bound. */
export interface SessionBounds {
  iat: number;
  exp: number;
}

const unauthenticated = (detail: string) => new AppError("unauthenticated", detail);

/** Seals claims under the ring's current key (jose `dir` + A256GCM, `kid` = the key's version). */
async function seal(ring: Keyring, claims: Record<string, unknown>, bounds: SessionBounds): Promise<string> {
  const version = ring.current;
  const key = version === null ? null : cryptoKeyOf(ring, version);
  if (version === null || !key)
    throw new AppError("not_ready", "sign-in is not configured on this deployment: set the SESSION_KEYS secret");
  return new EncryptJWT(claims)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: `v${version}` })
    .setIssuedAt(bounds.iat)
    .setExpirationTime(bounds.exp)
    .encrypt(await key);
}

/** Opens what `seal` made under any key of the ring; undefined when tampered, expired, foreign or malformed. */
async function unseal(ring: Keyring, value: string, nowSeconds: number): Promise<unknown> {
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
    return payload;
  } catch {
    return undefined;
  }
}

/** Seals a session under the ring's current key (a new one unless `bounds` are an existing one's); the value of the cookie. */
export async function sealSession(
  ring: Keyring,
  session: NewSession,
  nowSeconds: number,
  bounds: SessionBounds = { iat: nowSeconds, exp: nowSeconds + SESSION_MAX_AGE_SECONDS },
): Promise<string> {
  const claims: Record<string, unknown> = { via: session.via, email: session.email, iss: session.issuer, sub: session.subject };
  if (session.idToken !== undefined) claims.idt = session.idToken;
  if (session.refreshToken !== undefined) {
    claims.rt = session.refreshToken;
    claims.chk = session.recheckAt ?? nowSeconds + SESSION_RECHECK_SECONDS;
  }
  return seal(ring, claims, bounds);
}

/**
 * Seals an OIDC session with as many of its tokens as fit a 4 KB cookie: both, else the ID token
 * (the end-session hint), else none. Says which were kept.
 */
export async function sealSessionThatFits(
  ring: Keyring,
  session: NewSession,
  nowSeconds: number,
  bounds?: SessionBounds,
): Promise<{ value: string; kept: { idToken: boolean; refreshToken: boolean } }> {
  const { idToken, refreshToken, ...who } = session;
  const tries: NewSession[] = [
    { ...who, ...(idToken ? { idToken } : {}), ...(refreshToken ? { refreshToken } : {}) },
    { ...who, ...(idToken ? { idToken } : {}) },
    who,
  ];
  let value = "";
  for (const attempt of tries) {
    value = await sealSession(ring, attempt, nowSeconds, bounds);
    if (sessionCookie(value).split(";")[0]!.length <= MAX_SESSION_COOKIE_BYTES)
      return { value, kept: { idToken: attempt.idToken !== undefined, refreshToken: attempt.refreshToken !== undefined } };
  }
  return { value, kept: { idToken: false, refreshToken: false } };
}

/** Opens a session cookie; a tampered, expired, foreign-key or malformed one is a 401. */
export async function openSession(ring: Keyring, value: string, nowSeconds: number): Promise<SessionClaims> {
  if (value.length > MAX_SESSION_COOKIE_BYTES) throw unauthenticated("the session cookie is too large");
  const claims = await unseal(ring, value, nowSeconds);
  if (claims === undefined) throw unauthenticated("the session is invalid or has expired: sign in again");
  const parsed = SessionClaims.safeParse(claims);
  if (!parsed.success || parsed.data.exp - parsed.data.iat > SESSION_MAX_AGE_SECONDS)
    throw unauthenticated("the session is invalid or has expired: sign in again");
  return parsed.data;
}

/** The identity a session stands for; a dev session asks for the member's own role, as dev headers do. */
export function sessionPrincipal(claims: SessionClaims): Principal {
  return { issuer: claims.iss, subject: claims.sub, email: claims.email, devRole: claims.via === "dev" ? "member" : null };
}

/** `Set-Cookie` for a new session (a renewed one: `maxAge` = what is left of it), and for ending one. */
export function sessionCookie(value: string, maxAge = SESSION_MAX_AGE_SECONDS): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAge}`;
}
export const CLEARED_SESSION_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;

/**
 * The OIDC sign-in in flight (`/auth/login` → `/auth/callback`): state, nonce, PKCE verifier, the
 * redirect URI used and where to go afterwards, sealed like the session in its own short-lived
 * `__Host-` cookie, so the Worker keeps no state between the two requests.
 */
export const FLOW_COOKIE = "__Host-fieldpilot-oidc-flow";
export const FLOW_MAX_AGE_SECONDS = 10 * 60;

const FlowClaims = z.object({
  flow: z.literal("oidc"),
  state: z.string().min(1).max(256),
  nonce: z.string().min(1).max(256),
  verifier: z.string().min(43).max(128),
  redirectUri: z.string().min(1).max(2048),
  returnTo: z.string().max(2048),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type FlowClaims = z.infer<typeof FlowClaims>;
export type NewFlow = Omit<FlowClaims, "flow" | "iat" | "exp">;

export function sealFlow(ring: Keyring, flow: NewFlow, nowSeconds: number): Promise<string> {
  return seal(ring, { flow: "oidc", ...flow }, { iat: nowSeconds, exp: nowSeconds + FLOW_MAX_AGE_SECONDS });
}

/** The flow in the cookie, or undefined when it is missing, tampered, expired or malformed. */
export async function openFlow(ring: Keyring, value: string | undefined, nowSeconds: number): Promise<FlowClaims | undefined> {
  if (value === undefined || value.length > MAX_SESSION_COOKIE_BYTES) return undefined;
  const parsed = FlowClaims.safeParse(await unseal(ring, value, nowSeconds));
  return parsed.success && parsed.data.exp - parsed.data.iat <= FLOW_MAX_AGE_SECONDS ? parsed.data : undefined;
}

/** `__Host-` (so Path=/): HttpOnly, Secure, and Lax so that it comes back on the issuer's top-level redirect to the callback. */
export function flowCookie(value: string): string {
  return `${FLOW_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${FLOW_MAX_AGE_SECONDS}`;
}
export const CLEARED_FLOW_COOKIE = `${FLOW_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
