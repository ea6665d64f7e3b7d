import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseKeyring } from "../../durable-objects/tenant/crypto/envelope";
import { SESSION_COOKIE, SESSION_MAX_AGE_SECONDS, sealSession, type NewSession } from "../../src/identity/session";
import { BASE, call } from "../helpers/api";
import { callWithEnv, setTenantObjectEnv, type EnvOverrides } from "../helpers/edge";
import { expectOk, expectProblem, expectUnauthenticated } from "../helpers/expect-api";
import { accessToken, keys } from "../helpers/tokens";
import { addMember, createTenant, operatorToken, uniqueId } from "../helpers/world";

/**
 * The web app's session: one cookie for every way in, accepted by the one authentication path,
 * refused when tampered, expired or sealed under a key the ring does not hold, and never enough on
 * its own for a change: a cookie-authenticated POST/PATCH/PUT/DELETE needs this site's Origin.
 */
const DEV_ON: EnvOverrides = { ALLOW_DEV_AUTH: "1", ENVIRONMENT: "development" };
const ring = () => parseKeyring((env as unknown as { SESSION_KEYS: string }).SESSION_KEYS, "SESSION_KEYS");
const now = () => Math.floor(Date.now() / 1000);

async function sessionFor(subject: string, options: Partial<NewSession> & { at?: number } = {}): Promise<string> {
  return sealSession(ring(), { via: "oidc", issuer: keys.issuer, subject, email: null, ...options }, options.at ?? now());
}
const cookieHeader = (value: string) => ({ cookie: `${SESSION_COOKIE}=${value}` });

async function memberTenant(subject: string): Promise<string> {
  const tenantId = await createTenant("web");
  await addMember(tenantId, subject, "technician");
  return tenantId;
}

