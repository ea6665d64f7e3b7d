import type { MetricSample, RouteMetrics } from "../../../schemas/admin";
import { parseStoredJson, type Db } from "./db";
import { z } from "@hono/zod-openapi";

/**
 * Per-route request metrics in 5-minute buckets, kept for a day: counts, errors, 429s and a
 * latency histogram with fixed bounds, so a bucket is a few hundred bytes whatever the traffic
 * and the table holds at most 288 buckets × routes. Percentiles are read from the histogram:
 * the upper bound of the bucket the percentile falls in (an over-estimate of at most one step).
 */
export const BUCKET_MS = 5 * 60_000;
const KEEP_MS = 24 * 60 * 60_000;
/** Upper bounds in ms; the last bucket is everything slower. */
export const LATENCY_BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000];
const Histogram = z.array(z.number().int().min(0)).length(LATENCY_BOUNDS_MS.length + 1);

interface Row {
  route: string;
  count: number;
  errors: number;
  limited: number;
  histogram: string;
}

const slot = (ms: number) => {
  const i = LATENCY_BOUNDS_MS.findIndex((b) => ms <= b);
  return i === -1 ? LATENCY_BOUNDS_MS.length : i;
};

export const routeMetrics = {
  /** Adds a batch of samples (server errors count as errors, 429s as limited) and drops buckets older than a day. */
  record(db: Db, samples: MetricSample[], nowMs: number): void {
    const byKey = new Map<string, { bucket: number; route: string; count: number; errors: number; limited: number; histogram: number[] }>();
    for (const s of samples) {
      const bucket = Math.floor(s.at / BUCKET_MS);
      const key = `${bucket}|${s.route}`;
      const agg = byKey.get(key) ?? {
        bucket,
        route: s.route,
        count: 0,
        errors: 0,
        limited: 0,
        histogram: Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
      };
      agg.count++;
      if (s.status >= 500) agg.errors++;
      if (s.status === 429) agg.limited++;
      agg.histogram[slot(s.ms)] = (agg.histogram[slot(s.ms)] ?? 0) + 1;
      byKey.set(key, agg);
    }
    for (const a of byKey.values()) {
      const held = db.one<Row>(`SELECT * FROM route_metrics WHERE bucket = ? AND route = ?`, a.bucket, a.route);
      const before = held ? (parseStoredJson(Histogram, held.histogram) ?? null) : null;
      const histogram = a.histogram.map((n, i) => n + (before?.[i] ?? 0));
      db.run(
        `INSERT INTO route_metrics (bucket, route, count, errors, limited, histogram) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(bucket, route) DO UPDATE SET count = count + excluded.count, errors = errors + excluded.errors,
           limited = limited + excluded.limited, histogram = excluded.histogram`,
        a.bucket,
        a.route,
        a.count,
        a.errors,
        a.limited,
        JSON.stringify(histogram),
      );
    }
    db.run(`DELETE FROM route_metrics WHERE bucket < ?`, Math.floor((nowMs - KEEP_MS) / BUCKET_MS));
  },

  /** Per route since `fromMs`: totals and p50/p95 from the merged histograms. */
  since(db: Db, fromMs: number): RouteMetrics[] {
    const merged = new Map<string, { count: number; errors: number; limited: number; histogram: number[] }>();
    for (const r of db.iterate<Row>(
      `SELECT route, count, errors, limited, histogram FROM route_metrics WHERE bucket >= ?`,
      Math.floor(fromMs / BUCKET_MS),
    )) {
      const m = merged.get(r.route) ?? { count: 0, errors: 0, limited: 0, histogram: Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) };
      m.count += r.count;
      m.errors += r.errors;
      m.limited += r.limited;
      const h = parseStoredJson(Histogram, r.histogram);
      if (h) h.forEach((n, i) => (m.histogram[i] = (m.histogram[i] ?? 0) + n));
      merged.set(r.route, m);
    }
    return [...merged.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, m]) => ({
        route,
        count: m.count,
        errors: m.errors,
        rateLimited: m.limited,
        p50Ms: percentile(m.histogram, 0.5),
        p95Ms: percentile(m.histogram, 0.95),
      }));
  },
};

function percentile(histogram: number[], q: number): number | null {
  const total = histogram.reduce((n, k) => n + k, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    if (seen >= q * total) return LATENCY_BOUNDS_MS[i] ?? LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] ?? null;
  }
  return null;
}
