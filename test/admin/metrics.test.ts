import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectOk, expectProblem, expectValidationAt } from "../helpers/expect-api";
import { tenantObject } from "../helpers/storage";
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

/** The series over time: samples recorded at known times, as the router's batches record them. */

const MINUTE = 60_000;
const STEP = 5 * MINUTE;
const HOUR = 60 * MINUTE;
const JOB = "GET /v1/jobs/:id";
const LIST = "GET /v1/jobs";
const INGEST = "POST /v1/ingest";
const METRICS = "GET /v1/admin/metrics";

type Point = { start: string; count: number; errors: number; rateLimited: number; p50Ms: number | null; p95Ms: number | null };
type Report = {
  window: string;
  from: string;
  routes: ({ route: string } & Omit<Point, "start">)[];
  series: { route: string | null; stepSeconds: number; points: Point[] };
};

const empty = { count: 0, errors: 0, rateLimited: 0, p50Ms: null, p95Ms: null };

/** The router's batch (src/tenancy/metrics.ts `flushMetrics`), sent to the tenant's object as the router sends it. */
async function record(tenantId: string, samples: { route: string; status: number; ms: number; at: number }[]) {
  const result = await tenantObject(tenantId).recordMetrics(samples);
  expect(result).toMatchObject({ ok: true, value: { recorded: samples.length } });
}

async function report(token: string, query: string): Promise<Report> {
  return expectOk(await call(`/v1/admin/metrics?${query}`, { token }));
}

/**
 * The first moment of a 5-minute step with at least 15 s of it left, so the samples below and the
 * reports that read them fall in the same steps (the steps follow the clock).
 */
async function clearOfStepEnd(): Promise<number> {
  const left = STEP - (Date.now() % STEP);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return Date.now();
}

const byRoute = (r: Report) => new Map(r.routes.map(({ route, ...totals }) => [route, totals]));
const sum = (points: Point[], field: "count" | "errors" | "rateLimited") => points.reduce((n, p) => n + p[field], 0);