describe("the session cookie", () => {
  it("authenticates reads like any credential; the tenant object still decides membership", async () => {
    const user = uniqueId("tess");
    const tenantId = await memberTenant(user);
    const me = expectOk(await call("/v1/me", { headers: cookieHeader(await sessionFor(user)) }));
    expect(me).toMatchObject({ user: { subject: user, issuer: keys.issuer }, tenant: { id: tenantId }, role: "technician" });
    const stranger = uniqueId("nobody");
    expectProblem(await call("/v1/me", { headers: cookieHeader(await sessionFor(stranger)) }), 403, "not_a_member");
  });

  it("is refused when tampered, expired, malformed or sealed under a key the ring does not hold", async () => {
    const user = uniqueId("tess");
    await memberTenant(user);
    const good = await sessionFor(user);
    const flipped = `${good.slice(0, -6)}${good.slice(-6, -5) === "A" ? "B" : "A"}${good.slice(-5)}`;
    const expired = await sessionFor(user, { at: now() - SESSION_MAX_AGE_SECONDS - 60 });
    const foreignRing = parseKeyring("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "SESSION_KEYS");
    const foreign = await sealSession(foreignRing, { via: "oidc", issuer: keys.issuer, subject: user, email: null }, now());
    const unknownVersion = await sealSession(
      parseKeyring("v7:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "SESSION_KEYS"),
      { via: "oidc", issuer: keys.issuer, subject: user, email: null },
      now(),
    );
    for (const value of [flipped, expired, foreign, unknownVersion, "not-a-jwe", "a".repeat(5000)])
      expectUnauthenticated(await call("/v1/me", { headers: cookieHeader(value) }));
  });

  it("sealed under an older key of the ring still opens (rotation: the first entry seals, every entry opens)", async () => {
    const user = uniqueId("tess");
    await memberTenant(user);
    const older = parseKeyring((env as unknown as { SESSION_KEYS: string }).SESSION_KEYS.split(",")[1], "SESSION_KEYS");
    expect(older.current).toBe(1);
    const value = await sealSession(older, { via: "oidc", issuer: keys.issuer, subject: user, email: null }, now());
    expectOk(await call("/v1/me", { headers: cookieHeader(value) }));
  });

  it("needs this site's Origin for a change (CSRF): missing or foreign Origin is 403 and nothing is written", async () => {
    const user = uniqueId("tess");
    await memberTenant(user);
    const headers = cookieHeader(await sessionFor(user));
    for (const origin of [undefined, "https://evil.example", `${BASE}.evil.example`, "null"]) {
      const res = await call("/v1/realtime/ticket", { method: "POST", headers: { ...headers, ...(origin ? { origin } : {}) } });
      expectProblem(res, 403, "forbidden");
    }
    const ticket = await call("/v1/realtime/ticket", { method: "POST", headers: { ...headers, origin: BASE } });
    expect(ticket.status, ticket.text).toBe(200);
  });

  it("needs this site's Origin to open a socket with the cookie (no cross-site WebSocket hijacking)", async () => {
    const user = uniqueId("tess");
    await memberTenant(user);
    const headers = {
      ...cookieHeader(await sessionFor(user)),
      upgrade: "websocket",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    };
    expectProblem(await call("/v1/realtime", { headers: { ...headers, origin: "https://evil.example" } }), 403, "forbidden");
    expectProblem(await call("/v1/realtime", { headers }), 403, "forbidden");
    // Reads stay as they are: a GET without Origin is fine.
    expectOk(await call("/v1/me", { headers: cookieHeader(await sessionFor(user)) }));
  });

  it("a Cloudflare Access cookie needs the same Origin for a change; its header form does not (not sent by browsers on their own)", async () => {
    const subject = uniqueId("acc");
    const tenantId = await createTenant("web-access");
    const issuer = keys.accessIssuer;
    const res = await call(`/v1/platform/tenants/${tenantId}/members`, {
      token: await operatorToken(),
      body: { subject, role: "technician", issuer },
    });
    expect(res.status, res.text).toBe(201);
    const token = await accessToken({ sub: subject });
    expectProblem(
      await call("/v1/realtime/ticket", { method: "POST", headers: { cookie: `CF_Authorization=${token}` } }),
      403,
      "forbidden",
    );
    const withOrigin = await call("/v1/realtime/ticket", {
      method: "POST",
      headers: { cookie: `CF_Authorization=${token}`, origin: BASE },
    });
    expect(withOrigin.status, withOrigin.text).toBe(200);
    const viaHeader = await call("/v1/realtime/ticket", { method: "POST", headers: { "cf-access-jwt-assertion": token } });
    expect(viaHeader.status, viaHeader.text).toBe(200);
  });
});

describe("dev sign-in (local only)", () => {
  async function devTenant(): Promise<{ tenantId: string; admin: string; tech: string }> {
    const tenantId = await createTenant("web-dev");
    await setTenantObjectEnv(tenantId, DEV_ON);
    const admin = uniqueId("alice.admin");
    const tech = uniqueId("ana.tech");
    for (const [subject, role] of [
      [admin, "admin"],
      [tech, "technician"],
    ] as const) {
      const res = await call(`/v1/platform/tenants/${tenantId}/members`, {
        token: await operatorToken(),
        body: { subject, role, issuer: "dev" },
      });
      expect(res.status, res.text).toBe(201);
    }
    return { tenantId, admin, tech };
  }

  it("signs in as a picked identity: an HttpOnly, Secure, SameSite=Lax __Host- cookie, then the member's own role", async () => {
    const t = await devTenant();
    const res = await callWithEnv(DEV_ON, "/auth/dev/session", { body: { userId: t.admin }, headers: { origin: BASE } });
    expect(res.status, res.text).toBe(204);
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${SESSION_MAX_AGE_SECONDS}$`),
    );
    const value = /=([^;]+)/.exec(setCookie)?.[1] ?? "";
    // The page never sees the identity in clear: the value is a compact JWE (five parts).
    expect(value.split(".")).toHaveLength(5);
    expect(value).not.toContain(t.admin);
    const me = expectOk(
      await callWithEnv(DEV_ON, "/v1/me", { headers: { cookie: `${SESSION_COOKIE}=${value}`, "x-tenant-id": t.tenantId } }),
    );
    expect(me).toMatchObject({ user: { subject: t.admin, issuer: "dev" }, role: "admin" });
  });

  it("lists every active tenant's dev members for the picker, and nothing when dev auth is off", async () => {
    const t = await devTenant();
    await addMember(t.tenantId, uniqueId("oidc-user"), "dispatcher");
    const list = expectOk(await callWithEnv(DEV_ON, "/auth/dev/identities"));
    const tenant = (list as { tenants: { id: string; members: { userId: string; role: string }[] }[] }).tenants.find(
      (x) => x.id === t.tenantId,
    );
    expect(tenant?.members).toEqual(
      expect.arrayContaining([
        { userId: t.admin, role: "admin", email: null },
        { userId: t.tech, role: "technician", email: null },
      ]),
    );
    // Only dev-issuer members: the OIDC member is not offered.
    expect(tenant?.members).toHaveLength(2);
    expectProblem(await call("/auth/dev/identities"), 404, "not_found");
    expect(expectOk(await call("/auth/options"))).toEqual({ dev: false, oidc: false, access: true });
    expect(expectOk(await callWithEnv(DEV_ON, "/auth/options"))).toMatchObject({ dev: true });
  });

  it("refuses a sign-in without this site's Origin, a bad body, and any dev sign-in or dev session when dev auth is off", async () => {
    const t = await devTenant();
    expectProblem(await callWithEnv(DEV_ON, "/auth/dev/session", { body: { userId: t.admin } }), 403, "forbidden");
    expectProblem(
      await callWithEnv(DEV_ON, "/auth/dev/session", { body: { userId: "" }, headers: { origin: BASE } }),
      422,
      "validation_failed",
    );
    expectProblem(
      await callWithEnv(DEV_ON, "/auth/dev/session", { body: { userId: t.admin, role: "admin" }, headers: { origin: BASE } }),
      422,
      "validation_failed",
    );
    expectProblem(await call("/auth/dev/session", { body: { userId: t.admin }, headers: { origin: BASE } }), 404, "not_found");
    const signedIn = await callWithEnv(DEV_ON, "/auth/dev/session", { body: { userId: t.admin }, headers: { origin: BASE } });
    const value = /=([^;]+)/.exec(signedIn.headers.get("set-cookie") ?? "")?.[1] ?? "";
    // The same cookie, presented where dev auth is off, is no credential.
    expectUnauthenticated(await call("/v1/me", { headers: { cookie: `${SESSION_COOKIE}=${value}` } }));
  });

  it("signs out by clearing the cookie (Max-Age=0), with this site's Origin only", async () => {
    expectProblem(await call("/auth/logout", { method: "POST" }), 403, "forbidden");
    const res = await call("/auth/logout", { method: "POST", headers: { origin: BASE } });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toBe(`${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`);
  });
});

describe("GET /v1/me for an identity in several tenants", () => {
  it("without x-tenant-id lists the memberships (tenant and role null) so the app can offer a choice", async () => {
    const user = uniqueId("multi");
    const a = await memberTenant(user);
    const b = await createTenant("web-b");
    await addMember(b, user, "dispatcher");
    const headers = cookieHeader(await sessionFor(user));
    const me = expectOk(await call("/v1/me", { headers }));
    expect(me).toMatchObject({ tenant: null, role: null });
    expect((me as { memberships: { tenantId: string }[] }).memberships.map((m) => m.tenantId).sort()).toEqual([a, b].sort());
    expect(expectOk(await call("/v1/me", { headers: { ...headers, "x-tenant-id": b } }))).toMatchObject({
      tenant: { id: b },
      role: "dispatcher",
    });
    // Tenant routes still need the choice.
    expectProblem(await call("/v1/jobs", { headers }), 400, "bad_request");
  });
});
