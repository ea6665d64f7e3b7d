import type { MetricPoint, MetricSample, MetricTotals, RouteMetrics } from "../../../schemas/admin";
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
  bucket: number;
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

interface Tally {
  count: number;
  errors: number;
  limited: number;
  histogram: number[];
}

const emptyTally = (): Tally => ({ count: 0, errors: 0, limited: 0, histogram: Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) });

/** The one merge of buckets (a route's window, a step of the series): counts add up, histograms slot by slot. */
function merge(into: Tally, r: Row, histogram: number[] | undefined): void {
  into.count += r.count;
  into.errors += r.errors;
  into.limited += r.limited;
  addHistogram(into.histogram, histogram);
}

function addHistogram(into: number[], add: readonly number[] | undefined): void {
  add?.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));
}

function totals(t: Tally): MetricTotals {
  return {
    count: t.count,
    errors: t.errors,
    rateLimited: t.limited,
    p50Ms: percentile(t.histogram, 0.5),
    p95Ms: percentile(t.histogram, 0.95),
  };
}

export const routeMetrics = {
  /** Adds a batch of samples (server errors count as errors, 429s as limited) and drops buckets older than a day. */
  record(db: Db, samples: MetricSample[], nowMs: number): void {
    const byKey = new Map<string, Tally & { bucket: number; route: string }>();
    for (const s of samples) {
      const bucket = Math.floor(s.at / BUCKET_MS);
      const key = `${bucket}|${s.route}`;
      const agg = byKey.get(key) ?? { bucket, route: s.route, ...emptyTally() };
      agg.count++;
      if (s.status >= 500) agg.errors++;
      if (s.status === 429) agg.limited++;
      agg.histogram[slot(s.ms)] = (agg.histogram[slot(s.ms)] ?? 0) + 1;
      byKey.set(key, agg);
    }
    for (const a of byKey.values()) {
      const held = db.one<Row>(`SELECT * FROM route_metrics WHERE bucket = ? AND route = ?`, a.bucket, a.route);
      if (held) addHistogram(a.histogram, parseStoredJson(Histogram, held.histogram));
      db.run(
        `INSERT INTO route_metrics (bucket, route, count, errors, limited, histogram) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(bucket, route) DO UPDATE SET count = count + excluded.count, errors = errors + excluded.errors,
           limited = limited + excluded.limited, histogram = excluded.histogram`,
        a.bucket,
        a.route,
        a.count,
        a.errors,
        a.limited,
        JSON.stringify(a.histogram),
      );
    }
    db.run(`DELETE FROM route_metrics WHERE bucket < ?`, Math.floor((nowMs - KEEP_MS) / BUCKET_MS));
  },

  /**
   * The `steps` steps of `stepMs` from `fromMs` (both whole buckets): per route, and per step for
   * `route` (null: every route), steps without requests included. One read of the buckets feeds
   * both, through the same merge, so the totals are exactly the sum of the steps.
   */
  window(
    db: Db,
    w: { fromMs: number; stepMs: number; steps: number; route: string | null },
  ): { routes: RouteMetrics[]; points: MetricPoint[] } {
    if (w.fromMs % BUCKET_MS !== 0 || w.stepMs % BUCKET_MS !== 0) throw new Error("metrics steps must be whole 5-minute buckets");
    const first = w.fromMs / BUCKET_MS;
    const perStep = w.stepMs / BUCKET_MS;
    const byRoute = new Map<string, Tally>();
    const bySteps = Array.from({ length: w.steps }, emptyTally);
    for (const r of db.iterate<Row>(
      `SELECT bucket, route, count, errors, limited, histogram FROM route_metrics WHERE bucket >= ? AND bucket < ?`,
      first,
      first + perStep * w.steps,
    )) {
      const histogram = parseStoredJson(Histogram, r.histogram);
      let total = byRoute.get(r.route);
      if (!total) byRoute.set(r.route, (total = emptyTally()));
      merge(total, r, histogram);
      const step = bySteps[Math.floor((r.bucket - first) / perStep)];
      if (step && (w.route === null || r.route === w.route)) merge(step, r, histogram);
    }
    return {
      routes: [...byRoute.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([route, t]) => ({ route, ...totals(t) })),
      points: bySteps.map((t, i) => ({ start: new Date(w.fromMs + i * w.stepMs).toISOString(), ...totals(t) })),
    };
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
