import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { basicData, ingestAs, operatorToken, tenantWithCast, type Cast } from "../helpers/world";

/**
 * `Server-Timing` (W3C) on every response: the router's phases with durations, and the tenant
 * object's own SQL work, so a slow answer can be explained from outside.
 */

interface Metric {
  dur?: number;
  desc?: string;
}

/** Parses the header by the W3C grammar (`name;dur=…;desc="…"`, comma-separated); throws on anything else. */
function parseServerTiming(header: string | null): Map<string, Metric> {
  if (header === null) throw new Error("no Server-Timing header");
  const metrics = new Map<string, Metric>();
  const entry = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)((?:;(?:dur=\d+(?:\.\d+)?|desc="[^"\\]*"))*)$/;
  for (const raw of header.split(/,\s*/)) {
    const m = entry.exec(raw);
    if (!m) throw new Error(`malformed Server-Timing entry: ${raw}`);
    const metric: Metric = {};
    for (const param of (m[2] as string).split(";").slice(1)) {
      if (param.startsWith("dur=")) metric.dur = Number(param.slice(4));
      else metric.desc = param.slice(6, -1);
    }
    expect(metrics.has(m[1] as string), `duplicate metric ${m[1]}`).toBe(false);
    metrics.set(m[1] as string, metric);
  }
  return metrics;
}

/** `3 statements / 12 rows read / 0 written` → numbers. */
function sqlWork(desc: string | undefined): { statements: number; read: number; written: number } {
  const m = /^(\d+) statements \/ (\d+) rows read \/ (\d+) written$/.exec(desc ?? "");
  if (!m) throw new Error(`not a SQL work description: ${desc}`);
  return { statements: Number(m[1]), read: Number(m[2]), written: Number(m[3]) };
}

let cast: Cast;

beforeAll(async () => {
  cast = await tenantWithCast("timing");
  await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
});

describe("Server-Timing", () => {
  it("a public route carries the total only", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    const t = parseServerTiming(res.headers.get("server-timing"));
    expect([...t.keys()]).toEqual(["total"]);
    expect(t.get("total")?.dur).toBeGreaterThanOrEqual(0);
  });

  it("a member's read names every phase, and the object's SQL work", async () => {
    const res = await call("/v1/jobs/J1/context", { token: cast.dispatcher });
    expect(res.status).toBe(200);
    const t = parseServerTiming(res.headers.get("server-timing"));
    expect([...t.keys()]).toEqual(["auth", "tenant", "object", "guard", "queries", "total"]);
    for (const name of ["auth", "tenant", "object", "guard", "queries", "total"]) expect(t.get(name)?.dur, name).toBeGreaterThanOrEqual(0);
    expect(t.get("object")?.desc).toBe("1 call");
    // The guard reads the tenant, settings and the member (rate counters are written through at
    // most once a second, so it may write nothing); a context read reads the job, its client,
    // property, notes and events, and is audited, so it writes too.
    const guard = sqlWork(t.get("guard")?.desc);
    const queries = sqlWork(t.get("queries")?.desc);
    expect(guard.statements).toBeGreaterThan(0);
    expect(guard.read).toBeGreaterThan(0);
    expect(queries.statements).toBeGreaterThan(0);
    expect(queries.read).toBeGreaterThan(0);
    expect(queries.written).toBeGreaterThan(0); // the audit entry of the context read
    // The router's total includes every phase it timed.
    expect(t.get("total")?.dur).toBeGreaterThanOrEqual((t.get("object")?.dur ?? 0) + (t.get("auth")?.dur ?? 0) - 0.02);
  });

  it("counts only its own call's SQL, whatever ran before", async () => {
    const first = parseServerTiming((await call("/v1/jobs/J1", { token: cast.dispatcher })).headers.get("server-timing"));
    // Work in between (another caller's search) must not show up in the next call's counts.
    await call("/v1/search?q=compressor", { token: cast.admin });
    const second = parseServerTiming((await call("/v1/jobs/J1", { token: cast.dispatcher })).headers.get("server-timing"));
    expect(sqlWork(second.get("queries")?.desc)).toEqual(sqlWork(first.get("queries")?.desc));
  });

  it("a write reports the rows it wrote", async () => {
    const res = await call("/v1/jobs/J1/notes", { token: cast.dispatcher, body: { body: "Checked the door seals" } });
    expect(res.status).toBe(201);
    const queries = sqlWork(parseServerTiming(res.headers.get("server-timing")).get("queries")?.desc);
    // The note, its index rows (trigger) and the audit entry.
    expect(queries.written).toBeGreaterThanOrEqual(3);
  });

  it("errors carry it too: 401 with auth and total, 404 with the object's work", async () => {
    const unauthorised = await call("/v1/jobs", { token: "not-a-token" });
    expect(unauthorised.status).toBe(401);
    expect([...parseServerTiming(unauthorised.headers.get("server-timing")).keys()]).toEqual(["auth", "total"]);

    const missing = await call("/v1/jobs/NOPE", { token: cast.dispatcher });
    expect(missing.status).toBe(404);
    const t = parseServerTiming(missing.headers.get("server-timing"));
    expect(t.get("object")?.desc).toBe("1 call");
    expect(sqlWork(t.get("queries")?.desc).read).toBeGreaterThanOrEqual(0);
  });

  it("a streamed export and a platform call carry it", async () => {
    const exported = await call("/v1/admin/export", { token: cast.admin });
    expect(exported.status).toBe(200);
    expect(parseServerTiming(exported.headers.get("server-timing")).get("object")?.desc).toBe("1 call");

    const listed = await call("/v1/platform/tenants", { token: await operatorToken() });
    expect(listed.status).toBe(200);
    expect(parseServerTiming(listed.headers.get("server-timing")).has("total")).toBe(true);
  });

  it("the object times its own work, and it fits inside the router's object phase", async () => {
    // A thousand notes: the object's write takes milliseconds of its own time, its guard hardly any.
    const notes = Array.from({ length: 1_000 }, (_, k) => ({ id: `ST${k}`, jobId: "J2", body: `Reading ${k}: suction pressure nominal` }));
    const res = await call("/v1/ingest", { token: cast.dispatcher, body: { notes } });
    expect(res.status).toBe(200);
    const t = parseServerTiming(res.headers.get("server-timing"));
    const guard = t.get("guard")?.dur ?? NaN;
    const queries = t.get("queries")?.dur ?? NaN;
    expect(queries).toBeGreaterThan(0);
    expect(queries).toBeGreaterThan(guard);
    expect(sqlWork(t.get("queries")?.desc).written).toBeGreaterThanOrEqual(1_000);
    // Both clocks tick in whole milliseconds here.
    expect(t.get("object")?.dur).toBeGreaterThanOrEqual(guard + queries - 1);
  });
});
