import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { putSettings, untilRateWindowHasRoom } from "../helpers/settings";
import { tenantObject } from "../helpers/storage";
import { operatorToken, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

/**
 * Where a tenant's documents are not: the platform's routes and the shared library, a deleted
 * tenant's storage; and the tenant's own limits on who calls how often.
 */
const word = () => `zb${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;

let cast: Cast;
let operator: string;

beforeAll(async () => {
  cast = await tenantWithCast("docs-bounds");
  operator = await operatorToken();
});

describe("tenant documents, beyond their tenant", () => {
  it("are not shown by the platform's routes or the shared library", async () => {
    const w = word();
    const id = uniqueId("private");
    expectOk(
      await call("/v1/admin/documents", { token: cast.admin, body: { id, title: `Private ${w}`, format: "text", text: `The ${w} step.` } }),
      201,
    );
    // The operator is no member: the tenant's document routes refuse it, the library has no such document.
    expectProblem(await call(`/v1/documents/${id}`, { token: operator }), 403, "not_a_member");
    expectProblem(await call("/v1/documents", { token: operator }), 403, "not_a_member");
    expectProblem(await call(`/v1/platform/library/documents/${id}`, { token: operator }), 404, "not_found");
    expect(JSON.stringify(expectOk(await call("/v1/platform/library/documents", { token: operator })))).not.toContain(w);
    expectProblem(await call(`/v1/platform/library/documents/${id}`, { token: operator, method: "DELETE" }), 404, "not_found");
    // The tenant's own members do not find it in the shared library either.
    expectProblem(await call(`/v1/library/documents/${id}`, { token: cast.technician }), 404, "not_found");
    expect(expectOk(await call(`/v1/library/search?q=${w}`, { token: cast.technician })).hits).toEqual([]);
    expect(expectOk(await call(`/v1/library/search?q=${w}`, { token: operator })).hits).toEqual([]);
    // Nor does the platform's tenant listing carry it.
    expect(JSON.stringify(expectOk(await call("/v1/platform/tenants", { token: operator })))).not.toContain(w);
    expect(expectOk(await call(`/v1/documents/${id}`, { token: cast.technician })).title).toBe(`Private ${w}`);
  });

  it("go with the tenant: its deletion leaves no document table behind", async () => {
    const gone = await tenantWithCast("docs-gone");
    expectOk(
      await call("/v1/admin/documents", { token: gone.admin, body: { id: "manual", title: "M", format: "text", text: "Steps." } }),
      201,
    );
    const tablesOf = () =>
      runInDurableObject(tenantObject(gone.tenantId), async (_instance, state) =>
        state.storage.sql
          .exec("SELECT name FROM sqlite_master WHERE name LIKE 'kb\\_%' ESCAPE '\\'")
          .toArray()
          .map((r) => r.name),
      );
    expect(await tablesOf()).toEqual(expect.arrayContaining(["kb_documents", "kb_versions", "kb_chunks", "kb_chunks_fts"]));
    expect(await tablesOf()).not.toContain("kb_audit");
    expect((await call(`/v1/platform/tenants/${gone.tenantId}`, { token: operator, method: "DELETE" })).status).toBe(200);
    expect(await tablesOf()).toEqual([]);
    expectProblem(await call("/v1/documents/manual", { token: gone.admin }), 403, "not_a_member");
  });

  it("are rate limited like every tenant call: over the limit 429 with Retry-After, and nothing written", async () => {
    const limited = await tenantWithCast("docs-rate");
    await untilRateWindowHasRoom(20);
    await putSettings(limited.admin, limited.tenantId, { rateLimits: { tenantPerMinute: 1_000, userPerMinute: 3 } });
    // The settings PUT was the admin's first call of this window; two more pass.
    expectOk(
      await call("/v1/admin/documents", { token: limited.admin, body: { id: "first", title: "F", format: "text", text: "x" } }),
      201,
    );
    expectOk(await call("/v1/documents", { token: limited.admin }));
    const refused = await call("/v1/admin/documents", {
      token: limited.admin,
      body: { id: "second", title: "S", format: "text", text: "y" },
    });
    expectProblem(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expectProblem(await call("/v1/documents/first", { token: limited.admin }), 429, "rate_limited");
    // Another member still has its own budget, and the refused upload is not there.
    expectProblem(await call("/v1/documents/second", { token: limited.technician }), 404, "not_found");
    expect(expectOk(await call("/v1/documents", { token: limited.technician })).documents.map((d: { id: string }) => d.id)).toEqual([
      "first",
    ]);
  });
});
