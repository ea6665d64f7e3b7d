import { z } from "@hono/zod-openapi";
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTHeaderParameters, type FlattenedJWSInput } from "jose";
import { AppError } from "../../schemas/errors";

/**
 * A remote JWKS kept in the isolate. Only the first verification in an isolate waits for a
 * fetch; after that keys are served from memory, refreshed in the background when older than
 * `maxAgeMs`, and refetched inline only for an unknown `kid`, at most once per `cooldownMs` (so
 * a flood of random kids cannot turn into a flood of fetches). If a refresh fails, the last good
 * keys stay in use (stale-if-error), which rides out a JWKS host outage; see docs/runbook.md.
 */
const JwksDocument = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).max(100) });
const MAX_JWKS_BYTES = 256 * 1024;

export interface KeySetOptions {
  maxAgeMs?: number;
  cooldownMs?: number;
  timeoutMs?: number;
}

type KeyFn = (header: JWTHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey | Uint8Array> | CryptoKey | Uint8Array;

export class RemoteKeySet {
  readonly #url: () => Promise<string>;
  readonly #maxAgeMs: number;
  readonly #cooldownMs: number;
  readonly #timeoutMs: number;
  #keys: ReturnType<typeof createLocalJWKSet> | null = null;
  #fetchedAt = 0;
  #lastAttempt = 0;
  #inflight: Promise<void> | null = null;

  constructor(url: () => Promise<string>, options: KeySetOptions = {}) {
    this.#url = url;
    this.#maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The jose key-resolver for this set; `background` keeps a refresh alive after the response. */
  resolver(background: (p: Promise<unknown>) => void): KeyFn {
    return async (header, token) => {
      if (this.#keys === null) await this.#refresh();
      else if (Date.now() - this.#fetchedAt > this.#maxAgeMs && Date.now() - this.#lastAttempt > this.#cooldownMs)
        background(this.#refresh().catch(() => {}));
      const keys = this.#keys;
      if (keys === null) throw new AppError("not_ready", "the identity provider's signing keys are unavailable");
      try {
        return await keys(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey && Date.now() - this.#lastAttempt > this.#cooldownMs) {
          await this.#refresh().catch(() => {});
          if (this.#keys) return this.#keys(header, token);
        }
        throw error;
      }
    };
  }

  #refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #load(): Promise<void> {
    this.#lastAttempt = Date.now();
    let url = "";
    try {
      url = await this.#url();
      const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(this.#timeoutMs) });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_JWKS_BYTES) throw new Error("JWKS document too large");
      const document = JwksDocument.parse(JSON.parse(text)) as JSONWebKeySet;
      this.#keys = createLocalJWKSet(document);
      this.#fetchedAt = Date.now();
    } catch (error) {
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "JWKS refresh failed",
          url,
          keptPreviousKeys: this.#keys !== null,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      if (this.#keys === null) throw new AppError("not_ready", "the identity provider's signing keys are unavailable");
    }
  }
}

const OidcDiscovery = z.object({ jwks_uri: z.url({ protocol: /^https?$/ }) });

/** `jwks_uri` from the issuer's OpenID discovery document (read again on each key refresh, so a moved JWKS is followed). */
export async function discoverJwksUri(issuer: string, timeoutMs = 5_000): Promise<string> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`OIDC discovery failed with status ${response.status}`);
  return OidcDiscovery.parse(await response.json()).jwks_uri;
}

const keySets = new Map<string, RemoteKeySet>();

/** One key set per source per isolate. */
export function keySetFor(id: string, url: () => Promise<string>): RemoteKeySet {
  let set = keySets.get(id);
  if (!set) {
    set = new RemoteKeySet(url);
    keySets.set(id, set);
  }
  return set;
}
