import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { principalKey } from "../../schemas/identity";
import { call, type ApiResponse } from "../helpers/api";
import { putSettings, untilRateWindowHasRoom } from "../helpers/settings";
import { tenantObject } from "../helpers/storage";
import { keys } from "../helpers/tokens";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";

/**
 * Limits are set through the public API as the tenant's admin; that PUT costs the admin and the
 * tenant one request each, which the expected statuses account for. Each test first makes sure
 * its calls fall into one rate window, so the expectations are exact.
 */
describe("rate limits", () => {
  it("answers 429 with Retry-After and RateLimit headers past the user limit, while another tenant keeps answering", async () => {
    const a = await tenantWithCast("floodA");
    const b = await tenantWithCast("calmB");
    await ingestAs(a.dispatcher, a.tenantId, basicData(a));
    await ingestAs(b.dispatcher, b.tenantId, basicData(b));
    await untilRateWindowHasRoom();
    await putSettings(a.admin, a.tenantId, { rateLimits: { userPerMinute: 5 } });

    const responses: ApiResponse<any>[] = [];
    // The auditor has made no call yet this window, so exactly 5 are allowed.
    for (let i = 0; i < 8; i++) responses.push(await call("/v1/jobs/J1", { token: a.auditor }));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    responses.slice(0, 5).forEach((res, i) => {
      expect(res.headers.get("ratelimit-policy")).toBe('"user";q=5;w=60');
      expect(res.headers.get("ratelimit")).toMatch(new RegExp(`^"user";r=${4 - i};t=\\d+$`));
    });
    // The first refusal comes from the tenant object, the next ones from the edge's memory of it: same answer.
    for (const limited of responses.slice(5)) {
      expect(limited.body.code).toBe("rate_limited");
      expect(limited.body.detail).toContain("user rate limit of 5 requests per minute");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(limited.headers.get("ratelimit")).toMatch(/^"user";r=0;t=\d+$/);
      expect(limited.headers.get("content-type")).toContain("application/problem+json");
    }

    // Another user of the same tenant still has budget (the admin's PUT was 1 of its 5); tenant B is untouched.
    const admin = await call("/v1/jobs/J1", { token: a.admin });
    expect(admin.status).toBe(200);
    expect(admin.headers.get("ratelimit")).toMatch(/^"user";r=3;t=\d+$/);
    for (let i = 0; i < 10; i++) expect((await call("/v1/jobs/J1", { token: b.dispatcher })).status).toBe(200);
  });

  it("applies the tenant-wide limit across users", async () => {
    const a = await tenantWithCast("floodT");
    await untilRateWindowHasRoom();
    const view = await putSettings(a.admin, a.tenantId, { rateLimits: { tenantPerMinute: 4 } });
    expect(view.rateLimits.tenantPerMinute).toBe(4);
    // The PUT was the tenant's first request of the window, so 3 of the 4 are left: every user's
    // own budget is untouched, yet the 4th call on is refused whoever makes it.
    const tokens = [a.admin, a.dispatcher, a.auditor, a.technician, a.admin, a.dispatcher];
    const responses: ApiResponse<any>[] = [];
    for (const token of tokens) responses.push(await call("/v1/jobs", { token }));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429]);
    const limited = await call("/v1/jobs", { token: a.auditor });
    for (const res of [...responses.slice(3), limited]) {
      expect(res.status).toBe(429);
      expect(res.body.code).toBe("rate_limited");
      expect(res.body.detail).toContain("tenant rate limit of 4 requests per minute");
      expect(res.headers.get("ratelimit")).toMatch(/^"tenant";r=0;t=\d+$/);
    }
  });

  it("refuses without writing: a flood does not grow the counters past the limit", async () => {
    const a = await tenantWithCast("floodW");
    await untilRateWindowHasRoom();
    await putSettings(a.admin, a.tenantId, { rateLimits: { userPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await call("/v1/jobs", { token: a.dispatcher })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);

    const counts = await runInDurableObject(tenantObject(a.tenantId), async (_i, state) =>
      state.storage.sql
        .exec<{ key: string; count: number }>("SELECT key, count FROM rate_counters WHERE key LIKE 'user:%' ORDER BY key")
        .toArray(),
    );
    const user = (subject: string) => `user:${principalKey({ issuer: keys.issuer, subject })}`;
    // The admin's one PUT, and the dispatcher's 3 accepted calls: the 17 refusals wrote nothing.
    expect(counts.map((row) => ({ key: row.key, count: Number(row.count) })).sort((x, y) => x.key.localeCompare(y.key))).toEqual(
      [
        { key: user(a.subjects.admin), count: 1 },
        { key: user(a.subjects.dispatcher), count: 3 },
      ].sort((x, y) => x.key.localeCompare(y.key)),
    );
  });
});
