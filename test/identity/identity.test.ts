import { base64url, exportSPKI, importJWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_AUDIENCE } from "../constants";
import { call, type ApiResponse } from "../helpers/api";
import { callWithEnv, setTenantObjectEnv, type EnvOverrides } from "../helpers/edge";
import { expectProblem, expectRequestId, expectUnauthenticated } from "../helpers/expect-api";
import { accessToken, keys, mintToken, userToken } from "../helpers/tokens";
import { addMember, basicData, createTenant, ingestAs, operatorToken, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

/**
 * Identity at the edge: which credentials name a caller, which are refused (401 with
 * WWW-Authenticate, never a fall-through to a weaker source), and how the tenant is chosen.
 * Every credential is a real JWT minted by the loopback IdP of test/global-setup.ts.
 */

const DEV_ON: EnvOverrides = { ALLOW_DEV_AUTH: "1", ENVIRONMENT: "development" };

function expectOk<T>(res: ApiResponse<T>, status = 200): T {
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expectRequestId(res);
  return res.body;
}

async function addMemberWithIssuer(tenantId: string, subject: string, role: string, issuer: string): Promise<void> {
  const res = await call(`/v1/platform/tenants/${tenantId}/members`, { token: await operatorToken(), body: { subject, role, issuer } });
  expect([200, 201], res.text).toContain(res.status);
}

function jobIds(res: ApiResponse<any>): string[] {
  return (res.body.jobs as Array<{ id: string }>).map((j) => j.id).sort();
}

/** A JWT with `alg: none` and an empty signature, built by hand. */
function unsignedToken(payload: Record<string, unknown>): string {
  const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(payload)}.`;
}

/** An HS256 JWT whose HMAC secret is public key material, the classic RS256 → HS256 confusion. */
async function hmacWithPublicKey(subject: string, secret: Uint8Array): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", kid: keys.rsaPublic.kid as string, typ: "JWT" })
    .setIssuer(keys.issuer)
    .setAudience(TEST_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(secret);
}

/** Keeps the header and signature of a real token and swaps one claim of its payload. */
function tamper(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const decoded = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
  const changed = base64url.encode(new TextEncoder().encode(JSON.stringify({ ...decoded, ...claims })));
  expect(changed).not.toBe(payload);
  return `${header}.${changed}.${signature}`;
}

describe("credentials that identify a member", () => {
  let cast: Cast;
  beforeAll(async () => {
    cast = await tenantWithCast("idok");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
  });

  it("accepts an RS256 OIDC bearer token and resolves the member's role from the tenant", async () => {
    const token = await userToken(cast.subjects.dispatcher, { alg: "RS256" });
    const me = await call("/v1/me", { token });
    expectOk(me);
    expect(me.body).toMatchObject({
      user: { issuer: keys.issuer, subject: cast.subjects.dispatcher },
      tenant: { id: cast.tenantId, status: "active" },
      role: "dispatcher",
      platformOperator: false,
    });
    const jobs = await call("/v1/jobs", { token });
    expectOk(jobs);
    expect(jobIds(jobs)).toEqual(["J1", "J2"]);
  });

  it("accepts an ES256 OIDC bearer token", async () => {
    const token = await userToken(cast.subjects.technician, { alg: "ES256" });
    const me = await call("/v1/me", { token });
    expectOk(me);
    expect(me.body).toMatchObject({ user: { subject: cast.subjects.technician }, role: "technician" });
    const jobs = await call("/v1/jobs", { token });
    expectOk(jobs);
    expect(jobIds(jobs)).toEqual(["J1"]);
  });

  it("accepts a Cloudflare Access assertion in Cf-Access-Jwt-Assertion and in the CF_Authorization cookie", async () => {
    const subject = uniqueId("acc");
    await addMemberWithIssuer(cast.tenantId, subject, "auditor", keys.accessIssuer);
    const assertion = await accessToken({ sub: subject });

    const viaHeader = await call("/v1/me", { headers: { "cf-access-jwt-assertion": assertion } });
    expectOk(viaHeader);
    expect(viaHeader.body).toMatchObject({ user: { issuer: keys.accessIssuer, subject }, tenant: { id: cast.tenantId }, role: "auditor" });

    const viaCookie = await call("/v1/jobs", { headers: { cookie: `theme=dark; CF_Authorization=${assertion}; other=1` } });
    expectOk(viaCookie);
    expect(jobIds(viaCookie)).toEqual(["J1", "J2"]);
  });

  it("identifies an Access service token (empty sub) by its common_name", async () => {
    const commonName = `${uniqueId("svc")}.access`;
    await addMemberWithIssuer(cast.tenantId, commonName, "service", keys.accessIssuer);
    const assertion = await accessToken({ commonName });
    const me = await call("/v1/me", { headers: { "cf-access-jwt-assertion": assertion } });
    expectOk(me);
    expect(me.body).toMatchObject({ user: { issuer: keys.accessIssuer, subject: commonName }, role: "service" });
    // The service role ingests; it does not read jobs.
    expectProblem(await call("/v1/jobs", { headers: { "cf-access-jwt-assertion": assertion } }), 403, "forbidden");
  });

  it("keeps identities of different issuers apart: an Access user with an OIDC member's subject is not that member", async () => {
    const assertion = await accessToken({ sub: cast.subjects.admin });
    expectProblem(await call("/v1/jobs", { headers: { "cf-access-jwt-assertion": assertion } }), 403, "not_a_member");
  });
});

describe("credentials that are refused with 401", () => {
  let cast: Cast;
  beforeAll(async () => {
    cast = await tenantWithCast("idbad");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const now = () => Math.floor(Date.now() / 1000);

  const cases: Array<[string, () => Promise<Record<string, string>>]> = [
    [
      "alg none (unsigned)",
      async () => bearer(unsignedToken({ iss: keys.issuer, aud: TEST_AUDIENCE, sub: cast.subjects.admin, iat: now(), exp: now() + 600 })),
    ],
    [
      "HS256 keyed with the RSA public key's modulus",
      async () => bearer(await hmacWithPublicKey(cast.subjects.admin, base64url.decode(keys.rsaPublic.n as string))),
    ],
    [
      "HS256 keyed with the RSA public key as PEM",
      async () => {
        const pem = await exportSPKI((await importJWK(keys.rsaPublic, "RS256")) as CryptoKey);
        return bearer(await hmacWithPublicKey(cast.subjects.admin, new TextEncoder().encode(pem)));
      },
    ],
    ["an expired token", async () => bearer(await userToken(cast.subjects.admin, { expiresIn: -3600 }))],
    ["a token not yet valid (nbf an hour ahead)", async () => bearer(await userToken(cast.subjects.admin, { notBefore: 3600 }))],
    ["a token for another audience", async () => bearer(await userToken(cast.subjects.admin, { aud: "some-other-api" }))],
    ["a token from another issuer", async () => bearer(await userToken(cast.subjects.admin, { iss: "https://evil.example" }))],
    ["a token with an unknown kid", async () => bearer(await userToken(cast.subjects.admin, { kid: "no-such-key" }))],
    [
      "a token with the right kid signed by a foreign key",
      async () => bearer(await userToken(cast.subjects.admin, { key: keys.foreign, kid: keys.rsaPublic.kid as string })),
    ],
    ["a token without exp", async () => bearer(await userToken(cast.subjects.admin, { expiresIn: null }))],
    [
      "a tampered payload (technician's token rewritten to the admin's subject)",
      async () => bearer(tamper(await userToken(cast.subjects.technician), { sub: cast.subjects.admin })),
    ],
    ["an oversized token (> 8 KB)", async () => bearer(await userToken(cast.subjects.admin, { claims: { padding: "x".repeat(9_000) } }))],
    ["a token without a subject", async () => bearer(await mintToken({}))],
    ["a token whose subject is not a usable id", async () => bearer(await userToken("has spaces/and<slashes>"))],
    ["garbage: Bearer abc", async () => ({ authorization: "Bearer abc" })],
    ["an empty bearer", async () => ({ authorization: "Bearer " })],
    ["a Basic Authorization scheme", async () => ({ authorization: `Basic ${btoa(`${cast.subjects.admin}:secret`)}` })],
    ["a raw token without a scheme", async () => ({ authorization: await userToken(cast.subjects.admin) })],
    ["an Access assertion sent as a bearer token", async () => bearer(await accessToken({ sub: cast.subjects.admin }))],
    ["an OIDC token sent as an Access assertion", async () => ({ "cf-access-jwt-assertion": await userToken(cast.subjects.admin) })],
    [
      "an Access assertion for another application (aud)",
      async () => ({ "cf-access-jwt-assertion": await accessToken({ sub: cast.subjects.admin, aud: "other-access-app" }) }),
    ],
    [
      "an invalid Access assertion next to a valid bearer (no fall-through)",
      async () => ({ "cf-access-jwt-assertion": "garbage.garbage.garbage", ...bearer(await userToken(cast.subjects.admin)) }),
    ],
    ["an invalid CF_Authorization cookie", async () => ({ cookie: "CF_Authorization=abc.def.ghi" })],
    ["no credentials at all", async () => ({})],
  ];

  it.each(cases)("refuses %s on tenant routes", async (_name, headersFor) => {
    const headers = await headersFor();
    for (const path of ["/v1/jobs", "/v1/me", "/v1/jobs/J1"]) {
      const res = await call(path, { headers: { ...headers, "x-tenant-id": cast.tenantId } });
      expectUnauthenticated(res);
    }
  });

  it("answers 403 not_a_member, not 401, to a valid token of an identity that belongs to no tenant", async () => {
    const token = await userToken(uniqueId("stranger"));
    expectProblem(await call("/v1/jobs", { token }), 403, "not_a_member");
    expectProblem(await call("/v1/jobs", { token, tenant: cast.tenantId }), 403, "not_a_member");
    expectProblem(await call("/v1/me", { token }), 403, "not_a_member");
  });
});

describe("dev auth headers", () => {
  const devHeaders = (tenantId: string, subject: string, role?: string): Record<string, string> => ({
    "x-tenant-id": tenantId,
    "x-user-id": subject,
    ...(role === undefined ? {} : { "x-user-role": role }),
  });

  it("are ignored as identity when ALLOW_DEV_AUTH is off", async () => {
    const cast = await tenantWithCast("devoff");
    for (const path of ["/v1/jobs", "/v1/me"]) {
      expectUnauthenticated(await call(path, { headers: devHeaders(cast.tenantId, cast.subjects.admin, "admin") }));
    }
    expectUnauthenticated(await call("/v1/platform/tenants", { headers: { "x-user-id": "ops-1", "x-user-role": "admin" } }));
  });

  it("are refused in production even with ALLOW_DEV_AUTH=1", async () => {
    const cast = await tenantWithCast("devprod");
    const prod: EnvOverrides = { ALLOW_DEV_AUTH: "1", ENVIRONMENT: "production" };
    await setTenantObjectEnv(cast.tenantId, prod);
    for (const path of ["/v1/jobs", "/v1/me"]) {
      expectUnauthenticated(await callWithEnv(prod, path, { headers: devHeaders(cast.tenantId, cast.subjects.admin, "admin") }));
    }
    expectUnauthenticated(await callWithEnv(prod, "/v1/platform/tenants", { headers: { "x-user-id": "ops-1", "x-user-role": "admin" } }));
    // Real credentials still work in that configuration.
    expectOk(await callWithEnv(prod, "/v1/jobs", { token: cast.admin }));
  });

  it("identify a caller in development, with the role taken from x-user-role", async () => {
    const cast = await tenantWithCast("devon");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    await setTenantObjectEnv(cast.tenantId, DEV_ON);
    const patch = { method: "PATCH", body: { status: "completed" } };

    const dispatcherMe = await callWithEnv(DEV_ON, "/v1/me", { headers: devHeaders(cast.tenantId, "dev-disp", "dispatcher") });
    expectOk(dispatcherMe);
    expect(dispatcherMe.body).toMatchObject({ user: { subject: "dev-disp" }, tenant: { id: cast.tenantId }, role: "dispatcher" });

    const asTechnician = await callWithEnv(DEV_ON, "/v1/jobs/J1", {
      ...patch,
      headers: devHeaders(cast.tenantId, "dev-tech", "technician"),
    });
    expectProblem(asTechnician, 403, "forbidden");
    // No x-user-role: the default role is technician.
    expectProblem(await callWithEnv(DEV_ON, "/v1/jobs/J1", { ...patch, headers: devHeaders(cast.tenantId, "dev-tech") }), 403, "forbidden");
    expect((await call("/v1/jobs/J1", { token: cast.dispatcher })).body.status).toBe("scheduled");

    const asDispatcher = await callWithEnv(DEV_ON, "/v1/jobs/J1", {
      ...patch,
      headers: devHeaders(cast.tenantId, "dev-disp", "dispatcher"),
    });
    expectOk(asDispatcher);
    expect(asDispatcher.body).toMatchObject({ id: "J1", status: "completed" });
    expect((await call("/v1/jobs/J1", { token: cast.dispatcher })).body.status).toBe("completed");
  });

  it("refuse an invalid x-user-role, a missing x-user-id and an unregistered tenant in development", async () => {
    const cast = await tenantWithCast("devbad");
    await setTenantObjectEnv(cast.tenantId, DEV_ON);
    expectUnauthenticated(await callWithEnv(DEV_ON, "/v1/jobs", { headers: devHeaders(cast.tenantId, "dev-x", "root") }));
    expectUnauthenticated(await callWithEnv(DEV_ON, "/v1/jobs", { headers: devHeaders(cast.tenantId, "dev-x", "") }));
    expectUnauthenticated(await callWithEnv(DEV_ON, "/v1/jobs", { headers: { "x-tenant-id": cast.tenantId, "x-user-role": "admin" } }));
    expectUnauthenticated(await callWithEnv(DEV_ON, "/v1/jobs", { headers: devHeaders(cast.tenantId, "bad id/<x>", "admin") }));
    expectProblem(
      await callWithEnv(DEV_ON, "/v1/jobs", { headers: devHeaders(uniqueId("nosuchtenant"), "dev-x", "admin") }),
      403,
      "not_a_member",
    );
  });

  it("are still refused by a tenant object whose own environment has dev auth off", async () => {
    const cast = await tenantWithCast("devsplit");
    // Router configured for dev auth, the tenant object (the authority) not: the object says no.
    expectProblem(await callWithEnv(DEV_ON, "/v1/jobs", { headers: devHeaders(cast.tenantId, "dev-admin", "admin") }), 403, "not_a_member");
  });
});

describe("internal headers sent by a caller", () => {
  it("change nothing about what a technician may see", async () => {
    const cast = await tenantWithCast("inject");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const other = await createTenant("injother");
    const injected = {
      "x-partykit-room": other,
      "x-partykit-namespace": "tenant-object",
      "x-partykit-id": cast.tenantId,
      "x-fieldpilot-anything": "admin",
      "x-fieldpilot-role": "admin",
      "x-fieldpilot-principal": `${keys.issuer}|${cast.subjects.admin}`,
      "x-user-role": "admin",
      "x-user-id": cast.subjects.admin,
    };

    for (const headers of [{}, injected]) {
      const me = await call("/v1/me", { token: cast.technician, headers });
      expectOk(me);
      expect(me.body).toMatchObject({ user: { subject: cast.subjects.technician }, tenant: { id: cast.tenantId }, role: "technician" });

      const list = await call("/v1/jobs", { token: cast.technician, headers });
      expectOk(list);
      expect(jobIds(list)).toEqual(["J1"]);

      expectOk(await call("/v1/jobs/J1", { token: cast.technician, headers }));
      expectProblem(await call("/v1/jobs/J2", { token: cast.technician, headers }), 404, "not_found");
      expectProblem(await call("/v1/jobs/J2/context", { token: cast.technician, headers }), 404, "not_found");
      expectProblem(await call("/v1/admin/audit", { token: cast.technician, headers }), 403, "forbidden");
      expectProblem(
        await call("/v1/jobs/J1", { method: "PATCH", token: cast.technician, headers, body: { status: "completed" } }),
        403,
        "forbidden",
      );
    }
    // Without any credential, the injected headers identify nobody.
    expectUnauthenticated(await call("/v1/jobs", { headers: injected }));
  });
});

describe("platform operators", () => {
  it("list tenants; tenant admins may not", async () => {
    const cast = await tenantWithCast("ops");
    const list = await call("/v1/platform/tenants", { token: await operatorToken() });
    expectOk(list);
    expect((list.body.tenants as Array<{ id: string }>).map((t) => t.id)).toContain(cast.tenantId);

    expectProblem(await call("/v1/platform/tenants", { token: cast.admin }), 403, "forbidden");
    expectProblem(await call("/v1/platform/tenants", { token: cast.admin, body: { name: "Mine", region: "us" } }), 403, "forbidden");
    expectProblem(
      await call(`/v1/platform/tenants/${cast.tenantId}/members`, { token: cast.admin, body: { subject: "someone", role: "admin" } }),
      403,
      "forbidden",
    );
  });

  it("are matched by issuer: an Access identity with an operator's bare subject is not an operator", async () => {
    const assertion = await accessToken({ sub: "ops-1" });
    const res = await call("/v1/platform/tenants", { headers: { "cf-access-jwt-assertion": assertion } });
    expectProblem(res, 403, "forbidden");
  });

  it("get no tenant data through tenant routes", async () => {
    const cast = await tenantWithCast("opsdata");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const token = await operatorToken();
    expectProblem(await call("/v1/jobs", { token }), 403, "not_a_member");
    expectProblem(await call("/v1/jobs", { token, tenant: cast.tenantId }), 403, "not_a_member");
    expectProblem(await call("/v1/jobs/J1", { token, tenant: cast.tenantId }), 403, "not_a_member");
    expectProblem(await call("/v1/search?q=condenser", { token, tenant: cast.tenantId }), 403, "not_a_member");
    expectProblem(await call("/v1/admin/audit", { token, tenant: cast.tenantId }), 403, "not_a_member");
    expectProblem(await call("/v1/me", { token, tenant: cast.tenantId }), 403, "not_a_member");
  });

  it("see themselves in /v1/me as operator without a tenant", async () => {
    const me = await call("/v1/me", { token: await operatorToken() });
    expectOk(me);
    expect(me.body).toEqual({
      user: { issuer: keys.issuer, subject: "ops-1", email: null },
      tenant: null,
      role: null,
      platformOperator: true,
      memberships: [],
    });
  });
});

describe("tenant selection", () => {
  it("makes an identity in two tenants choose one with x-tenant-id and shows each tenant its own data", async () => {
    const [a, b, c] = [await createTenant("sela"), await createTenant("selb"), await createTenant("selc")];
    const multi = uniqueId("multi");
    await addMember(a, multi, "dispatcher");
    await addMember(b, multi, "technician");
    const bDispatcher = uniqueId("bdisp");
    await addMember(b, bDispatcher, "dispatcher");
    const token = await userToken(multi);

    await ingestAs(token, a, {
      clients: [{ id: "CA", name: "Client of A" }],
      jobs: [{ id: "JA", clientId: "CA", title: "A job", status: "scheduled" }],
    });
    await ingestAs(await userToken(bDispatcher), b, {
      clients: [{ id: "CB", name: "Client of B" }],
      jobs: [{ id: "JB", clientId: "CB", title: "B job", status: "scheduled", assignees: [multi] }],
    });

    expectProblem(await call("/v1/jobs", { token }), 400, "bad_request");
    // /v1/me without a choice lists the memberships to choose from (no tenant, no role).
    const unscoped = expectOk(await call("/v1/me", { token }));
    expect(unscoped).toMatchObject({ tenant: null, role: null });
    expect((unscoped as { memberships: { tenantId: string }[] }).memberships.map((m) => m.tenantId).sort()).toEqual([a, b].sort());

    const inA = await call("/v1/jobs", { token, tenant: a });
    expectOk(inA);
    expect(jobIds(inA)).toEqual(["JA"]);
    const inB = await call("/v1/jobs", { token, tenant: b });
    expectOk(inB);
    expect(jobIds(inB)).toEqual(["JB"]);
    expectProblem(await call("/v1/jobs/JB", { token, tenant: a }), 404, "not_found");

    const meA = await call("/v1/me", { token, tenant: a });
    expectOk(meA);
    expect(meA.body).toMatchObject({ tenant: { id: a }, role: "dispatcher" });
    expect((meA.body.memberships as Array<{ tenantId: string }>).map((m) => m.tenantId).sort()).toEqual([a, b].sort());
    const meB = await call("/v1/me", { token, tenant: b });
    expect(meB.body).toMatchObject({ tenant: { id: b }, role: "technician" });

    // The role is the one in the selected tenant.
    expectOk(await call("/v1/jobs/JA", { method: "PATCH", token, tenant: a, body: { priority: "urgent" } }));
    expectProblem(await call("/v1/jobs/JB", { method: "PATCH", token, tenant: b, body: { priority: "urgent" } }), 403, "forbidden");

    for (const other of [c, uniqueId("nosuch"), "../" + a, "A".repeat(300)]) {
      expectProblem(await call("/v1/jobs", { token, tenant: other }), 403, "not_a_member");
    }
  });

  it("picks the only membership automatically and refuses another tenant named in x-tenant-id", async () => {
    const cast = await tenantWithCast("selone");
    const other = await tenantWithCast("seltwo");
    await ingestAs(other.dispatcher, other.tenantId, basicData(other));
    expectOk(await call("/v1/jobs", { token: cast.dispatcher }));
    expectOk(await call("/v1/jobs", { token: cast.dispatcher, tenant: cast.tenantId }));
    expectProblem(await call("/v1/jobs", { token: cast.dispatcher, tenant: other.tenantId }), 403, "not_a_member");
    expectProblem(await call("/v1/jobs/J1", { token: cast.dispatcher, tenant: other.tenantId }), 403, "not_a_member");
  });
});
