import { env } from "cloudflare:workers";
import { importJWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { parseKeyring } from "../../durable-objects/tenant/crypto/envelope";
import { createApp } from "../../src/app";
import { Authenticator } from "../../src/identity/authenticate";
import { RECHECK_BACKOFF_SECONDS } from "../../src/identity/session-renewal";
import {
  CLEARED_SESSION_COOKIE,
  openSession,
  SESSION_COOKIE,
  SESSION_RECHECK_SECONDS,
  sealSession,
  type SessionClaims,
} from "../../src/identity/session";
import { BASE, buildRequest, readResponse, type ApiResponse } from "../helpers/api";
import { callWithEnv, type EnvOverrides } from "../helpers/edge";
import { expectOk, expectProblem, expectUnauthenticated } from "../helpers/expect-api";
import { keys } from "../helpers/tokens";
import { addMember, createTenant, uniqueId } from "../helpers/world";
import { FakeClock } from "../identity/rotating-idp";

/**
 * An OIDC session that holds a refresh token is re-checked at the issuer once past its `chk`,
 * against the loopback identity provider of test/global-setup.ts (whose token endpoint answers
 * refresh grants as each test programs them, per refresh token, and counts them). Sessions are
 * sealed with the ring directly, signed in an hour ago, so that "the same exp" means something.
 */
const CLIENT_ID = "fieldpilot-web";
const CLIENT_SECRET = "s3cret-for-tests-only";
const OIDC_ON = { OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: CLIENT_SECRET } as EnvOverrides;
const ring = () => parseKeyring((env as unknown as { SESSION_KEYS: string }).SESSION_KEYS, "SESSION_KEYS");
const now = () => Math.floor(Date.now() / 1000);
const SIGNED_IN_AGO = 3600;

let tenantId: string;
beforeAll(async () => {
  tenantId = await createTenant("web-renewal");
});

/** A member of the test's tenant, signed in an hour ago with refresh token `rt` (re-check due unless `recheckAt` says otherwise). */
async function signedIn(options: { rt?: string; idToken?: string; recheckAt?: number } = {}) {
  const subject = uniqueId("oidc-rene");
  await addMember(tenantId, subject, "technician");
  const at = now() - SIGNED_IN_AGO;
  const value = await sealSession(
    ring(),
    {
      via: "oidc",
      issuer: keys.issuer,
      subject,
      email: "rene@example.com",
      ...(options.idToken ? { idToken: options.idToken } : {}),
      ...(options.rt ? { refreshToken: options.rt, recheckAt: options.recheckAt ?? now() - 1 } : {}),
    },
    at,
  );
  return { subject, value, claims: await openSession(ring(), value, now()) };
}

async function idToken(subject: string, extra: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ email: "rene.new@example.com", iss: keys.issuer, aud: CLIENT_ID, sub: subject, ...extra })
    .setProtectedHeader({ alg: "RS256", kid: keys.rsa.kid as string })
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(await importJWK(keys.rsa, "RS256"));
}

interface Program {
  status?: number;
  answer?: unknown;
  delayMs?: number;
  mode?: "reset" | "hang";
}
async function program(rt: string, how: Program): Promise<void> {
  await (await fetch(`${keys.issuer}/test/refresh/${encodeURIComponent(rt)}`, { method: "PUT", body: JSON.stringify(how) })).text();
}
async function grants(rt: string): Promise<{ grants: number; last: { authorization: string | null; form: string } | null }> {
  return (await fetch(`${keys.issuer}/test/refresh/${encodeURIComponent(rt)}`)).json();
}
/** A token response with a rotated refresh token (and an ID token when given). */
const rotated = (refreshToken: string, idToken?: string): Program => ({
  answer: {
    access_token: "at",
    token_type: "Bearer",
    expires_in: 300,
    refresh_token: refreshToken,
    ...(idToken ? { id_token: idToken } : {}),
  },
});

const me = (value: string, headers: Record<string, string> = {}) =>
  callWithEnv(OIDC_ON, "/v1/me", { headers: { cookie: `${SESSION_COOKIE}=${value}`, ...headers } });

