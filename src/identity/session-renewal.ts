import { AppError } from "../../schemas/errors";
import type { Config } from "../config";
import type { Clock } from "./clock";
import { refreshSignIn } from "./oidc-client";
import {
  CLEARED_SESSION_COOKIE,
  SESSION_RECHECK_SECONDS,
  sealSessionThatFits,
  sessionCookie,
  type NewSession,
  type SessionClaims,
} from "./session";

/**
 * The re-check of an OIDC session that holds a refresh token ("refresh tokens are used where the
 * IdP issues them"). Past its `chk`, the request that carries it makes a refresh-token grant at the
 * issuer (oidc-client.ts `refreshSignIn`), and its response carries the outcome as `Set-Cookie`:
 *   - renewed: the session re-sealed with the rotated refresh token and ID token (when the issuer
 *     sent new ones), a new `chk`, and the SAME `iat`/`exp`: a refresh never extends the 8 h bound;
 *   - refused (invalid_grant: the user disabled, the grant revoked; another `sub`; an answer that
 *     does not verify): 401, and the cookie cleared;
 *   - unavailable (unreachable, too slow, 5xx, 429): the request is served, the session re-sealed
 *     with `chk` = now + RECHECK_BACKOFF_SECONDS, and it is logged. For that long this isolate
 *     makes no grant at that issuer: a down IdP costs one slow request per isolate per back-off,
 *     not one per user.
 * Single-flight per isolate: requests carrying the same cookie value share one grant, and a settled
 * outcome answers that value for SETTLED_REUSE_MS more, for requests the browser sent before the
 * renewed cookie came back. With a rotating refresh token, a second grant with the old token would
 * be refused, and some issuers then revoke the whole grant. Across isolates nothing is shared
 * (docs/decisions.md says why that is accepted).
 */
export const RECHECK_BACKOFF_SECONDS = 60;
const SETTLED_REUSE_MS = 30_000;
/** Outcomes kept at most (each holds two cookie values, ~3 KB): the oldest go first. */
const MAX_TRACKED = 1_000;

export interface SessionRenewalOptions {
  /** How long the grant may take (default: oidc-client.ts, 5 s); tests shorten it. */
  timeoutMs?: number;
}

interface Recheck {
  /** The `Set-Cookie` the response carries: the renewed session, or the cleared one. */
  cookie: string;
  /** The 401's detail when the session ended. */
  ended: string | null;
}

interface Tracked {
  result: Promise<Recheck>;
  settledAtMs: number | null;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Whether a session is due for its re-check: OIDC with a refresh token, past `chk` (older sessions without one: sign-in + the interval). */
export function recheckDue(claims: SessionClaims, nowSeconds: number): boolean {
  return claims.via === "oidc" && claims.rt !== undefined && nowSeconds >= (claims.chk ?? claims.iat + SESSION_RECHECK_SECONDS);
}

/** One isolate's re-checks: the single-flight table and the issuers found down. */
export class SessionRenewals {
  readonly #clock: Clock;
  readonly #timeoutMs: number | undefined;
  readonly #tracked = new Map<string, Tracked>();
  readonly #issuerDownUntilMs = new Map<string, number>();

  constructor(clock: Clock, options: SessionRenewalOptions = {}) {
    this.#clock = clock;
    this.#timeoutMs = options.timeoutMs;
  }

