import { errors, jwtVerify, type JWTPayload } from "jose";
import { Role, UserId } from "../../schemas/common";
import { principalKey, type Principal } from "../../schemas/identity";
import { DEV_ISSUER, type Config } from "../config";
import { AppError } from "../../schemas/errors";
import { systemClock, type Clock } from "./clock";
import { discoverJwksUri, RemoteKeySet, type KeySetOptions } from "./key-set";
import { cookie, requireSameOrigin } from "./cookies";
import { openSession, SESSION_COOKIE, sessionPrincipal } from "./session";
import { SessionRenewals, type SessionRenewalOptions } from "./session-renewal";
import { tokenTypeAllowed } from "./token-type";

/**
 * The one authentication path. Sources are tried in a fixed order, and a credential that is
 * present but invalid is a 401, never a fall-through to a weaker source:
 *   1. Cloudflare Access: `Cf-Access-Jwt-Assertion`, else the `CF_Authorization` cookie (when configured);
 *   2. OIDC bearer: `Authorization: Bearer <jwt>`;
 *   3. the web app's session cookie (src/identity/session.ts; a dev session only while dev auth is allowed;
 *      an OIDC one with a refresh token re-checked at the issuer when due, session-renewal.ts);
 *   4. dev headers, only when ALLOW_DEV_AUTH=1 outside production.
 * A credential a browser sends by itself (a cookie) authenticates a state change only when the
 * request's `Origin` is this site's (CSRF): otherwise 403, whatever the cookie.
 * Signatures are checked before claims (jose), algorithms come from an asymmetric allow-list,
 * `exp` is required, oversize tokens are refused before any parsing, and OIDC tokens may be
 * required to carry an allowed `typ` (OIDC_ALLOWED_TOKEN_TYPES).
 */
export const MAX_TOKEN_BYTES = 8 * 1024;
const VERIFIED_CACHE_MAX = 5_000;

export interface AuthInput {
  method: string;
  /** The request's URL: its origin is the one a cookie-authenticated change must come from. */
  url: string;
  header: (name: string) => string | undefined;
  waitUntil: (p: Promise<unknown>) => void;
  /**
   * Adds a `Set-Cookie` to this request's response, an error response included (src/app.ts
   * `identify`): a renewed or an ended session. Without it no session is renewed.
   */
  setCookie?: (value: string) => void;
}

export interface AuthenticatorOptions {
  clock?: Clock;
  /** Key-set timing (tests shorten the fetch timeout); defaults in key-set.ts KEY_SET_TIMING. */
  keySet?: Omit<KeySetOptions, "clock">;
  /** The session re-check's timing (tests shorten the grant's timeout). */
  renewal?: SessionRenewalOptions;
}

interface Verification {
  principal: Principal;
  exp: number;
  keys: RemoteKeySet;
  kid: string | undefined;
  /** The key that verified it, as published (see `RemoteKeySet.vouchesFor`). */
  tie: string;
}

/**
 * A verified token, kept until its `exp` for as long as the key that verified it is still
 * published, unchanged, in keys within the revocation bound: a repeated call skips signature
 * work, and the cache never outlives a key's removal by more than the key set's bound.
 */
type Verified = Omit<Verification, "exp"> & { expMs: number };

/** Verification state of one isolate: the verified-token cache and one key set per source. */
export class Authenticator {
  readonly #clock: Clock;
  readonly #keySetOptions: KeySetOptions;
  readonly #verified = new Map<string, Verified>();
  readonly #keySets = new Map<string, RemoteKeySet>();
  /** Per configuration, what a cache key must carry besides the token: a token accepted under one policy is not under another. */
  readonly #policies = new WeakMap<Config, { oidc: string; access: string }>();
  readonly #renewals: SessionRenewals;

  constructor(options: AuthenticatorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#keySetOptions = { ...options.keySet, clock: this.#clock };
    this.#renewals = new SessionRenewals(this.#clock, options.renewal);
  }

