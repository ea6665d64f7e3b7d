import { describe, expect, it } from "vitest";
import { DEMO_TODAY, demoData } from "../../scripts/demo-data.mjs";
import { call } from "../helpers/api";
import { loadDemoTenant } from "../helpers/demo";

/**
 * The `npm start` demo has a believable history: every note and event is dated along its job's
 * history (September to December 2026, relative to the demo's "today"), never the seeding time,
 * and the API returns those dates (notes' `createdAt`, events' `at`, the evidence's `at`).
 * Jobs, clients and properties carry no time of their own in the ingest contract, so their
 * `updatedAt` is when they were loaded.
 */
const FIRST_DAY = "2026-09-01";
const LAST_DAY = "2026-12-19";

describe("the demo data", () => {
  it("dates every note and event between September and December 2026, over at least three months", () => {
    for (const tenant of demoData().tenants) {
      const dates = [...tenant.data.notes.map((n) => n.createdAt), ...tenant.data.events.map((e) => e.at)];
      expect(
        dates.every((d) => typeof d === "string" && d >= FIRST_DAY && d < LAST_DAY),
        tenant.id,
      ).toBe(true);
      const months = new Set(dates.map((d) => (d as string).slice(0, 7)));
      expect(months.size, tenant.id).toBeGreaterThanOrEqual(3);
      // Nothing that happened after the demo's today, except bookings of upcoming visits made before it.
      const jobsAfterToday = new Set(tenant.data.jobs.filter((j) => (j.scheduledStart ?? "") > `${DEMO_TODAY}T23:59`).map((j) => j.id));
      for (const e of tenant.data.events) if (!jobsAfterToday.has(e.jobId)) expect(e.at < `${DEMO_TODAY}T23:59`, e.id).toBe(true);
    }
  });

  it("keeps those dates through the API: a job's context shows its notes and events when they happened", async () => {
    const { cast } = await loadDemoTenant("acme-hvac");
    const res = await call("/v1/jobs/J-3034/context", { token: cast.dispatcher, tenant: cast.tenantId });
    expect(res.status, res.text).toBe(200);
    const dated = (res.body.evidence as { kind: string; at: string }[]).filter((e) => e.kind === "note" || e.kind === "event");
    expect(dated.length).toBeGreaterThan(4);
    for (const e of dated) expect(e.at >= FIRST_DAY && e.at < LAST_DAY, JSON.stringify(e)).toBe(true);
    expect(new Set(dated.map((e) => e.at.slice(0, 7))).size).toBeGreaterThanOrEqual(2);
  });
});
