import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../durable-objects/tenant/data/migrations";
import { DEMO_SCHEMA_VERSION, DEMO_TODAY, demoData } from "../../scripts/demo-data.mjs";
import { call } from "../helpers/api";
import { demoFile, ingestDemoTenant, loadDemoTenant, type DemoTenant } from "../helpers/demo";

/**
 * The `npm start` demo has a believable history, relative to the demo's fixed "today"
 * (DEMO_TODAY, 16 November 2026): clients became customers over the past years, properties were
 * added before anything happened at them, jobs were created over the past months when their call
 * came in (before their first note or event) and last changed at their last event; notes and
 * events are dated along the jobs' history. Nothing carries the seeding time. `npm start` loads
 * it as an import file (scripts/seed.mjs), and the API returns those times.
 */
const FIRST_DAY = "2026-09-01";
const LAST_DAY = "2026-12-19";
/** The end of the demo's today: nothing in its history happened later. */
const TODAY_END = `${DEMO_TODAY}T23:59:59.999Z`;
const month = (stamp: string) => stamp.slice(0, 7);
const ms = (stamp: string) => Date.parse(stamp);

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

  it("creates jobs over the past months, each before its notes and events, and updates it at its last event", () => {
    for (const tenant of demoData().tenants) {
      const { jobs, notes, events } = tenant.data;
      const created = jobs.map((j) => tenant.times.jobs[j.id]?.createdAt ?? "");
      expect(created.every((t) => t >= FIRST_DAY && t < TODAY_END)).toBe(true);
      expect(new Set(created.map(month)).size, tenant.id).toBeGreaterThanOrEqual(3);
      expect(ms(created.reduce((a, b) => (a > b ? a : b))) - ms(created.reduce((a, b) => (a < b ? a : b)))).toBeGreaterThan(
        45 * 86_400_000,
      );
      for (const j of jobs) {
        const { createdAt, updatedAt } = tenant.times.jobs[j.id] as { createdAt: string; updatedAt: string };
        const own = [
          ...notes.filter((n) => n.jobId === j.id).map((n) => n.createdAt as string),
          ...events.filter((e) => e.jobId === j.id).map((e) => e.at),
        ];
        expect(own.length, j.id).toBeGreaterThan(0);
        for (const t of own) expect(ms(t), `${j.id} created ${createdAt}, record at ${t}`).toBeGreaterThan(ms(createdAt));
        const lastEvent = Math.max(ms(createdAt), ...events.filter((e) => e.jobId === j.id).map((e) => ms(e.at)));
        expect(ms(updatedAt), j.id).toBe(lastEvent);
        expect(updatedAt <= TODAY_END, j.id).toBe(true);
      }
    }
  });

  it("creates clients before their properties, and both before every note and job that names them", () => {
    for (const tenant of demoData().tenants) {
      const { clients, properties, jobs, notes } = tenant.data;
      const job = (id: string) => ms(tenant.times.jobs[id]?.createdAt ?? "");
      for (const p of properties) {
        const t = tenant.times.properties[p.id] as { createdAt: string; updatedAt: string };
        expect(ms(t.createdAt), p.id).toBeGreaterThan(ms(tenant.times.clients[p.clientId]?.createdAt ?? ""));
        const later = [
          ...notes.filter((n) => n.propertyId === p.id).map((n) => ms(n.createdAt as string)),
          ...jobs.filter((j) => j.propertyId === p.id).map((j) => job(j.id)),
        ];
        for (const at of later) expect(ms(t.createdAt), p.id).toBeLessThan(at);
        expect(t.updatedAt >= t.createdAt && t.updatedAt < TODAY_END, p.id).toBe(true);
      }
      for (const c of clients) {
        const t = tenant.times.clients[c.id] as { createdAt: string; updatedAt: string };
        const later = [
          ...notes.filter((n) => n.clientId === c.id).map((n) => ms(n.createdAt as string)),
          ...jobs.filter((j) => j.clientId === c.id).map((j) => job(j.id)),
        ];
        for (const at of later) expect(ms(t.createdAt), c.id).toBeLessThan(at);
        expect(t.updatedAt >= t.createdAt && t.updatedAt < TODAY_END, c.id).toBe(true);
      }
      // Customers of years, not of one afternoon.
      const since = clients.map((c) => ms(tenant.times.clients[c.id]?.createdAt ?? "")).sort((a, b) => a - b);
      expect((since.at(-1) as number) - (since[0] as number), tenant.id).toBeGreaterThan(365 * 86_400_000);
    }
  });

  it("is the same data and the same import file on every start", async () => {
    const [first, second] = [demoData(), demoData()];
    expect(second).toEqual(first);
    for (const [i, tenant] of first.tenants.entries()) {
      const file = await demoFile(tenant);
      expect(await demoFile(second.tenants[i] as DemoTenant)).toBe(file);
      // No time from the clock: every instant in the file is on or before the demo's today, or a scheduled visit.
      const stamps = [...file.matchAll(/"(createdAt|updatedAt|at|exportedAt)":"([^"]+)"/g)].map((m) => m[2] as string);
      expect(stamps.length).toBeGreaterThan(500);
      for (const s of stamps) expect(s <= TODAY_END, s).toBe(true);
    }
    // An import refuses a file of a newer schema than the tenant object's.
    expect(DEMO_SCHEMA_VERSION).toBeLessThanOrEqual(SCHEMA_VERSION);
  });
});

