import { MetricBatch, MetricsQuery, type MetricSample, type MetricsReport, type MetricsWindow } from "../../../../schemas/admin";
import { parseOr422 } from "../../../../schemas/errors";
import { BUCKET_MS, routeMetrics } from "../../data/metrics";
import { tasks } from "../../data/tasks";
import { requireMeta } from "../../guard";
import type { Runtime } from "../../runtime";

/**
 * `GET /v1/admin/metrics`: per-route counts, server errors, 429s and p50/p95 latency, in total
 * and over time (fixed steps, for every route or one), from the samples the router measures and
 * sends here in batches (it alone knows a request's route, status and time), and the background
 * queue's state.
 */
export function recordMetrics(rt: Runtime, batch: MetricSample[]): { recorded: number } {
  const samples = parseOr422(MetricBatch, batch);
  requireMeta(rt);
  rt.db.transaction(() => routeMetrics.record(rt.db, samples, Date.now()));
  return { recorded: samples.length };
}

/**
 * The window's steps: the last is the current (partial) step, aligned to the clock (5 minutes,
 * whole UTC hours), so a chart's bars stay put as time passes and a step is whole buckets.
 */
const WINDOWS: Record<MetricsWindow, { stepMs: number; steps: number }> = {
  hour: { stepMs: BUCKET_MS, steps: 12 },
  day: { stepMs: 3_600_000, steps: 24 },
};

/** Per-route counts, 5xx errors, 429s and p50/p95 latency over the last hour or day, the same per step, and the background queue. */
export function metricsReport(rt: Runtime, query: MetricsQuery): MetricsReport {
  const q = parseOr422(MetricsQuery, query);
  const { stepMs, steps } = WINDOWS[q.window];
  const fromMs = (Math.floor(Date.now() / stepMs) - (steps - 1)) * stepMs;
  const route = q.route ?? null;
  const { routes, points } = routeMetrics.window(rt.db, { fromMs, stepMs, steps, route });
  const counts = tasks.counts(rt.db);
  return {
    window: q.window,
    from: new Date(fromMs).toISOString(),
    routes,
    series: { route, stepSeconds: stepMs / 1000, points },
    tasks: { queued: counts.queued, running: counts.running, failed: counts.failed },
  };
}
