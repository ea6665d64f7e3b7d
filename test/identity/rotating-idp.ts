import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { TEST_AUDIENCE } from "../constants";
import { buildRequest, readResponse, type ApiResponse } from "../helpers/api";
import { keys } from "../helpers/tokens";
import { createApp } from "../../src/app";
import { Authenticator } from "../../src/identity/authenticate";
import type { Clock } from "../../src/identity/clock";
import type { KeySetOptions } from "../../src/identity/key-set";

/**
 * What the key-rotation tests drive: an identity provider whose JWKS the test rotates, served over
 * real HTTP by the loopback server of test/global-setup.ts (`/rotating/<name>/`), a fake clock the
 * test moves by minutes, and a router built with an authenticator on that clock.
 */

export type HostMode = "ok" | "error" | "reset" | "hang";

export interface SigningKey {
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
}

/** A fresh ES256 key (fast to generate and sign with) published under `kid`. */
export async function signingKey(kid: string): Promise<SigningKey> {
  const pair = await generateKeyPair("ES256");
  return { kid, publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg: "ES256", use: "sig" }, privateKey: pair.privateKey };
}

export class RotatingIdp {
  readonly issuer: string;
  readonly jwksUrl: string;

  constructor(name: string) {
    this.issuer = `${keys.issuer}/rotating/${name}`;
    this.jwksUrl = `${this.issuer}/jwks`;
  }

  /** Replaces the published JWKS with exactly these keys. */
  async publish(...published: SigningKey[]): Promise<void> {
    await this.#put("jwks", JSON.stringify({ keys: published.map((k) => k.publicJwk) }));
  }

  async setMode(mode: HostMode): Promise<void> {
    await this.#put("mode", mode);
  }

  /** JWKS documents and discovery documents the host has been asked for. */
  async stats(): Promise<{ fetches: number; discoveries: number }> {
    return (await fetch(`${this.issuer}/stats`)).json();
  }

  async #put(path: string, body: string): Promise<void> {
    const res = await fetch(`${this.issuer}/${path}`, { method: "PUT", body });
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`rotating IdP: PUT ${path} answered ${res.status}`);
  }

  /** A real JWT of this provider, signed by `key`; `typ: null` leaves the header without one. */
  async token(key: SigningKey, subject: string, options: { kid?: string; typ?: string | null } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const typ = options.typ === undefined ? "JWT" : options.typ;
    return new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: options.kid ?? key.kid, ...(typ === null ? {} : { typ }) })
      .setIssuer(this.issuer)
      .setAudience(TEST_AUDIENCE)
      .setSubject(subject)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key.privateKey);
  }
}

/** A clock that moves only when told to; `sleep` resolves when the clock passes its deadline. */
export class FakeClock implements Clock {
  #now: number;
  #sleepers: { at: number; resolve: () => void }[] = [];

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.#sleepers.push({ at: this.#now + ms, resolve }));
  }

  /** The earliest deadline anyone sleeps until, if anyone does. */
  nextWake(): number | undefined {
    return this.#sleepers.length === 0 ? undefined : Math.min(...this.#sleepers.map((s) => s.at));
  }

  advanceTo(at: number): void {
    if (at < this.#now) throw new Error("the fake clock does not go back");
    this.#now = at;
    const due = this.#sleepers.filter((s) => s.at <= at);
    this.#sleepers = this.#sleepers.filter((s) => s.at > at);
    for (const s of due) s.resolve();
  }

  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }
}

/**
 * Awaits `work`, moving the fake clock to the next deadline whenever something sleeps on it (a
 * request waiting for the next allowed fetch) and never otherwise; returns how far it moved.
 */
export async function drive<T>(clock: FakeClock, work: Promise<T>, limitMs = 60_000): Promise<{ value: T; waitedMs: number }> {
  const start = clock.now();
  let settled = false;
  const watched = work.finally(() => (settled = true));
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const wake = clock.nextWake();
    if (settled || wake === undefined) continue;
    if (wake - start > limitMs) throw new Error(`still waiting after ${limitMs} ms of the fake clock`);
    clock.advanceTo(wake);
  }
  return { value: await watched, waitedMs: clock.now() - start };
}

/** A router on its own authenticator (fake clock, fresh caches) configured for `idp`. */
export function routerFor(idp: RotatingIdp, clock: Clock, options: { keySet?: Omit<KeySetOptions, "clock">; vars?: Partial<Env> } = {}) {
  const app = createApp({ authenticator: new Authenticator({ clock, keySet: { timeoutMs: 400, ...options.keySet } }) });
  const vars = { ...env, OIDC_ISSUER: idp.issuer, OIDC_JWKS_URL: idp.jwksUrl, OIDC_AUDIENCE: TEST_AUDIENCE, ...options.vars };
  const background: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void background.push(p), passThroughOnException() {}, props: {} };
  return {
    /** GET /v1/me with `token`. */
    async me(token: string): Promise<ApiResponse<any>> {
      return readResponse(await app.fetch(buildRequest("/v1/me", { token }), vars, ctx as unknown as ExecutionContext));
    },
    /** Waits for the background work (key refreshes) the requests so far handed to waitUntil. */
    async settle(): Promise<void> {
      await Promise.all(background.splice(0));
    },
  };
}