type Line = { kind: string; data: Record<string, unknown> };

async function exportedRecords(cast: { admin: string; tenantId: string }): Promise<Line[]> {
  const res = await call("/v1/admin/export?encoding=identity", { token: cast.admin, tenant: cast.tenantId });
  expect(res.status, res.text).toBe(200);
  return res.text
    .split("\n")
    .filter((l) => l.startsWith('{"kind"'))
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => ["client", "property", "job", "note", "event"].includes(l.kind));
}

describe("the demo loaded as npm start loads it", () => {
  it("stores what an ingest of the same records stores, with the demo's times instead of the loading time", async () => {
    const [imported, ingested] = await Promise.all([loadDemoTenant("acme-hvac"), ingestDemoTenant("acme-hvac")]);
    const [a, b] = await Promise.all([exportedRecords(imported.cast), exportedRecords(ingested.cast)]);
    expect(a.length).toBe(
      ["clients", "properties", "jobs", "notes", "events"].reduce((n, k) => n + imported.demo.data[k as "jobs"].length, 0),
    );
    const timeless = (lines: Line[]) =>
      lines.map(({ kind, data }) => {
        const { createdAt, updatedAt: _updatedAt, ...rest } = data;
        // A note's createdAt is in the ingest contract; the other times are the loader's.
        return { kind, data: kind === "note" ? { ...rest, createdAt } : kind === "event" ? data : rest };
      });
    expect(timeless(a)).toEqual(timeless(b));
    // Ingest stamps jobs with the loading time; the import with the demo's.
    const times = imported.demo.times;
    for (const { kind, data } of a) {
      const expected = kind === "job" ? times.jobs : kind === "client" ? times.clients : kind === "property" ? times.properties : null;
      if (expected)
        expect({ createdAt: data.createdAt, updatedAt: data.updatedAt }, `${kind} ${data.id as string}`).toEqual(
          expected[data.id as string],
        );
    }
    const ingestedJob = b.find((l) => l.kind === "job")?.data as { createdAt: string };
    expect(ingestedJob.createdAt > TODAY_END).toBe(true);
  });

  it("answers a job, the job list and a job's context with the demo's times", async () => {
    const { cast, demo } = await loadDemoTenant("acme-hvac");
    const as = { token: cast.dispatcher, tenant: cast.tenantId };
    const times = demo.times;
    const job = await call("/v1/jobs/J-3034", as);
    expect(job.status, job.text).toBe(200);
    expect({ createdAt: job.body.createdAt, updatedAt: job.body.updatedAt }).toEqual(times.jobs["J-3034"]);
    expect(job.body.createdAt < job.body.updatedAt).toBe(true);

    const list = await call("/v1/jobs?limit=200", as);
    expect(list.status, list.text).toBe(200);
    const listed = list.body.jobs as { id: string; createdAt: string; updatedAt: string }[];
    expect(listed.length).toBe(demo.data.jobs.length);
    for (const j of listed) expect({ createdAt: j.createdAt, updatedAt: j.updatedAt }, j.id).toEqual(times.jobs[j.id]);
    expect(new Set(listed.map((j) => month(j.createdAt))).size).toBeGreaterThanOrEqual(3);

    const context = await call("/v1/jobs/J-3034/context", as);
    expect(context.status, context.text).toBe(200);
    const evidence = context.body.evidence as { ref: string; kind: string; at: string }[];
    const at = (ref: string) => evidence.find((e) => e.ref === ref)?.at;
    const j = demo.data.jobs.find((x) => x.id === "J-3034");
    expect(at("job:J-3034")).toBe(times.jobs["J-3034"]?.updatedAt);
    expect(at(`client:${j?.clientId}`)).toBe(times.clients[j?.clientId ?? ""]?.updatedAt);
    expect(at(`property:${j?.propertyId}`)).toBe(times.properties[j?.propertyId ?? ""]?.updatedAt);
    const dated = evidence.filter((e) => e.kind === "note" || e.kind === "event");
    expect(dated.length).toBeGreaterThan(4);
    for (const e of dated) expect(e.at >= FIRST_DAY && e.at < LAST_DAY, JSON.stringify(e)).toBe(true);
    expect(new Set(dated.map((e) => month(e.at))).size).toBeGreaterThanOrEqual(2);
    for (const e of evidence) expect(e.at <= TODAY_END, JSON.stringify(e)).toBe(true);
  });
});