const sessionCookies = (res: { headers: Headers }) => res.headers.getSetCookie().filter((c) => c.startsWith(`${SESSION_COOKIE}=`));

/** The one session cookie a response set, opened; with its Max-Age. */
async function renewed(res: ApiResponse<unknown>): Promise<{ value: string; claims: SessionClaims; maxAge: number }> {
  const cookies = sessionCookies(res);
  expect(cookies, res.text).toHaveLength(1);
  const match = new RegExp(`^${SESSION_COOKIE}=([^;]+); Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=(\\d+)$`).exec(cookies[0] ?? "");
  expect(match, cookies[0]).not.toBeNull();
  const value = match?.[1] ?? "";
  return { value, claims: await openSession(ring(), value, now()), maxAge: Number(match?.[2]) };
}

/** A router on its own authenticator (fake clock, a short grant timeout): an issuer found down there stays its own. */
function isolatedRouter(clock: FakeClock) {
  const app = createApp({ authenticator: new Authenticator({ clock, renewal: { timeoutMs: 300 } }) });
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  return async (value: string) =>
    readResponse(
      await app.fetch(buildRequest("/v1/me", { headers: { cookie: `${SESSION_COOKIE}=${value}` } }), { ...env, ...OIDC_ON }, ctx),
    );
}

describe("a session past its re-check", () => {
  it("makes one refresh grant with the old token and the client's secret, and is renewed: rotated tokens, the same exp, a later chk", async () => {
    const rt = uniqueId("rt-old");
    const { subject, value, claims } = await signedIn({ rt, idToken: "the.old.idt" });
    const newIdToken = await idToken(subject);
    await program(rt, rotated(`${rt}-next`, newIdToken));
    const res = await me(value);
    expect(expectOk(res)).toMatchObject({ user: { subject }, tenant: { id: tenantId } });

    const seen = await grants(rt);
    expect(seen.grants).toBe(1);
    expect(Object.fromEntries(new URLSearchParams(seen.last?.form))).toEqual({ grant_type: "refresh_token", refresh_token: rt });
    const [id, secret] = atob((seen.last?.authorization ?? "").replace(/^Basic /, "")).split(":");
    expect([decodeURIComponent(id ?? ""), decodeURIComponent(secret ?? "")]).toEqual([CLIENT_ID, CLIENT_SECRET]);

    const next = await renewed(res);
    expect(next.claims).toMatchObject({ via: "oidc", iss: keys.issuer, sub: subject, rt: `${rt}-next`, idt: newIdToken });
    expect(next.claims.email).toBe("rene.new@example.com");
    expect([next.claims.iat, next.claims.exp]).toEqual([claims.iat, claims.exp]);
    expect(next.claims.chk).toBeGreaterThanOrEqual(now() + SESSION_RECHECK_SECONDS - 5);
    expect(next.claims.chk).toBeLessThanOrEqual(now() + SESSION_RECHECK_SECONDS);
    // The cookie lives as long as the session has left, not 8 hours more.
    expect(Math.abs(next.maxAge - (claims.exp - now()))).toBeLessThanOrEqual(5);
    expect(next.value).not.toContain(`${rt}-next`);

    // The renewed session is not due: no grant, no cookie.
    const again = await me(next.value);
    expectOk(again);
    expect(sessionCookies(again)).toEqual([]);
    expect((await grants(`${rt}-next`)).grants).toBe(0);
  });

  it("keeps its refresh token and ID token when the issuer sends no new ones", async () => {
    const rt = uniqueId("rt-kept");
    const { value, claims } = await signedIn({ rt, idToken: "the.old.idt" });
    await program(rt, { answer: { access_token: "at", token_type: "Bearer" } });
    const next = await renewed(await me(value));
    expect(next.claims).toMatchObject({ rt, idt: "the.old.idt", email: "rene@example.com", iat: claims.iat, exp: claims.exp });
    expect(next.claims.chk).toBeGreaterThan(now() + SESSION_RECHECK_SECONDS - 5);
  });

  it("parallel requests with the same cookie share one grant and all get the renewed cookie, and so does one sent just after", async () => {
    const rt = uniqueId("rt-par");
    const { value } = await signedIn({ rt });
    await program(rt, { ...rotated(`${rt}-next`), delayMs: 300 });
    const responses = await Promise.all(Array.from({ length: 6 }, () => me(value)));
    for (const res of responses) expectOk(res);
    expect((await grants(rt)).grants).toBe(1);
    const cookies = responses.map((res) => sessionCookies(res));
    for (const c of cookies) expect(c).toEqual(cookies[0]);
    expect((await renewed(responses[0] as ApiResponse<unknown>)).claims.rt).toBe(`${rt}-next`);
    // Sent before the renewed cookie arrived: the same answer, no second grant with the rotated-away token.
    const late = await me(value);
    expect(sessionCookies(late)).toEqual(cookies[0]);
    expect((await grants(rt)).grants).toBe(1);
  });

  it("renews on a WebSocket upgrade too: the 101 carries the renewed cookie", async () => {
    const rt = uniqueId("rt-ws");
    const { value } = await signedIn({ rt });
    await program(rt, rotated(`${rt}-next`));
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const request = new Request(`${BASE}/v1/realtime`, {
      headers: {
        cookie: `${SESSION_COOKIE}=${value}`,
        origin: BASE,
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    const res = await createApp().fetch(request, { ...env, ...OIDC_ON }, ctx);
    expect(res.status).toBe(101);
    res.webSocket?.accept();
    res.webSocket?.close(1000, "done");
    expect(sessionCookies(res)).toHaveLength(1);
    expect((await renewed({ status: 101, headers: res.headers, body: null, text: "" })).claims.rt).toBe(`${rt}-next`);
    expect((await grants(rt)).grants).toBe(1);
  });
});

describe("a session the issuer ends", () => {
  it("is a 401 that clears the cookie when the issuer answers invalid_grant, and stays refused without a second grant", async () => {
    const rt = uniqueId("rt-revoked");
    const { value } = await signedIn({ rt });
    await program(rt, { status: 400, answer: { error: "invalid_grant", error_description: "grant revoked" } });
    const res = await me(value);
    expectUnauthenticated(res);
    expect(res.body.detail).toBe("your sign-in was ended at the identity provider: sign in again");
    expect(res.headers.getSetCookie()).toEqual([CLEARED_SESSION_COOKIE]);
    const again = await me(value);
    expectUnauthenticated(again);
    expect(again.headers.getSetCookie()).toEqual([CLEARED_SESSION_COOKIE]);
    expect((await grants(rt)).grants).toBe(1);
  });

  it("is a 401 that clears the cookie when the new ID token names another user", async () => {
    const rt = uniqueId("rt-other");
    const { value } = await signedIn({ rt });
    await program(rt, rotated(`${rt}-next`, await idToken(uniqueId("someone-else"))));
    const res = await me(value);
    expectUnauthenticated(res);
    expect(res.body.detail).toMatch(/another user: sign in again/);
    expect(res.headers.getSetCookie()).toEqual([CLEARED_SESSION_COOKIE]);
  });

  it("is a 401 when the new ID token does not verify (another audience, a key outside the JWKS)", async () => {
    for (const bad of [
      async (subject: string) => idToken(subject, { aud: "someone-else" }),
      async (subject: string) =>
        new SignJWT({ iss: keys.issuer, aud: CLIENT_ID, sub: subject })
          .setProtectedHeader({ alg: "RS256", kid: keys.foreign.kid as string })
          .setIssuedAt()
          .setExpirationTime("5m")
          .sign(await importJWK(keys.foreign, "RS256")),
    ]) {
      const rt = uniqueId("rt-unverified");
      const { subject, value } = await signedIn({ rt });
      await program(rt, rotated(`${rt}-next`, await bad(subject)));
      const res = await me(value);
      expectUnauthenticated(res);
      expect(res.body.detail).toMatch(/could not be verified: sign in again/);
      expect(res.headers.getSetCookie()).toEqual([CLEARED_SESSION_COOKIE]);
    }
  });
});

describe("an issuer that gives no usable answer", () => {
  for (const [name, how] of [
    ["answers 503", { status: 503, answer: { error: "temporarily_unavailable" } }],
    ["closes the connection", { mode: "reset" }],
    ["does not answer in time", { mode: "hang" }],
  ] as const) {
    it(`${name}: the request is served, the re-check retried after the back-off`, async () => {
      const clock = new FakeClock();
      const router = isolatedRouter(clock);
      const rt = uniqueId("rt-down");
      const { value, claims } = await signedIn({ rt });
      await program(rt, how);
      const started = Date.now();
      const res = await router(value);
      expectOk(res);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await grants(rt)).grants).toBe(1);
      const deferred = await renewed(res);
      expect(deferred.claims).toMatchObject({ rt, iat: claims.iat, exp: claims.exp });
      expect(Math.abs((deferred.claims.chk ?? 0) - (Math.floor(clock.now() / 1000) + RECHECK_BACKOFF_SECONDS))).toBeLessThanOrEqual(1);

      // Within the back-off: no grant, for this session nor for another one due at the same issuer.
      expect(sessionCookies(await router(deferred.value))).toEqual([]);
      const other = uniqueId("rt-down-other");
      await program(other, rotated(`${other}-next`));
      const otherRes = await router((await signedIn({ rt: other })).value);
      expectOk(otherRes);
      expect((await renewed(otherRes)).claims.rt).toBe(other);
      expect((await grants(other)).grants).toBe(0);
      expect((await grants(rt)).grants).toBe(1);

      // After it, the re-check is made again, and succeeds.
      await program(rt, rotated(`${rt}-next`));
      clock.advance((RECHECK_BACKOFF_SECONDS + 1) * 1000);
      const retried = await router(deferred.value);
      expectOk(retried);
      expect((await grants(rt)).grants).toBe(2);
      const next = await renewed(retried);
      expect(next.claims).toMatchObject({ rt: `${rt}-next`, iat: claims.iat, exp: claims.exp });
    });
  }
});

describe("no grant", () => {
  it("a session without a refresh token makes no grant and gets no cookie", async () => {
    const { value, claims } = await signedIn();
    expect(claims.rt).toBeUndefined();
    expect(claims.chk).toBeUndefined();
    const res = await me(value);
    expectOk(res);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("a session whose chk is in the future makes no grant and gets no cookie", async () => {
    const rt = uniqueId("rt-fresh");
    const { value } = await signedIn({ rt, recheckAt: now() + 120 });
    await program(rt, rotated(`${rt}-next`));
    const res = await me(value);
    expectOk(res);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await grants(rt)).grants).toBe(0);
  });

  it("a new session with a refresh token is due SESSION_RECHECK_SECONDS after sign-in", async () => {
    const at = now();
    const session = { via: "oidc" as const, issuer: keys.issuer, subject: "rene", email: null, refreshToken: "rt" };
    expect((await openSession(ring(), await sealSession(ring(), session, at), at)).chk).toBe(at + SESSION_RECHECK_SECONDS);
    expect(SESSION_RECHECK_SECONDS).toBe(600);
  });

  it("a change without this site's Origin is refused (403) before any grant", async () => {
    const rt = uniqueId("rt-csrf");
    const { value } = await signedIn({ rt });
    await program(rt, rotated(`${rt}-next`));
    const res = await callWithEnv(OIDC_ON, "/v1/realtime/ticket", { method: "POST", headers: { cookie: `${SESSION_COOKIE}=${value}` } });
    expectProblem(res, 403, "forbidden");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await grants(rt)).grants).toBe(0);
  });

  it("where OIDC sign-in is not configured, no session is re-checked", async () => {
    const rt = uniqueId("rt-off");
    const { value } = await signedIn({ rt });
    await program(rt, rotated(`${rt}-next`));
    const res = await callWithEnv({}, "/v1/me", { headers: { cookie: `${SESSION_COOKIE}=${value}` } });
    expectOk(res);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await grants(rt)).grants).toBe(0);
  });
});
