import { env } from "cloudflare:workers";
import { importJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { parseKeyring } from "../../durable-objects/tenant/crypto/envelope";
import {
  FLOW_COOKIE,
  FLOW_MAX_AGE_SECONDS,
  MAX_SESSION_COOKIE_BYTES,
  openFlow,
  openSession,
  SESSION_COOKIE,
  SESSION_MAX_AGE_SECONDS,
  SESSION_RECHECK_SECONDS,
  sealFlow,
  sealSession,
  sealSessionThatFits,
} from "../../src/identity/session";
import { BASE } from "../helpers/api";
import { callWithEnv, type EnvOverrides } from "../helpers/edge";
import { expectOk, expectProblem, expectUnauthenticated } from "../helpers/expect-api";
import { keys } from "../helpers/tokens";
import { addMember, createTenant, uniqueId } from "../helpers/world";

/**
 * OIDC sign-in with the Worker as backend-for-frontend, against the loopback identity provider of
 * test/global-setup.ts (discovery, JWKS, a token endpoint that answers what the test mints with
 * jose): the login redirect's parameters, the flow's cookie, every refusal of the callback (none
 * writes a session), a full sign-in, and logout with and without the issuer's end-session.
 */
const CLIENT_ID = "fieldpilot-web";
const CLIENT_SECRET = "s3cret-for-tests-only";
const OIDC_ON = { OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: CLIENT_SECRET } as EnvOverrides;
const ring = () => parseKeyring((env as unknown as { SESSION_KEYS: string }).SESSION_KEYS, "SESSION_KEYS");
const now = () => Math.floor(Date.now() / 1000);

const setCookies = (headers: Headers): string[] => headers.getSetCookie();
const cookieValue = (headers: Headers, name: string): string | undefined =>
  setCookies(headers)
    .map((c) => new RegExp(`^${name}=([^;]*)`).exec(c)?.[1])
    .find((v) => v !== undefined);

async function login(query = "", overrides: EnvOverrides = OIDC_ON) {
  const res = await callWithEnv(overrides, `/auth/login${query}`);
  expect(res.status, res.text).toBe(302);
  const location = new URL(res.headers.get("location") ?? "");
  const flowValue = cookieValue(res.headers, FLOW_COOKIE) ?? "";
  const flow = await openFlow(ring(), flowValue, now());
  return { res, location, flowValue, flow };
}

async function idToken(claims: Record<string, unknown>, key = keys.rsa): Promise<string> {
  return new SignJWT({ email: "tess@example.com", iss: keys.issuer, aud: CLIENT_ID, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: key.kid as string })
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(await importJWK(key, "RS256"));
}

async function nextTokenResponse(body: object): Promise<void> {
  await fetch(`${keys.issuer}/test/token`, { method: "PUT", body: JSON.stringify(body) });
}

function callback(query: string, flowValue?: string, overrides: EnvOverrides = OIDC_ON) {
  return callWithEnv(overrides, `/auth/callback${query}`, flowValue ? { headers: { cookie: `${FLOW_COOKIE}=${flowValue}` } } : {});
}

/** A refusal: back to the sign-in page with a message, the flow cookie cleared, no session cookie. */
function expectRefused(res: Awaited<ReturnType<typeof callback>>, message: RegExp): void {
  expect(res.status, res.text).toBe(302);
  const location = new URL(res.headers.get("location") ?? "", BASE);
  expect(location.pathname).toBe("/");
  expect(location.searchParams.get("signin_error") ?? "", res.headers.get("location") ?? "").toMatch(message);
  expect(setCookies(res.headers)).toEqual([`${FLOW_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`]);
  expect(res.headers.get("set-cookie") ?? "").not.toContain(SESSION_COOKIE);
}

describe("GET /auth/options and /auth/login", () => {
  it("offers OIDC only when the issuer, client id, client secret and session keys are all set", async () => {
    expect(expectOk(await callWithEnv(OIDC_ON, "/auth/options"))).toMatchObject({ oidc: true });
    for (const off of [{}, { OIDC_CLIENT_ID: CLIENT_ID }, { OIDC_CLIENT_SECRET: CLIENT_SECRET }, { ...OIDC_ON, SESSION_KEYS: "" }]) {
      expect(expectOk(await callWithEnv(off as EnvOverrides, "/auth/options"))).toMatchObject({ oidc: false });
      expectProblem(await callWithEnv(off as EnvOverrides, "/auth/login"), 404, "not_found");
    }
  });

  it("redirects to the authorization endpoint with code, S256 PKCE, state, nonce and the callback on this origin", async () => {
    const { res, location, flow } = await login("?returnTo=%2Fjobs%3Fstatus%3Dopen");
    expect(`${location.origin}${location.pathname}`).toBe(`${keys.issuer}/authorize`);
    const p = location.searchParams;
    expect(p.get("response_type")).toBe("code");
    expect(p.get("client_id")).toBe(CLIENT_ID);
    expect(p.get("scope")).toBe("openid email profile");
    expect(p.get("code_challenge_method")).toBe("S256");
    expect(p.get("redirect_uri")).toBe(`${BASE}/auth/callback`);
    expect(flow).toBeDefined();
    expect(p.get("state")).toBe(flow?.state);
    expect(p.get("nonce")).toBe(flow?.nonce);
    expect(flow?.state.length).toBeGreaterThanOrEqual(32);
    // S256: the challenge is base64url(SHA-256(verifier)), and the verifier stays in the sealed cookie.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(flow?.verifier)));
    const challenge = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(p.get("code_challenge")).toBe(challenge);
    expect(res.headers.get("location")).not.toContain(flow?.verifier ?? "-");
    expect(flow?.returnTo).toBe("/jobs?status=open");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("sets the flow in a sealed, HttpOnly, Secure, SameSite=Lax __Host- cookie of ten minutes", async () => {
    const { res, flowValue, flow } = await login();
    expect(setCookies(res.headers)).toEqual([
      `${FLOW_COOKIE}=${flowValue}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${FLOW_MAX_AGE_SECONDS}`,
    ]);
    expect(FLOW_COOKIE.startsWith("__Host-")).toBe(true);
    expect(FLOW_MAX_AGE_SECONDS).toBe(600);
    expect(flowValue.split(".")).toHaveLength(5);
    expect(flowValue).not.toContain(flow?.state ?? "-");
    expect(flow?.returnTo).toBe("/");
  });

  it("uses OIDC_REDIRECT_URI when it is set", async () => {
    const redirect = "https://app.example.com/auth/callback";
    const { location, flow } = await login("", { ...OIDC_ON, OIDC_REDIRECT_URI: redirect } as EnvOverrides);
    expect(location.searchParams.get("redirect_uri")).toBe(redirect);
    expect(flow?.redirectUri).toBe(redirect);
  });

  it("takes returnTo only as a path on this site (422 otherwise, and no cookie)", async () => {
    for (const bad of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "jobs", "/a b"]) {
      const res = await callWithEnv(OIDC_ON, `/auth/login?returnTo=${encodeURIComponent(bad)}`);
      expectProblem(res, 422, "validation_failed");
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });
});

describe("GET /auth/callback", () => {
  it("signs in: the code is exchanged with the verifier and the client's secret, the ID token verified, the session sealed", async () => {
    const subject = uniqueId("oidc-tess");
    const tenantId = await createTenant("web-oidc");
    await addMember(tenantId, subject, "technician");
    const { flowValue, flow } = await login("?returnTo=%2Fjobs");
    await nextTokenResponse({
      access_token: "at-1",
      token_type: "Bearer",
      expires_in: 300,
      refresh_token: "rt-1",
      id_token: await idToken({ sub: subject, nonce: flow?.nonce }),
    });
    const res = await callback(`?code=the-code&state=${flow?.state}`, flowValue);
    expect(res.status, res.text).toBe(302);
    expect(res.headers.get("location")).toBe("/jobs");
    const tokenRequest = (await (await fetch(`${keys.issuer}/test/token`)).json()) as { authorization: string; form: string };
    // client_secret_basic: id and secret, each form-urlencoded (RFC 6749 §2.3.1), in Basic.
    const [id, secret] = atob(tokenRequest.authorization.replace(/^Basic /, "")).split(":");
    expect([decodeURIComponent(id ?? ""), decodeURIComponent(secret ?? "")]).toEqual([CLIENT_ID, CLIENT_SECRET]);
    const form = new URLSearchParams(tokenRequest.form);
    expect(Object.fromEntries(form)).toMatchObject({
      grant_type: "authorization_code",
      code: "the-code",
      code_verifier: flow?.verifier,
      redirect_uri: `${BASE}/auth/callback`,
    });
    const cookies = setCookies(res.headers);
    expect(cookies[0]).toBe(`${FLOW_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`);
    expect(cookies[1]).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${SESSION_MAX_AGE_SECONDS}$`),
    );
    const session = cookieValue(res.headers, SESSION_COOKIE) ?? "";
    const opened = await openSession(ring(), session, now());
    expect(opened).toMatchObject({
      via: "oidc",
      iss: keys.issuer,
      sub: subject,
      email: "tess@example.com",
      rt: "rt-1",
    });
    // With a refresh token: re-checked at the issuer ten minutes after sign-in (test/web/session-renewal.test.ts).
    expect(opened.chk).toBe(opened.iat + SESSION_RECHECK_SECONDS);
    expect(session).not.toContain("rt-1");
    const me = expectOk(await callWithEnv(OIDC_ON, "/v1/me", { headers: { cookie: `${SESSION_COOKIE}=${session}` } }));
    expect(me).toMatchObject({ user: { subject, issuer: keys.issuer }, tenant: { id: tenantId }, role: "technician" });
  });

  it("refuses without the flow cookie, with another state, an expired or tampered flow, or the provider's error; writes no session", async () => {
    const { flowValue, flow } = await login();
    const state = flow?.state ?? "";
    expectRefused(await callback(`?code=c&state=${state}`), /took too long|started elsewhere/);
    expectRefused(await callback(`?code=c`, flowValue), /does not match/);
    expectRefused(await callback(`?code=c&state=another-${state}`, flowValue), /does not match/);
    const expired = await sealFlow(ring(), flow as NonNullable<typeof flow>, now() - FLOW_MAX_AGE_SECONDS - 5);
    expectRefused(await callback(`?code=c&state=${state}`, expired), /took too long/);
    expectRefused(await callback(`?code=c&state=${state}`, `${flowValue.slice(0, -4)}AAAA`), /took too long/);
    expectRefused(await callback(`?error=access_denied&state=${state}`, flowValue), /refused the sign-in \(access_denied\)/);
  });

  it("refuses a token the provider will not give, and an ID token with another nonce, audience or an unknown key", async () => {
    const subject = uniqueId("oidc-tess");
    const { flowValue, flow } = await login();
    const query = `?code=c&state=${flow?.state}`;
    // No answer prepared: the token endpoint says invalid_grant.
    expectRefused(await callback(query, flowValue), /could not be verified/);
    for (const bad of [
      await idToken({ sub: subject, nonce: "another-nonce" }),
      await idToken({ sub: subject, nonce: flow?.nonce, aud: "someone-else" }),
      await idToken({ sub: subject, nonce: flow?.nonce, iss: "https://other-idp.example" }),
      await idToken({ nonce: flow?.nonce }),
      await idToken({ sub: subject, nonce: flow?.nonce }, keys.foreign),
    ]) {
      await nextTokenResponse({ access_token: "at", token_type: "Bearer", id_token: bad });
      expectRefused(await callback(query, flowValue), /could not be verified/);
    }
  });

  it("is 404 where OIDC sign-in is not configured", async () => {
    expectProblem(await callWithEnv({}, "/auth/callback?code=c&state=s"), 404, "not_found");
  });
});

describe("OIDC sessions and POST /auth/logout", () => {
  it("refuses an OIDC session from an issuer other than the configured one", async () => {
    const subject = uniqueId("oidc-tess");
    const tenantId = await createTenant("web-oidc");
    await addMember(tenantId, subject, "technician");
    const foreign = await sealSession(ring(), { via: "oidc", issuer: "https://other-idp.example", subject, email: null }, now());
    expectUnauthenticated(await callWithEnv(OIDC_ON, "/v1/me", { headers: { cookie: `${SESSION_COOKIE}=${foreign}` } }));
    const ours = await sealSession(ring(), { via: "oidc", issuer: keys.issuer, subject, email: null }, now());
    expectOk(await callWithEnv(OIDC_ON, "/v1/me", { headers: { cookie: `${SESSION_COOKIE}=${ours}` } }));
  });

  it("an OIDC session ends here and at the issuer's end-session endpoint (with the ID token as hint)", async () => {
    const session = await sealSession(
      ring(),
      { via: "oidc", issuer: keys.issuer, subject: "tess", email: null, idToken: "the.id.token" },
      now(),
    );
    const res = await callWithEnv(OIDC_ON, "/auth/logout", {
      method: "POST",
      headers: { origin: BASE, cookie: `${SESSION_COOKIE}=${session}` },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("set-cookie")).toBe(`${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`);
    const url = new URL((res.body as { endSessionUrl: string }).endSessionUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${keys.issuer}/session/end`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT_ID,
      id_token_hint: "the.id.token",
      post_logout_redirect_uri: `${BASE}/`,
    });
  });

  it("any other session (or none) ends with 204, and a logout without this site's Origin is 403", async () => {
    const dev = await sealSession(ring(), { via: "dev", issuer: "dev", subject: "tess", email: null }, now());
    for (const cookie of [undefined, `${SESSION_COOKIE}=${dev}`, `${SESSION_COOKIE}=garbage`]) {
      const res = await callWithEnv(OIDC_ON, "/auth/logout", { method: "POST", headers: { origin: BASE, ...(cookie ? { cookie } : {}) } });
      expect(res.status, res.text).toBe(204);
      expect(res.headers.get("set-cookie")).toContain("Max-Age=0");
    }
    expectProblem(await callWithEnv(OIDC_ON, "/auth/logout", { method: "POST" }), 403, "forbidden");
  });
});

describe("what the OIDC session keeps", () => {
  it("keeps the ID and refresh tokens while the cookie stays under 4 KB, else only what fits (ID token first)", async () => {
    const who = { via: "oidc" as const, issuer: keys.issuer, subject: "tess", email: null };
    const small = await sealSessionThatFits(ring(), { ...who, idToken: "i".repeat(500), refreshToken: "r".repeat(500) }, now());
    expect(small.kept).toEqual({ idToken: true, refreshToken: true });
    const big = await sealSessionThatFits(ring(), { ...who, idToken: "i".repeat(1500), refreshToken: "r".repeat(1500) }, now());
    expect(big.kept).toEqual({ idToken: true, refreshToken: false });
    expect((await openSession(ring(), big.value, now())).idt).toBe("i".repeat(1500));
    const huge = await sealSessionThatFits(ring(), { ...who, idToken: "i".repeat(3500), refreshToken: "r".repeat(100) }, now());
    expect(huge.kept).toEqual({ idToken: false, refreshToken: false });
    for (const { value } of [small, big, huge]) expect(`${SESSION_COOKIE}=${value}`.length).toBeLessThanOrEqual(MAX_SESSION_COOKIE_BYTES);
  });
});

describe("an identity provider that cannot be reached", () => {
  it("makes /auth/login a 503 (nothing set) and the callback a refusal that clears the flow cookie", async () => {
    const down = `${keys.issuer}/rotating/oidc-down`;
    await fetch(`${down}/mode`, { method: "PUT", body: "error" });
    const overrides = { ...OIDC_ON, OIDC_ISSUER: down } as EnvOverrides;
    const res = await callWithEnv(overrides, "/auth/login");
    expectProblem(res, 503, "not_ready");
    expect(res.headers.get("set-cookie")).toBeNull();
    const flow = {
      state: "s".repeat(43),
      nonce: "n".repeat(43),
      verifier: "v".repeat(43),
      redirectUri: `${BASE}/auth/callback`,
      returnTo: "/",
    };
    const flowValue = await sealFlow(ring(), flow, now());
    expectRefused(await callback(`?code=c&state=${flow.state}`, flowValue, overrides), /could not be fetched/);
  });
});
