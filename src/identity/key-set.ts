import { z } from "@hono/zod-openapi";
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTHeaderParameters, type FlattenedJWSInput } from "jose";
import { AppError } from "../../schemas/errors";
import { systemClock, type Clock } from "./clock";

/**
 * A remote JWKS kept in the isolate, with two promises (docs/runbook.md, "A signing key is
 * rotated or revoked"):
 *
 * - **Revocation bound.** Keys are used only while the fetch that produced them started less
 *   than `revocationBoundMs` (5 min) ago. They are refreshed in the background from
 *   `refreshAfterMs` (4 min), and inline when a request finds them older than the bound. The age
 *   counts from the start of the fetch, so a key the provider removed at time R is refused by
 *   every request from R + 5 min on. A cached verification is tied to the exact key that verified
 *   it and the same age rule (`vouchesFor`), so the cache never outlives the bound either.
 * - **New keys within seconds.** A token whose `kid` is not in the set waits for a fetch that
 *   started after the token arrived, then is verified or refused. Fetches start at most once per
 *   `cooldownMs` (5 s), whatever asks for them, and one fetch serves every waiter, so a flood of
 *   random kids costs one fetch per cooldown and waits of at most a cooldown plus two fetch
 *   timeouts; at most `maxWaiters` requests wait, the rest are refused at once. A kid that the
 *   last refresh removed is refused at once (no wait, no fetch).
 *
 * Stale-if-error: when a fetch fails (the JWKS host is down), the last good keys stay in use past
 * the bound, with retries at most once per cooldown in the background, until a fetch succeeds;
 * availability wins while the host cannot tell us what changed. The outage state lasts
 * `outageGraceMs` (60 s) after the last failed attempt, so one old failure does not excuse stale
 * keys later: then the next request refetches inline again. An isolate that has no keys at all
 * answers 503 `not_ready` (at once within a cooldown of its last failed fetch).
 *
 * jose's `createRemoteJWKSet` was not used: once stale it refetches on the request path, a failed
 * refetch fails the verification, and it has no tie between cached verifications and key age.
 */
const JwksDocument = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).max(100) });
const MAX_JWKS_BYTES = 256 * 1024;

export const KEY_SET_TIMING = {
  revocationBoundMs: 5 * 60_000,
  refreshAfterMs: 4 * 60_000,
  cooldownMs: 5_000,
  timeoutMs: 5_000,
  outageGraceMs: 60_000,
  maxWaiters: 1_000,
} as const;

export type KeySetOptions = Partial<{ -readonly [K in keyof typeof KEY_SET_TIMING]: number }> & { clock?: Clock };

