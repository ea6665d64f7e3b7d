import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { tenantObject } from "../helpers/storage";
import { keys, userToken } from "../helpers/tokens";
import { basicData, createTenant, ingestAs, operatorToken, tenantWithCast, uniqueId } from "../helpers/world";

describe("platform tenants", () => {
  it("creates a tenant (201), lists it, and refuses a duplicate id (409)", async () => {
    const token = await operatorToken();
    const id = uniqueId("plat");
    const created = await call("/v1/platform/tenants", { token, body: { id, name: "Plat Co", region: "eu" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id, name: "Plat Co", region: "eu", status: "active" });
    const list = await call("/v1/platform/tenants", { token });
    expect(list.body.tenants.map((t: { id: string }) => t.id)).toContain(id);
    const again = await call("/v1/platform/tenants", { token, body: { id, name: "Other", region: "us" } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("tenant_exists");
  });

  it("generates an id when none is given and validates the body", async () => {
    const token = await operatorToken();
    const created = await call("/v1/platform/tenants", { token, body: { name: "No Id Inc", region: "auto" } });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^t-[0-9a-f]{8}$/);
    for (const body of [
      { name: "x", region: "mars" },
      { id: "UPPER", name: "x", region: "us" },
      { name: "", region: "us" },
      { name: "x", region: "us", extra: 1 },
    ]) {
      const res = await call("/v1/platform/tenants", { token, body });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe("validation_failed");
    }
  });

  it("is for operators only", async () => {
    const cast = await tenantWithCast("platauth");
    const res = await call("/v1/platform/tenants", { token: cast.admin });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
    expect((await call(`/v1/platform/tenants/${cast.tenantId}/suspend`, { method: "POST", token: cast.admin })).status).toBe(403);
  });

  it("adds members (201) and changes an existing member's role (200), which takes effect on the next request", async () => {
    const tenantId = await createTenant("members");
    const token = await operatorToken();
    const subject = uniqueId("m");
    const add = await call(`/v1/platform/tenants/${tenantId}/members`, {
      token,
      body: { subject, role: "technician", issuer: keys.issuer },
    });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ subject, role: "technician", status: "active", issuer: keys.issuer });
    const user = await userToken(subject);
    expect((await call("/v1/admin/audit", { token: user })).status).toBe(403);
    const promote = await call(`/v1/platform/tenants/${tenantId}/members`, {
      token,
      body: { subject, role: "admin", issuer: keys.issuer },
    });
    expect(promote.status).toBe(200);
    expect((await call("/v1/admin/audit", { token: user })).status).toBe(200);
    const missing = await call(`/v1/platform/tenants/nope-${uniqueId("x")}/members`, { token, body: { subject, role: "admin" } });
    expect(missing.status).toBe(404);
  });

  it("validates a point-in-time restore, and says plainly that local workerd cannot do one", async () => {
    const cast = await tenantWithCast("pitr");
    const ops = await operatorToken();
    const restore = (body: unknown, tenant = cast.tenantId) => call(`/v1/platform/tenants/${tenant}/restore`, { token: ops, body });
    for (const at of [new Date(Date.now() + 60_000).toISOString(), new Date(Date.now() - 31 * 86_400_000).toISOString(), "yesterday"]) {
      expect((await restore({ at })).status, at).toBe(422);
    }
    expect((await restore({ at: new Date().toISOString(), extra: 1 })).status).toBe(422);
    expect((await restore({})).status).toBe(422);
    expect((await restore({ at: new Date().toISOString(), bookmark: "0000000000000000-00" })).status).toBe(422);
    expect((await restore({ bookmark: "'; DROP TABLE x" })).status).toBe(422);
    expect((await restore({ bookmark: "00000000-00000000-00000000-00000000000000000000000000000000" })).status).toBe(503);
    expect((await restore({ at: new Date().toISOString() }, "no-such-tenant")).status).toBe(404);
    expect(
      (await call(`/v1/platform/tenants/${cast.tenantId}/restore`, { token: cast.admin, body: { at: new Date().toISOString() } })).status,
    ).toBe(403);
    // workerd has no point-in-time recovery: 503 with the reason, and the tenant is untouched.
    const res = await restore({ at: new Date(Date.now() - 60_000).toISOString() });
    expect(res.status).toBe(503);
    expect(res.body.detail).toContain("point-in-time recovery is not available");
    expect((await call("/v1/me", { token: cast.admin })).status).toBe(200);
  });

  it("suspends (members get 403 tenant_suspended) and resumes", async () => {
    const cast = await tenantWithCast("suspend");
    const token = await operatorToken();
    const suspended = await call(`/v1/platform/tenants/${cast.tenantId}/suspend`, { method: "POST", token });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe("suspended");
    const refused = await call("/v1/jobs", { token: cast.admin });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("tenant_suspended");
    expect(refused.body.type).toContain("tenant-suspended");
    const listed = await call("/v1/platform/tenants", { token });
    expect(listed.body.tenants.find((t: { id: string }) => t.id === cast.tenantId).status).toBe("suspended");
    expect((await call(`/v1/platform/tenants/${cast.tenantId}/resume`, { method: "POST", token })).status).toBe(200);
    expect((await call("/v1/jobs", { token: cast.admin })).status).toBe(200);
  });

  it("deletes a tenant: wipes its storage and directory entries, returns a receipt, never reuses the id", async () => {
    const cast = await tenantWithCast("delete");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const upload = { id: "procedure", title: "Procedure", format: "text", text: "Isolate first." };
    expect((await call("/v1/admin/documents", { token: cast.admin, body: upload })).status).toBe(201);
    const token = await operatorToken();
    const receipt = await call(`/v1/platform/tenants/${cast.tenantId}`, { method: "DELETE", token });
    expect(receipt.status).toBe(200);
    expect(receipt.body).toMatchObject({
      tenantId: cast.tenantId,
      deletedBy: "http://127.0.0.1:" + keys.issuer.split(":").pop() + "|ops-1",
    });
    expect(receipt.body.counts).toEqual({ clients: 2, properties: 2, jobs: 2, notes: 4, events: 2, members: 6, documents: 1 });
    expect(receipt.body.auditHead).toMatch(/^[0-9a-f]{64}$/);

    // Members lose access at once; the directory no longer lists the tenant.
    const after = await call("/v1/jobs", { token: cast.admin });
    expect(after.status).toBe(403);
    expect(after.body.code).toBe("not_a_member");
    const list = await call("/v1/platform/tenants", { token });
    expect(list.body.tenants.map((t: { id: string }) => t.id)).not.toContain(cast.tenantId);
    // Deleting again is idempotent: the same receipt (and any interrupted wipe is finished).
    const again = await call(`/v1/platform/tenants/${cast.tenantId}`, { method: "DELETE", token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(receipt.body);
    expect((await call(`/v1/platform/tenants/never-${uniqueId("x")}`, { method: "DELETE", token })).status).toBe(404);
    const reuse = await call("/v1/platform/tenants", { token, body: { id: cast.tenantId, name: "again", region: "us" } });
    expect(reuse.status).toBe(409);

    // Storage is really gone, and stays gone although the id was called again above: no table
    // exists in the object (only partyserver's own name record may be re-created on a fetch).
    const tables = await runInDurableObject(tenantObject(cast.tenantId), async (_i, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").toArray(),
    );
    expect(tables.map((t) => t.name)).toEqual([]);
  });

  it("an object whose storage was wiped answers 404 at once, stays empty, and starts again when provisioned anew", async () => {
    // The same object instance throughout (no eviction between the calls): whatever it remembers
    // about its started storage must not outlive the wipe. The API never reuses a deleted id; the
    // object itself must still start cleanly on empty storage.
    const id = uniqueId("wipe");
    const stub = tenantObject(id);
    const caller = { issuer: keys.issuer, subject: "wipe-member", email: null, devRole: null, requestId: "r" };
    const member = { issuer: keys.issuer, subject: "wipe-member", role: "dispatcher" as const };
    expect(await stub.provision({ id, name: "Wipe Co", region: "us" }, "ops", "r1")).toMatchObject({ ok: true });
    expect(await stub.platformUpsertMember(member, "ops", "r2")).toMatchObject({ ok: true });
    expect(await stub.me(caller)).toMatchObject({ ok: true, value: { role: "dispatcher", tenant: { id } } });

    expect(await stub.destroy()).toMatchObject({ ok: true, value: { wiped: true } });
    expect(await stub.me(caller)).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await stub.jobContext(caller, "J1")).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await stub.platformUpsertMember(member, "ops", "r3")).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await stub.destroy()).toMatchObject({ ok: true, value: { wiped: false } });
    const tables = await runInDurableObject(stub, async (_i, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").toArray(),
    );
    expect(tables).toEqual([]);

    expect(await stub.provision({ id, name: "Wipe Co again", region: "us" }, "ops", "r4")).toMatchObject({
      ok: true,
      value: { name: "Wipe Co again", status: "active" },
    });
    expect(await stub.me(caller)).toMatchObject({ ok: false, error: { code: "not_a_member" } });
    expect(await stub.platformUpsertMember(member, "ops", "r5")).toMatchObject({ ok: true, value: { outcome: "inserted" } });
    expect(await stub.me(caller)).toMatchObject({ ok: true, value: { role: "dispatcher", tenant: { name: "Wipe Co again" } } });
  });
});
