import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import Provider from "oidc-provider";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startServer } from "../scripts/local-server.mjs";
import { launch, openPage } from "./browser";

/**
 * OIDC sign-in end to end: the real `oidc-provider` (the certified Node implementation, with its
 * dev login form) on a loopback port, and a second `npm start` configured as its client
 * (FIELDPILOT_EXTRA_VARS). In Chromium: "Sign in with your company account", the provider's own
 * form and consent, back in the app signed in; then the session cookie's limits (no Origin, tampered,
 * expired), its re-check with the refresh token at the provider, and logout here and at the provider.
 */
const CLIENT_ID = "fieldpilot-e2e";
const CLIENT_SECRET = "e2e-only-client-secret";
const SESSION_COOKIE = "__Host-fieldpilot-session";
const TENANT = "acme-hvac";

let browser: Browser;
let idp: Server;
let issuer: string;
let base: string;
let server: ReturnType<typeof startServer>;
let dir: string;

beforeAll(async () => {
  const [idpPort, appPort] = [await freePort(), await freePort()];
  issuer = `http://127.0.0.1:${idpPort}`;
  base = `http://127.0.0.1:${appPort}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${base}/auth/callback`],
        post_logout_redirect_uris: [`${base}/`],
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      },
    ],
    pkce: { required: () => true },
    // Every refresh grant rotates the refresh token, and a used one presented again revokes the grant
    // (oidc-provider's reuse detection): the strictest issuer the session re-check meets.
    rotateRefreshToken: true,
    // Put the scopes' claims (email) in the ID token, as most issuers do: the Worker reads the
    // e-mail from the ID token only (it does not call UserInfo).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@acme.example`, email_verified: true }),
    }),
    cookies: { keys: ["e2e-only-cookie-key"] },
  });
  idp = provider.listen(idpPort, "127.0.0.1");

  dir = mkdtempSync(path.join(tmpdir(), "fieldpilot-e2e-oidc-"));
  server = startServer({
    port: appPort,
    stateDir: path.join(dir, "state"),
    logFile: path.join(dir, "server.log"),
    extraVars: {
      OIDC_ISSUER: issuer,
      OIDC_AUDIENCE: CLIENT_ID,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      // The dev operator stays an operator although the OIDC issuer is now the deployment's primary one.
      PLATFORM_ADMIN_SUBJECTS: "dev|platform-admin",
    },
  });
  try {
    await server.ready;
  } catch (error) {
    throw new Error(`npm start (OIDC) did not come up:\n${server.log().slice(-3000)}`, { cause: error });
  }
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise<void>((resolve) => (idp ? idp.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A browser context; the provider's dev pages ask for a web font, answered empty here (the run is offline). */
async function newContext(options: Parameters<Browser["newContext"]>[0] = {}) {
  const context = await browser.newContext(options);
  await context.route("https://fonts.googleapis.com/**", (route) => route.fulfill({ status: 200, contentType: "text/css", body: "" }));
  return context;
}

/** A member of the demo tenant whose identity is the provider's account `subject`. */
async function addOidcMember(subject: string, role: string): Promise<void> {
  const res = await fetch(`${base}/v1/platform/tenants/${TENANT}/members`, {
    method: "POST",
    headers: { "x-user-id": "platform-admin", "content-type": "application/json" },
    body: JSON.stringify({ subject, role, issuer }),
  });
  expect(res.status, await res.text()).toBe(201);
}

/** From the sign-in page through the provider's login form (and consent) back into the app. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: "Sign in with your company account" }).click();
  await page.waitForURL((url) => url.origin === issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  // The provider asks for consent the first time (the scopes, offline access).
  await page.waitForURL((url) => url.origin === base || /\/interaction\//.test(url.pathname));
  if (new URL(page.url()).origin === issuer) await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((url) => url.origin === base);
}

const me = (page: Page, init: { method?: string; headers?: Record<string, string> } = {}) =>
  page.evaluate(async (init) => {
    const res = await fetch("/v1/me", { credentials: "same-origin", ...init });
    return { status: res.status, body: await res.text() };
  }, init);

describe("OIDC sign-in in the browser", () => {
  it("signs in at the provider and lands in the app; the cookie is HttpOnly and needs this site's Origin for a change", async () => {
    const login = `oidc.tech-${Date.now().toString(36)}`;
    await addOidcMember(login, "technician");
    const { page, problems } = await openPage(await newContext({ viewport: { width: 1280, height: 900 } }));
    await signInAtProvider(page, login);
    await page.getByRole("heading", { name: "My jobs" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).waitFor();

    const who = await me(page);
    expect(who.status, who.body).toBe(200);
    expect(JSON.parse(who.body)).toMatchObject({ user: { subject: login, issuer }, tenant: { id: TENANT }, role: "technician" });

    const cookies = await page.context().cookies(base);
    const session = cookies.find((c) => c.name === SESSION_COOKIE);
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
    expect(cookies.map((c) => c.name)).not.toContain("__Host-fieldpilot-oidc-flow");
    // The session kept the ID token and the refresh token (offline_access, consented), sealed, under 4 KB.
    const { openSession } = await import("../src/identity/session");
    const { parseKeyring } = await import("../durable-objects/tenant/crypto/envelope");
    const ring = parseKeyring("v1:ZGV2LW9ubHktc2Vzc2lvbi1rZXktbm90LXByb2QhISE=", "SESSION_KEYS");
    const opened = await openSession(ring, session?.value ?? "", Math.floor(Date.now() / 1000));
    expect(opened).toMatchObject({ via: "oidc", iss: issuer, sub: login, email: `${login}@acme.example` });
    expect(opened.idt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(opened.rt).toBeTruthy();
    console.log(
      `session cookie: ${SESSION_COOKIE.length + 1 + (session?.value.length ?? 0)} bytes (ID token ${opened.idt?.length}, refresh token ${opened.rt?.length})`,
    );
    expect(await page.evaluate(() => document.cookie)).not.toContain("fieldpilot");

    // A change with the cookie but without Origin (as a cross-site form would look from a non-browser): 403.
    const ticket = await page.context().request.post(`${base}/v1/realtime/ticket`, {
      headers: { cookie: `${SESSION_COOKIE}=${session?.value}` },
    });
    expect(ticket.status()).toBe(403);
    const sameSite = await page.evaluate(async () => (await fetch("/v1/realtime/ticket", { method: "POST" })).status);
    expect(sameSite).toBe(200);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("refuses a tampered or an expired session cookie (401)", async () => {
    const login = `oidc.disp-${Date.now().toString(36)}`;
    await addOidcMember(login, "dispatcher");
    const { page } = await openPage(await newContext());
    await signInAtProvider(page, login);
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    const value = (await page.context().cookies(base)).find((c) => c.name === SESSION_COOKIE)?.value ?? "";
    const flipped = `${value.slice(0, -6)}${value.slice(-6, -5) === "A" ? "B" : "A"}${value.slice(-5)}`;
    const tampered = await page.context().request.get(`${base}/v1/me`, { headers: { cookie: `${SESSION_COOKIE}=${flipped}` } });
    expect(tampered.status()).toBe(401);
    // Expired: a session sealed nine hours ago under the same dev key (sessions last eight hours).
    const { sealSession } = await import("../src/identity/session");
    const { parseKeyring } = await import("../durable-objects/tenant/crypto/envelope");
    const ring = parseKeyring("v1:ZGV2LW9ubHktc2Vzc2lvbi1rZXktbm90LXByb2QhISE=", "SESSION_KEYS");
    const old = await sealSession(ring, { via: "oidc", issuer, subject: login, email: null }, Math.floor(Date.now() / 1000) - 9 * 3600);
    const expired = await page.context().request.get(`${base}/v1/me`, { headers: { cookie: `${SESSION_COOKIE}=${old}` } });
    expect(expired.status()).toBe(401);
    const fresh = await sealSession(ring, { via: "oidc", issuer, subject: login, email: null }, Math.floor(Date.now() / 1000));
    expect((await page.context().request.get(`${base}/v1/me`, { headers: { cookie: `${SESSION_COOKIE}=${fresh}` } })).status()).toBe(200);
    await page.context().close();
  });

  it("re-checks a session at the provider when due: renewed with a rotated refresh token and the same expiry; a used refresh token ends it", async () => {
    const login = `oidc.renew-${Date.now().toString(36)}`;
    await addOidcMember(login, "technician");
    const { page, problems } = await openPage(await newContext());
    await signInAtProvider(page, login);
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    const { openSession, sealSession, SESSION_RECHECK_SECONDS } = await import("../src/identity/session");
    const { parseKeyring } = await import("../durable-objects/tenant/crypto/envelope");
    const ring = parseKeyring("v1:ZGV2LW9ubHktc2Vzc2lvbi1rZXktbm90LXByb2QhISE=", "SESSION_KEYS");
    const now = () => Math.floor(Date.now() / 1000);
    const sessionValue = async () => (await page.context().cookies(base)).find((c) => c.name === SESSION_COOKIE)?.value ?? "";
    const signedIn = await openSession(ring, await sessionValue(), now());
    expect(signedIn.rt).toBeTruthy();
    expect(signedIn.chk).toBe(signedIn.iat + SESSION_RECHECK_SECONDS);

    // Ten minutes do not pass in this test: the same session, sealed again with its re-check due.
    const dueAgain = (refreshToken: string | undefined) =>
      sealSession(
        ring,
        {
          via: "oidc",
          issuer,
          subject: login,
          email: signedIn.email,
          ...(signedIn.idt ? { idToken: signedIn.idt } : {}),
          ...(refreshToken ? { refreshToken } : {}),
          recheckAt: now() - 1,
        },
        now(),
        { iat: signedIn.iat, exp: signedIn.exp },
      );
    // Sent from Node, not the page: a browser cannot be handed a `__Host-` cookie for http://127.0.0.1 (CDP refuses it).
    const withCookie = (value: string) => fetch(`${base}/v1/me`, { headers: { cookie: `${SESSION_COOKIE}=${value}` } });
    const due = await dueAgain(signedIn.rt);
    // A second later, the refreshed ID token (same claims, RS256 signs deterministically) differs by its `iat`.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const renewal = await withCookie(due);
    expect(renewal.status, await renewal.text()).toBe(200);
    const [setCookie, ...more] = renewal.headers.getSetCookie();
    expect(more).toEqual([]);
    const renewedValue = new RegExp(`^${SESSION_COOKIE}=([^;]+); Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=\\d+$`).exec(
      setCookie ?? "",
    )?.[1];
    expect(renewedValue, setCookie).toBeTruthy();
    const renewed = await openSession(ring, renewedValue ?? "", now());
    expect(renewed).toMatchObject({
      via: "oidc",
      iss: issuer,
      sub: login,
      email: `${login}@acme.example`,
      iat: signedIn.iat,
      exp: signedIn.exp,
    });
    expect(renewed.rt).toBeTruthy();
    expect(renewed.rt).not.toBe(signedIn.rt);
    expect(renewed.idt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(renewed.idt).not.toBe(signedIn.idt);
    expect(renewed.chk).toBeGreaterThanOrEqual(now() + SESSION_RECHECK_SECONDS - 10);
    const after = await withCookie(renewedValue ?? "");
    expect(after.status, await after.text()).toBe(200);
    expect(after.headers.getSetCookie()).toEqual([]);

    // The used refresh token once more (in a cookie of its own): the provider refuses it and revokes the grant.
    const replayed = await withCookie(await dueAgain(signedIn.rt));
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({
      code: "unauthenticated",
      detail: "your sign-in was ended at the identity provider: sign in again",
    });
    expect(replayed.headers.getSetCookie()).toEqual([`${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("logout ends the session here and offers the provider's end-session URL, which ends it there and comes back", async () => {
    const login = `oidc.out-${Date.now().toString(36)}`;
    await addOidcMember(login, "technician");
    const { page } = await openPage(await newContext());
    await signInAtProvider(page, login);
    // The app's "Sign out": the session ends here, then the browser goes to the provider's end-session page.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.origin === issuer);
    // Signed out here already: the browser's cookies no longer sign anyone in.
    expect((await page.context().request.get(`${base}/v1/me`)).status()).toBe(401);

    // oidc-provider asks before it ends its own session.
    await page.getByRole("button", { name: /yes|sign me out/i }).click();
    await page.waitForURL((url) => url.origin === base);
    await page.getByRole("link", { name: "Sign in with your company account" }).waitFor();
    // Signed out at the provider too: signing in again shows its login form.
    await page.getByRole("link", { name: "Sign in with your company account" }).click();
    await page.waitForURL((url) => url.origin === issuer);
    await page.locator('input[name="login"]').waitFor();
    await page.context().close();
  });

  it("says why a sign-in failed when the callback sends the browser back with signin_error", async () => {
    const { page, problems } = await openPage(await newContext());
    await page.goto(`${base}/?signin_error=the%20sign-in%20took%20too%20long`);
    await page.getByRole("alert").getByText("Signing in did not work: the sign-in took too long.").waitFor();
    // The page drops the parameter from the address (history.replaceState) around the time it shows the alert.
    await expect.poll(() => new URL(page.url()).search).toBe("");
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