type KeyFn = (header: JWTHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey | Uint8Array>;
type Background = (p: Promise<unknown>) => void;

/** One successfully fetched document. */
interface Generation {
  keys: ReturnType<typeof createLocalJWKSet>;
  /** kid → the JWKs published under it, serialised: what a cached verification is tied to. */
  byKid: Map<string, string>;
  /** Every JWK, serialised: the tie for a token without `kid`. */
  all: string;
  /** Kids the fetch before this one had and this one has not. */
  retired: Set<string>;
  /** When the fetch that produced it started. */
  asOf: number;
}

export class RemoteKeySet {
  readonly #url: () => Promise<string>;
  readonly #clock: Clock;
  readonly #t: { -readonly [K in keyof typeof KEY_SET_TIMING]: number };
  #generation: Generation | null = null;
  /** Fetches started and finished so far (sequence numbers; one fetch runs at a time). */
  #started = 0;
  #finished = 0;
  #lastStart = -Infinity;
  #outageUntil = -Infinity;
  #running: { seq: number; done: Promise<void> } | null = null;
  #queued: Promise<void> | null = null;
  #waiters = 0;

  constructor(url: () => Promise<string>, options: KeySetOptions = {}) {
    const { clock, ...timing } = options;
    this.#url = url;
    this.#clock = clock ?? systemClock;
    this.#t = { ...KEY_SET_TIMING, ...timing };
  }

  /**
   * The jose key resolver for one verification. `background` keeps a refresh alive after the
   * response; `onKey` receives the tie of the key that was handed to jose (see `vouchesFor`).
   */
  resolver(background: Background, onKey: (tie: string) => void): KeyFn {
    return async (header, token) => {
      const arrival = this.#started;
      let generation = await this.#usableGeneration(background);
      for (;;) {
        try {
          const key = await generation.keys(header, token);
          onKey(tieFor(generation, header.kid) ?? "");
          return key;
        } catch (error) {
          // An unknown kid may be a key published since our fetch: wait for a fetch that started
          // after this request arrived (the running one first, it may already have it).
          // A kid the last refresh removed is refused at once: waiting would only fetch again.
          if (!(error instanceof errors.JWKSNoMatchingKey) || this.#finished > arrival || generation.retired.has(header.kid ?? ""))
            throw error;
          if (this.#waiters >= this.#t.maxWaiters) throw error;
          this.#waiters += 1;
          try {
            await (this.#running?.done ?? this.#fetchAfter(arrival));
          } finally {
            this.#waiters -= 1;
          }
          generation = this.#generation ?? generation;
        }
      }
    };
  }

  /**
   * Whether a verification tied to `tie` (the key published under `kid`) still holds: the key is
   * still published, identically, in keys that are within the revocation bound (or kept through
   * an outage). A Map lookup and two comparisons, so a cache hit stays cheap. Starts a background
   * refresh when the keys are due for one; `false` sends the caller to a full verification, which
   * refreshes inline.
   */
  vouchesFor(kid: string | undefined, tie: string, background: Background): boolean {
    const generation = this.#generation;
    if (generation === null || tieFor(generation, kid) !== tie) return false;
    const now = this.#clock.now();
    if (!this.#usable(generation, now)) return false;
    if (now - generation.asOf >= this.#t.refreshAfterMs) this.#refreshInBackground(background);
    return true;
  }

  #usable(generation: Generation, now: number): boolean {
    return now - generation.asOf < this.#t.revocationBoundMs || now < this.#outageUntil;
  }

  async #usableGeneration(background: Background): Promise<Generation> {
    const current = this.#generation;
    const now = this.#clock.now();
    if (current !== null && this.#usable(current, now)) {
      if (now - current.asOf >= this.#t.refreshAfterMs) this.#refreshInBackground(background);
      return current;
    }
    // No keys yet, or keys past the bound: one fetch, shared with every request waiting for it.
    // If it fails, the outage rule keeps the last good keys usable. Without any keys and within
    // the cooldown of a failed fetch, answer 503 at once rather than wait for the next one.
    if (current !== null || this.#running || now - this.#lastStart >= this.#t.cooldownMs)
      await (this.#running?.done ?? this.#fetchAfter(this.#started));
    const fetched = this.#generation;
    if (fetched === null) throw new AppError("not_ready", "the identity provider's signing keys are unavailable");
    return fetched;
  }

  #refreshInBackground(background: Background): void {
    if (this.#running || this.#queued || this.#clock.now() - this.#lastStart < this.#t.cooldownMs) return;
    background(this.#start());
  }

  /** Resolves once a fetch numbered above `seq` has finished; starts one as soon as the cooldown allows. */
  #fetchAfter(seq: number): Promise<void> {
    if (this.#finished > seq) return Promise.resolve();
    if (this.#running && this.#running.seq > seq) return this.#running.done;
    if (!this.#running && !this.#queued && this.#clock.now() - this.#lastStart >= this.#t.cooldownMs) return this.#start();
    this.#queued ??= this.#startWhenAllowed();
    return this.#queued;
  }

  /** Called only while a fetch runs or the cooldown holds, so it awaits before it clears `#queued`. */
  async #startWhenAllowed(): Promise<void> {
    while (this.#running) await this.#running.done;
    const wait = this.#lastStart + this.#t.cooldownMs - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait);
    this.#queued = null;
    await this.#start();
  }

  #start(): Promise<void> {
    const seq = ++this.#started;
    const startedAt = this.#clock.now();
    this.#lastStart = startedAt;
    const done = this.#load(startedAt).finally(() => {
      this.#finished = seq;
      this.#running = null;
    });
    this.#running = { seq, done };
    return done;
  }

  /** Never rejects: a failure keeps the last good keys (stale-if-error) and opens the outage grace. */
  async #load(startedAt: number): Promise<void> {
    let url = "";
    try {
      url = await this.#url();
      // no-store: a cache between us and the provider would stretch the revocation bound.
      const response = await fetch(url, {
        headers: { accept: "application/json" },
        cache: "no-store",
        signal: AbortSignal.timeout(this.#t.timeoutMs),
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_JWKS_BYTES) throw new Error("JWKS document too large");
      const document = JwksDocument.parse(JSON.parse(text)) as JSONWebKeySet;
      this.#generation = generationOf(document, startedAt, this.#generation);
      this.#outageUntil = -Infinity;
    } catch (error) {
      this.#outageUntil = startedAt + this.#t.outageGraceMs;
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "JWKS refresh failed",
          url,
          keptPreviousKeys: this.#generation !== null,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  }
}

function tieFor(generation: Generation, kid: string | undefined): string | undefined {
  return kid === undefined ? generation.all : generation.byKid.get(kid);
}

/** Ties that did not change keep the previous string, so the cache's comparison is one pointer check. */
function generationOf(document: JSONWebKeySet, asOf: number, previous: Generation | null): Generation {
  const groups = new Map<string, unknown[]>();
  for (const jwk of document.keys) {
    if (typeof jwk.kid !== "string") continue;
    const group = groups.get(jwk.kid) ?? [];
    group.push(jwk);
    groups.set(jwk.kid, group);
  }
  const byKid = new Map<string, string>();
  for (const [kid, jwks] of groups) {
    const tie = JSON.stringify(jwks);
    const before = previous?.byKid.get(kid);
    byKid.set(kid, before === tie ? before : tie);
  }
  const retired = new Set([...(previous?.byKid.keys() ?? [])].filter((kid) => !byKid.has(kid)));
  const all = JSON.stringify(document.keys);
  return { keys: createLocalJWKSet(document), byKid, all: previous?.all === all ? previous.all : all, retired, asOf };
}

const OidcDiscovery = z.object({ jwks_uri: z.url({ protocol: /^https?$/ }) });

/** `jwks_uri` from the issuer's OpenID discovery document (read again on each key refresh, so a moved JWKS is followed). */
export async function discoverJwksUri(issuer: string, timeoutMs = KEY_SET_TIMING.timeoutMs): Promise<string> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const response = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store", signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`OIDC discovery failed with status ${response.status}`);
  return OidcDiscovery.parse(await response.json()).jwks_uri;
}