describe("metrics over time", () => {
  it("hour: 12 steps of 5 minutes, empty ones included, with counts, errors, 429s and percentiles per step", async () => {
    const cast = await tenantWithCast("metrics-hour");
    const now = await clearOfStepEnd();
    const step0 = Math.floor(now / STEP) * STEP; // the current step
    const first = step0 - 11 * STEP;
    await record(cast.tenantId, [
      // The current step, from its first millisecond.
      { route: JOB, status: 200, ms: 3, at: step0 },
      { route: JOB, status: 200, ms: 3, at: step0 + 1 },
      { route: JOB, status: 503, ms: 150, at: step0 },
      // The step before, to its last millisecond.
      { route: LIST, status: 429, ms: 0.5, at: step0 - 1 },
      { route: LIST, status: 429, ms: 0.5, at: step0 - STEP },
      { route: LIST, status: 200, ms: 40, at: step0 - 1 },
      // Two routes in one step.
      { route: JOB, status: 200, ms: 10, at: first + 3 * STEP + 1_000 },
      { route: LIST, status: 200, ms: 10, at: first + 3 * STEP },
      { route: LIST, status: 200, ms: 9, at: first + 3 * STEP + 2_000 },
      { route: LIST, status: 200, ms: 7, at: first + 4 * STEP - 1 },
      // The oldest step, and the bucket just before it: kept (a day is), but not in this window.
      { route: JOB, status: 200, ms: 700, at: first },
      { route: LIST, status: 500, ms: 20_000, at: first - 1 },
    ]);

    const all = await report(cast.auditor, "window=hour");
    expect(all.window).toBe("hour");
    expect(all.from).toBe(new Date(first).toISOString());
    expect(all.series.route).toBeNull();
    expect(all.series.stepSeconds).toBe(300);
    expect(all.series.points.map((p) => p.start)).toEqual(Array.from({ length: 12 }, (_, i) => new Date(first + i * STEP).toISOString()));
    const expected: Omit<Point, "start">[] = Array.from({ length: 12 }, () => empty);
    expected[0] = { count: 1, errors: 0, rateLimited: 0, p50Ms: 1_000, p95Ms: 1_000 };
    expected[3] = { count: 4, errors: 0, rateLimited: 0, p50Ms: 10, p95Ms: 10 };
    expected[10] = { count: 3, errors: 0, rateLimited: 2, p50Ms: 1, p95Ms: 50 };
    expected[11] = { count: 3, errors: 1, rateLimited: 0, p50Ms: 5, p95Ms: 200 };
    expect(all.series.points.map(({ start: _, ...totals }) => totals)).toEqual(expected);

    // The totals count the same buckets as the series (the one before the window in neither).
    expect(all.routes).toEqual([
      { route: LIST, count: 6, errors: 0, rateLimited: 2, p50Ms: 10, p95Ms: 50 },
      { route: JOB, count: 5, errors: 1, rateLimited: 0, p50Ms: 10, p95Ms: 1_000 },
    ]);

    // One route: its steps only; the totals stay every route's.
    const job = await report(cast.auditor, `window=hour&route=${encodeURIComponent(JOB)}`);
    expect(job.series.route).toBe(JOB);
    expect(job.series.points.map((p) => p.start)).toEqual(all.series.points.map((p) => p.start));
    const jobExpected: Omit<Point, "start">[] = Array.from({ length: 12 }, () => empty);
    jobExpected[0] = { count: 1, errors: 0, rateLimited: 0, p50Ms: 1_000, p95Ms: 1_000 };
    jobExpected[3] = { count: 1, errors: 0, rateLimited: 0, p50Ms: 10, p95Ms: 10 };
    jobExpected[11] = { count: 3, errors: 1, rateLimited: 0, p50Ms: 5, p95Ms: 200 };
    expect(job.series.points.map(({ start: _, ...totals }) => totals)).toEqual(jobExpected);
    expect(byRoute(job).get(LIST)).toEqual({ count: 6, errors: 0, rateLimited: 2, p50Ms: 10, p95Ms: 50 });
    // The first report's own request is counted now, in the current step of the totals.
    expect(byRoute(job).get(METRICS)).toMatchObject({ count: 1, errors: 0 });

    // An unknown route is a series of empty steps, not an error.
    const unknown = await report(cast.auditor, `window=hour&route=${encodeURIComponent("GET /v1/nothing-here")}`);
    expect(unknown.series.route).toBe("GET /v1/nothing-here");
    expect(unknown.series.points).toHaveLength(12);
    expect(unknown.series.points.map(({ start: _, ...totals }) => totals)).toEqual(Array.from({ length: 12 }, () => empty));

    // Every route's series sums to the totals (the reports read so far are in the current step).
    const again = await report(cast.admin, "window=hour");
    for (const field of ["count", "errors", "rateLimited"] as const)
      expect(sum(again.series.points, field)).toBe(again.routes.reduce((n, r) => n + r[field], 0));
    expect(again.series.points[11]?.count).toBe(3 + (byRoute(again).get(METRICS)?.count ?? 0));
  });

  it("day: 24 steps of a whole hour, merging the 5-minute buckets and their histograms", async () => {
    const cast = await tenantWithCast("metrics-day");
    const now = await clearOfStepEnd();
    const hour0 = Math.floor(now / HOUR) * HOUR; // the current hour
    const first = hour0 - 23 * HOUR;
    await record(cast.tenantId, [
      // The hour before this one, in its first and last buckets.
      { route: INGEST, status: 200, ms: 1, at: hour0 - HOUR },
      { route: INGEST, status: 429, ms: 2, at: hour0 - 1 },
      { route: INGEST, status: 503, ms: 700, at: hour0 - 1 },
      { route: JOB, status: 200, ms: 30, at: hour0 - 30 * MINUTE },
      // The oldest hour, and the millisecond before it (not in the window, whether still kept or not).
      { route: INGEST, status: 200, ms: 20, at: first },
      { route: INGEST, status: 500, ms: 5, at: first - 1 },
    ]);

    const all = await report(cast.auditor, "window=day");
    expect(all.window).toBe("day");
    expect(all.from).toBe(new Date(first).toISOString());
    expect(all.series.stepSeconds).toBe(3_600);
    expect(all.series.points.map((p) => p.start)).toEqual(Array.from({ length: 24 }, (_, i) => new Date(first + i * HOUR).toISOString()));
    const expected: Omit<Point, "start">[] = Array.from({ length: 24 }, () => empty);
    expected[0] = { count: 1, errors: 0, rateLimited: 0, p50Ms: 20, p95Ms: 20 };
    expected[22] = { count: 4, errors: 1, rateLimited: 1, p50Ms: 2, p95Ms: 1_000 };
    expect(all.series.points.map(({ start: _, ...totals }) => totals)).toEqual(expected);
    expect(all.routes).toEqual([
      { route: JOB, count: 1, errors: 0, rateLimited: 0, p50Ms: 50, p95Ms: 50 },
      { route: INGEST, count: 4, errors: 1, rateLimited: 1, p50Ms: 2, p95Ms: 1_000 },
    ]);

    const ingest = await report(cast.auditor, `window=day&route=${encodeURIComponent(INGEST)}`);
    expect(ingest.series.points[22]).toMatchObject({ count: 3, errors: 1, rateLimited: 1, p50Ms: 2, p95Ms: 1_000 });
    expect(sum(ingest.series.points, "count")).toBe(4);

    // The hour window of the same samples: 12 steps, only what is in the last hour.
    const hour = await report(cast.auditor, "window=hour");
    expect(hour.series.points).toHaveLength(12);
    // At most the last hour's two (the samples of an hour ago and of 23 hours ago are not in it).
    expect(hour.routes.find((r) => r.route === INGEST)?.count ?? 0).toBeLessThanOrEqual(2);
    expect(sum(hour.series.points, "count")).toBe(hour.routes.reduce((n, r) => n + r.count, 0));
  });

  it("bounds the route filter at 120 characters (422, nothing read) and takes one of exactly 120", async () => {
    const cast = await tenantWithCast("metrics-bound");
    const at120 = `GET /v1/${"x".repeat(112)}`;
    expect(at120).toHaveLength(120);
    const ok = await report(cast.admin, `route=${encodeURIComponent(at120)}`);
    expect(ok.series).toMatchObject({ route: at120, stepSeconds: 300 });
    expectValidationAt(await call(`/v1/admin/metrics?route=${encodeURIComponent(`${at120}x`)}`, { token: cast.admin }), "route");
    expectValidationAt(await call("/v1/admin/metrics?route=", { token: cast.admin }), "route");
    expectValidationAt(await call("/v1/admin/metrics?window=hour&route=a&route=b", { token: cast.admin }), "route");
    expectProblem(await call(`/v1/admin/metrics?route=${encodeURIComponent(JOB)}`, { token: cast.dispatcher }), 403, "forbidden");
  });
});