  async authenticate(req: AuthInput, config: Config): Promise<Principal> {
    if (config.CF_ACCESS_AUD) {
      const header = req.header("cf-access-jwt-assertion");
      const token = header ?? cookie(req.header("cookie"), "CF_Authorization");
      if (token !== undefined) {
        const principal = await this.#verifyCached(this.#policy(config).access, token, req.waitUntil, () =>
          this.#verifyAccess(token, config, req.waitUntil),
        );
        if (header === undefined) requireSameOrigin(req);
        return principal;
      }
    }
    const authorization = req.header("authorization");
    if (authorization !== undefined) {
      const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
      if (!match?.[1]) throw unauthenticated("the Authorization header must be `Bearer <jwt>`");
      if (!config.OIDC_ISSUER || !config.OIDC_AUDIENCE) throw unauthenticated("bearer tokens are not accepted by this deployment");
      const token = match[1];
      return this.#verifyCached(this.#policy(config).oidc, token, req.waitUntil, () => this.#verifyOidc(token, config, req.waitUntil));
    }
    const session = cookie(req.header("cookie"), SESSION_COOKIE);
    if (session !== undefined) {
      const claims = await openSession(config.sessionKeys, session, Math.floor(this.#clock.now() / 1000));
      if (claims.via === "dev" && !config.devAuth) throw unauthenticated("dev sessions are not accepted by this deployment");
      // An OIDC session stands for the configured issuer's user only: one from another (or no) issuer is refused.
      if (claims.via === "oidc" && (!config.OIDC_ISSUER || claims.iss !== config.OIDC_ISSUER))
        throw unauthenticated("the session was signed in at an identity provider this deployment does not use: sign in again");
      requireSameOrigin(req);
      await this.#renewals.renewIfDue(session, claims, config, req.setCookie);
      return sessionPrincipal(claims);
    }
    if (config.devAuth) return devPrincipal(req);
    throw unauthenticated("authentication required");
  }

  #policy(config: Config): { oidc: string; access: string } {
    let policy = this.#policies.get(config);
    if (!policy) {
      const common = `${config.JWT_ALGORITHMS.join(",")}:${config.JWT_CLOCK_TOLERANCE_SECONDS}`;
      policy = {
        oidc: `oidc:${config.OIDC_AUDIENCE}:${config.OIDC_ISSUER}:${config.OIDC_JWKS_URL ?? ""}:${config.OIDC_ALLOWED_TOKEN_TYPES.join(",")}:${common}:`,
        access: `access:${config.CF_ACCESS_AUD}:${config.CF_ACCESS_ISSUER ?? ""}:${config.accessJwksUrl ?? ""}:${common}:`,
      };
      this.#policies.set(config, policy);
    }
    return policy;
  }

  async #verifyCached(
    policy: string,
    token: string,
    background: AuthInput["waitUntil"],
    verify: () => Promise<Verification>,
  ): Promise<Principal> {
    if (token.length > MAX_TOKEN_BYTES) throw unauthenticated(`tokens larger than ${MAX_TOKEN_BYTES} bytes are refused`);
    const key = policy + token;
    const hit = this.#verified.get(key);
    if (hit && hit.expMs > this.#clock.now() && hit.keys.vouchesFor(hit.kid, hit.tie, background)) return hit.principal;
    if (hit) this.#verified.delete(key);
    const { principal, exp, keys, kid, tie } = await verify();
    if (this.#verified.size >= VERIFIED_CACHE_MAX) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(key, { principal, expMs: exp * 1000, keys, kid, tie });
    return principal;
  }

  #keySet(id: string, url: () => Promise<string>): RemoteKeySet {
    let set = this.#keySets.get(id);
    if (!set) {
      set = new RemoteKeySet(url, this.#keySetOptions);
      this.#keySets.set(id, set);
    }
    return set;
  }

  async #verifyOidc(token: string, config: Config, waitUntil: AuthInput["waitUntil"]): Promise<Verification> {
    const issuer = config.OIDC_ISSUER as string;
    const keys = this.#keySet(
      `oidc:${config.OIDC_JWKS_URL ?? issuer}`,
      async () => config.OIDC_JWKS_URL ?? (await discoverJwksUri(issuer)),
    );
    let tie = "";
    const { payload, kid } = await this.#verifyJwt(
      token,
      keys.resolver(waitUntil, (t) => (tie = t)),
      config,
      {
        issuer,
        audience: config.OIDC_AUDIENCE as string,
        types: config.OIDC_ALLOWED_TOKEN_TYPES,
      },
    );
    const subject = typeof payload.sub === "string" ? payload.sub : "";
    return { principal: principalFrom(issuer, subject, payload), exp: payload.exp as number, keys, kid, tie };
  }

  async #verifyAccess(token: string, config: Config, waitUntil: AuthInput["waitUntil"]): Promise<Verification> {
    const jwksUrl = config.accessJwksUrl as string;
    const keys = this.#keySet(`access:${jwksUrl}`, async () => jwksUrl);
    let tie = "";
    const { payload, kid } = await this.#verifyJwt(
      token,
      keys.resolver(waitUntil, (t) => (tie = t)),
      config,
      {
        audience: config.CF_ACCESS_AUD as string,
        ...(config.CF_ACCESS_ISSUER ? { issuer: config.CF_ACCESS_ISSUER } : {}),
        types: [],
      },
    );
    // Access service tokens carry no `sub` (it is empty); their identity is `common_name`.
    const subject =
      typeof payload.sub === "string" && payload.sub !== ""
        ? payload.sub
        : typeof payload.common_name === "string"
          ? payload.common_name
          : "";
    const issuer = config.accessIssuer ?? (typeof payload.iss === "string" ? payload.iss : "access");
    return { principal: principalFrom(issuer, subject, payload), exp: payload.exp as number, keys, kid, tie };
  }

  async #verifyJwt(
    token: string,
    key: Parameters<typeof jwtVerify>[1],
    config: Config,
    expect: { issuer?: string; audience: string; types: readonly string[] },
  ): Promise<{ payload: JWTPayload; kid: string | undefined }> {
    if (token.length > MAX_TOKEN_BYTES) throw unauthenticated(`tokens larger than ${MAX_TOKEN_BYTES} bytes are refused`);
    try {
      const { payload, protectedHeader } = await jwtVerify(token, key as never, {
        algorithms: config.JWT_ALGORITHMS,
        audience: expect.audience,
        ...(expect.issuer ? { issuer: expect.issuer } : {}),
        clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(this.#clock.now()),
        requiredClaims: ["exp"],
      });
      // After the signature and claims (authenticity first): the type says what kind of token it is.
      if (!tokenTypeAllowed(protectedHeader.typ, expect.types))
        throw unauthenticated("the token's type (typ) is not accepted by this service");
      return { payload, kid: protectedHeader.kid };
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw unauthenticated(reasonFor(error));
    }
  }
}

