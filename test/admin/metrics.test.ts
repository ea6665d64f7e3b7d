import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";

/** Per-route metrics: measured by the router, kept (bounded) in the tenant's object. */

async function metricsFor(token: string, until: (routes: Map<string, Record<string, number | null>>) => boolean) {
  for (let i = 0; i < 50; i++) {
    const report = expectOk(await call("/v1/admin/metrics?window=hour", { token }));
    const routes = new Map<string, Record<string, number | null>>(report.routes.map((r: { route: string }) => [r.route, r]));
    if (until(routes)) return { report, routes };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("metrics never showed the expected routes");
}

describe("metrics", () => {
  it("counts requests per route pattern, with 429s and latency percentiles", async () => {
    const cast = await tenantWithCast("metrics");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    expectProblem(await call("/v1/admin/metrics", { token: cast.dispatcher }), 403, "forbidden");
    expectProblem(await call("/v1/admin/metrics?window=week", { token: cast.admin }), 422, "validation_failed");
    for (let i = 0; i < 30; i++) expectOk(await call(`/v1/jobs/J${(i % 2) + 1}`, { token: cast.dispatcher }));
    for (let i = 0; i < 10; i++) expectProblem(await call("/v1/jobs/NOPE", { token: cast.dispatcher }), 404, "not_found");
    expectOk(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: { rateLimits: { userPerMinute: 2 } } }));
    for (let i = 0; i < 20; i++) await call("/v1/jobs", { token: cast.technician });
    // Back to the defaults (the admin's second call this minute), so the polling below is not limited.
    expectOk(await call("/v1/admin/settings", { method: "PUT", token: cast.admin, body: {} }));
    const { report, routes } = await metricsFor(cast.auditor, (r) => (r.get("GET /v1/jobs")?.rateLimited ?? 0) > 0);
    expect(report.window).toBe("hour");
    // Ids never become route names: one pattern for J1, J2 and NOPE.
    const byId = routes.get("GET /v1/jobs/:id");
    expect(byId).toMatchObject({ count: 40, errors: 0, rateLimited: 0 });
    expect(byId?.p50Ms).toEqual(expect.any(Number));
    expect(Number(byId?.p95Ms)).toBeGreaterThanOrEqual(Number(byId?.p50Ms));
    expect([...routes.keys()].some((r) => r.includes("J1") || r.includes("NOPE"))).toBe(false);
    const list = routes.get("GET /v1/jobs");
    expect(list?.rateLimited).toBeGreaterThan(0);
    expect(report.tasks).toEqual({ queued: expect.any(Number), running: expect.any(Number), failed: 0 });
  });
});