  /**
   * Re-checks the session in cookie `value` if it is due and the response can carry a cookie
   * (`setCookie`; without it the rotated refresh token would be lost, so nothing is done), and
   * hands the outcome to `setCookie`. A session the issuer ended is a 401.
   */
  async renewIfDue(value: string, claims: SessionClaims, config: Config, setCookie: ((cookie: string) => void) | undefined): Promise<void> {
    if (!setCookie || !config.oidcSignIn || !recheckDue(claims, seconds(this.#clock.now()))) return;
    const { cookie, ended } = await this.#shared(value, () => this.#recheck(claims, config));
    setCookie(cookie);
    if (ended !== null) throw new AppError("unauthenticated", ended);
  }

  /** The one re-check for this cookie value: in flight, or settled within SETTLED_REUSE_MS; else a new one. */
  #shared(value: string, recheck: () => Promise<Recheck>): Promise<Recheck> {
    const nowMs = this.#clock.now();
    for (const [key, entry] of this.#tracked) {
      if (entry.settledAtMs !== null && nowMs - entry.settledAtMs > SETTLED_REUSE_MS) this.#tracked.delete(key);
    }
    const known = this.#tracked.get(value);
    if (known) return known.result;
    const entry: Tracked = { result: recheck(), settledAtMs: null };
    void entry.result.then(
      () => (entry.settledAtMs = this.#clock.now()),
      () => this.#tracked.delete(value),
    );
    if (this.#tracked.size >= MAX_TRACKED) {
      const oldest = this.#tracked.keys().next().value;
      if (oldest !== undefined) this.#tracked.delete(oldest);
    }
    this.#tracked.set(value, entry);
    return entry.result;
  }

  async #recheck(claims: SessionClaims, config: Config): Promise<Recheck> {
    const nowMs = this.#clock.now();
    const issuer = claims.iss;
    const downUntil = this.#issuerDownUntilMs.get(issuer);
    const backingOff = downUntil !== undefined && nowMs < downUntil;
    const refresh = backingOff
      ? ({ outcome: "unavailable", reason: "found unreachable within the back-off" } as const)
      : await refreshSignIn(config, claims.rt as string, claims.sub, this.#timeoutMs);
    switch (refresh.outcome) {
      case "refused":
        console.warn(JSON.stringify({ level: "warn", msg: "session ended at the identity provider", issuer, reason: refresh.reason }));
        return { cookie: CLEARED_SESSION_COOKIE, ended: refresh.detail };
      case "unavailable":
        if (!backingOff) {
          this.#issuerDownUntilMs.set(issuer, nowMs + RECHECK_BACKOFF_SECONDS * 1000);
          console.warn(
            JSON.stringify({
              level: "warn",
              msg: "session re-check deferred: the identity provider gave no usable answer",
              issuer,
              reason: refresh.reason,
              retryInSeconds: RECHECK_BACKOFF_SECONDS,
            }),
          );
        }
        return { cookie: await this.#reseal(claims, config, seconds(nowMs) + RECHECK_BACKOFF_SECONDS), ended: null };
      case "renewed":
        this.#issuerDownUntilMs.delete(issuer);
        return {
          cookie: await this.#reseal(renewedClaims(claims, refresh), config, seconds(nowMs) + SESSION_RECHECK_SECONDS),
          ended: null,
        };
    }
  }

  /** The session again, with its own `iat` and `exp`, the next re-check at `recheckAt`, and the tokens that fit. */
  async #reseal(claims: SessionClaims, config: Config, recheckAt: number): Promise<string> {
    const nowSeconds = seconds(this.#clock.now());
    const session: NewSession = {
      via: claims.via,
      issuer: claims.iss,
      subject: claims.sub,
      email: claims.email,
      ...(claims.idt !== undefined ? { idToken: claims.idt } : {}),
      ...(claims.rt !== undefined ? { refreshToken: claims.rt } : {}),
      recheckAt,
    };
    const { value } = await sealSessionThatFits(config.sessionKeys, session, nowSeconds, { iat: claims.iat, exp: claims.exp });
    return sessionCookie(value, Math.max(0, claims.exp - nowSeconds));
  }
}

/** The session after a renewal: the tokens the issuer sent again (else the old ones), and the e-mail of a new ID token. */
function renewedClaims(
  claims: SessionClaims,
  refresh: { refreshToken: string | undefined; idToken: string | undefined; email: string | null | undefined },
): SessionClaims {
  return {
    ...claims,
    rt: refresh.refreshToken ?? claims.rt,
    idt: refresh.idToken ?? claims.idt,
    email: refresh.email === undefined ? claims.email : refresh.email,
  };
}
