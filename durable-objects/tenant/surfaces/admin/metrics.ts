import { MetricBatch, MetricsQuery, type MetricSample, type MetricsReport } from "../../../../schemas/admin";
import { parseOr422 } from "../../../../schemas/errors";
import { routeMetrics } from "../../data/metrics";
import { tasks } from "../../data/tasks";
import { requireMeta } from "../../guard";
import type { Runtime } from "../../runtime";

/**
 * `GET /v1/admin/metrics`: per-route counts, server errors, 429s and p50/p95 latency, from the
 * samples the router measures and sends here in batches (it alone knows a request's route,
 * status and time), and the background queue's state.
 */
export function recordMetrics(rt: Runtime, batch: MetricSample[]): { recorded: number } {
  const samples = parseOr422(MetricBatch, batch);
  requireMeta(rt);
  rt.db.transaction(() => routeMetrics.record(rt.db, samples, Date.now()));
  return { recorded: samples.length };
}

/** Per-route counts, 5xx errors, 429s and p50/p95 latency over the last hour or day, and the background queue. */
export function metricsReport(rt: Runtime, query: MetricsQuery): MetricsReport {
  const q = parseOr422(MetricsQuery, query);
  const from = Date.now() - (q.window === "hour" ? 3_600_000 : 86_400_000);
  const counts = tasks.counts(rt.db);
  return {
    window: q.window,
    from: new Date(from).toISOString(),
    routes: routeMetrics.since(rt.db, from),
    tasks: { queued: counts.queued, running: counts.running, failed: counts.failed },
  };
}