/** The isolate's authenticator, used by the router (tests build their own with a fake clock). */
export const isolateAuthenticator = new Authenticator();

/**
 * A dev identity (local use only). `x-user-role` is trusted as given; without it the tenant
 * object uses the member's own role (else technician): `devRole: "member"`.
 */
function devPrincipal(req: AuthInput): Principal {
  const subject = UserId.safeParse(req.header("x-user-id"));
  if (!subject.success) throw unauthenticated("dev auth: send x-user-id (1-256 characters of A-Z a-z 0-9 . _ : @ | + -)");
  const roleHeader = req.header("x-user-role");
  if (roleHeader === undefined) return { issuer: DEV_ISSUER, subject: subject.data, email: null, devRole: "member" };
  const role = Role.safeParse(roleHeader);
  if (!role.success) throw unauthenticated(`dev auth: x-user-role must be one of ${Role.options.join(", ")}`);
  return { issuer: DEV_ISSUER, subject: subject.data, email: null, devRole: role.data };
}

/** A stable, non-revealing reason per jose error code (switching on `code`, never on text). */
function reasonFor(error: unknown): string {
  if (!(error instanceof errors.JOSEError)) return "the token could not be verified";
  switch (error.code) {
    case "ERR_JWT_EXPIRED":
      return "the token has expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return "the token's claims are not valid for this service";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "the token's signing algorithm is not allowed";
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "the token was signed with an unknown key";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "the token's signature is not valid";
    default:
      return "the token could not be verified";
  }
}

function principalFrom(issuer: string, subject: string, payload: JWTPayload): Principal {
  const parsed = UserId.safeParse(subject);
  if (!parsed.success) throw unauthenticated("the token has no usable subject");
  const email = typeof payload.email === "string" && payload.email.length <= 320 ? payload.email : null;
  return { issuer, subject: parsed.data, email, devRole: null };
}

function unauthenticated(detail: string): AppError {
  return new AppError("unauthenticated", detail);
}

/**
 * Operators are listed in PLATFORM_ADMIN_SUBJECTS as `issuer|subject`, or as a bare subject that
 * then matches only the deployment's primary issuer (config.defaultIssuer): the same `sub` from
 * another trusted provider (an Access user, say) is a different person and not an operator.
 */
export function isPlatformOperator(principal: Principal, config: Config): boolean {
  if (principal.devRole !== null && !config.devAuth) return false;
  return config.PLATFORM_ADMIN_SUBJECTS.some((entry) =>
    entry.includes("|") ? entry === principalKey(principal) : entry === principal.subject && principal.issuer === config.defaultIssuer,
  );
}
