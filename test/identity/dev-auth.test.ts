import { describe, expect, it } from "vitest";
import type { Role } from "../../schemas/common";
import { call } from "../helpers/api";
import { callWithEnv, setTenantObjectEnv, type EnvOverrides } from "../helpers/edge";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { createTenant, operatorToken, uniqueId } from "../helpers/world";

/**
 * Dev auth's role rule (local use only): `x-user-role` is trusted as given; without it a dev
 * identity has its member row's role, and `technician` when it has none. The tenant object decides
 * (it holds the member row), so the role the router logs and `/v1/me` reports is the one in force.
 */
const DEV_ON: EnvOverrides = { ALLOW_DEV_AUTH: "1", ENVIRONMENT: "development" };
const DEV_ISSUER = "dev";

/** A tenant with dev-auth members (issuer `dev`, as `npm start`'s seed adds them), dev auth on in its object. */
async function devTenant(): Promise<{ tenantId: string; admin: string; technician: string }> {
  const tenantId = await createTenant("devrole");
  await setTenantObjectEnv(tenantId, DEV_ON);
  const admin = uniqueId("alice.admin");
  const technician = uniqueId("ana.tech");
  const members: [string, Role][] = [
    [admin, "admin"],
    [technician, "technician"],
  ];
  for (const [subject, role] of members) {
    const res = await call(`/v1/platform/tenants/${tenantId}/members`, {
      token: await operatorToken(),
      body: { subject, role, issuer: DEV_ISSUER },
    });
    expect(res.status, res.text).toBe(201);
  }
  return { tenantId, admin, technician };
}

const as = (subject: string, role?: string, tenantId?: string): Record<string, string> => ({
  "x-user-id": subject,
  ...(role === undefined ? {} : { "x-user-role": role }),
  ...(tenantId === undefined ? {} : { "x-tenant-id": tenantId }),
});

describe("dev auth without x-user-role", () => {
  it("acts with the member's own role: an admin reads the audit log, and /v1/me says admin", async () => {
    const t = await devTenant();
    const me = expectOk(await callWithEnv(DEV_ON, "/v1/me", { headers: as(t.admin) }));
    expect(me).toMatchObject({ user: { subject: t.admin, issuer: DEV_ISSUER }, tenant: { id: t.tenantId }, role: "admin" });
    const audit = expectOk(await callWithEnv(DEV_ON, "/v1/admin/audit?limit=5", { headers: as(t.admin) }));
    expect(Array.isArray((audit as { entries: unknown[] }).entries)).toBe(true);
  });

  it("keeps a technician a technician (no admin route, no job changes)", async () => {
    const t = await devTenant();
    const me = expectOk(await callWithEnv(DEV_ON, "/v1/me", { headers: as(t.technician) }));
    expect(me).toMatchObject({ role: "technician" });
    expectProblem(await callWithEnv(DEV_ON, "/v1/admin/audit", { headers: as(t.technician) }), 403, "forbidden");
  });

  it("makes a non-member a technician in the tenant it names", async () => {
    const t = await devTenant();
    const stranger = uniqueId("stranger");
    const me = expectOk(await callWithEnv(DEV_ON, "/v1/me", { headers: as(stranger, undefined, t.tenantId) }));
    expect(me).toMatchObject({ user: { subject: stranger }, tenant: { id: t.tenantId }, role: "technician" });
    expectProblem(await callWithEnv(DEV_ON, "/v1/admin/audit", { headers: as(stranger, undefined, t.tenantId) }), 403, "forbidden");
  });

  it("refuses a suspended member, as with the header", async () => {
    const t = await devTenant();
    const ok = await callWithEnv(DEV_ON, `/v1/admin/members/${encodeURIComponent(t.technician)}?issuer=${DEV_ISSUER}`, {
      method: "PATCH",
      headers: as(t.admin),
      body: { status: "suspended" },
    });
    expectOk(ok);
    for (const role of [undefined, "admin"])
      expectProblem(await callWithEnv(DEV_ON, "/v1/me", { headers: as(t.technician, role, t.tenantId) }), 403, "not_a_member");
  });

  it("is refused by a tenant object whose own environment has dev auth off", async () => {
    const tenantId = await createTenant("devrolesplit");
    const admin = uniqueId("admin");
    const res = await call(`/v1/platform/tenants/${tenantId}/members`, {
      token: await operatorToken(),
      body: { subject: admin, role: "admin", issuer: DEV_ISSUER },
    });
    expect(res.status, res.text).toBe(201);
    expectProblem(await callWithEnv(DEV_ON, "/v1/me", { headers: as(admin) }), 403, "not_a_member");
  });
});

describe("dev auth with x-user-role", () => {
  it("takes the role as given, over the member's own (local use only: it trusts the header)", async () => {
    const t = await devTenant();
    const down = expectOk(await callWithEnv(DEV_ON, "/v1/me", { headers: as(t.admin, "auditor") }));
    expect(down).toMatchObject({ role: "auditor" });
    // Auditors read everything but provider keys.
    expectProblem(await callWithEnv(DEV_ON, "/v1/admin/provider-keys", { headers: as(t.admin, "auditor") }), 403, "forbidden");
    const up = expectOk(await callWithEnv(DEV_ON, "/v1/me", { headers: as(t.technician, "admin") }));
    expect(up).toMatchObject({ role: "admin" });
    expectOk(await callWithEnv(DEV_ON, "/v1/admin/audit?limit=1", { headers: as(t.technician, "admin") }));
  });

  it("is still ignored as identity when dev auth is off", async () => {
    const t = await devTenant();
    expectProblem(await call("/v1/me", { headers: as(t.admin) }), 401, "unauthenticated");
    expectProblem(await call("/v1/me", { headers: as(t.admin, "admin") }), 401, "unauthenticated");
  });
});
