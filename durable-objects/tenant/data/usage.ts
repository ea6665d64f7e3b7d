import type { RecordData } from "../../../schemas/export";
import type { Db } from "./db";
import type { ExportPage } from "./rows";

/**
 * Usage counters per day and metric (`copilot.requests|<provider>`, …): one row per day, metric
 * and provider, so the table grows with days × providers, not with requests.
 */
export const usage = {
  add(db: Db, day: string, metric: string, delta: number): void {
    db.run(
      `INSERT INTO usage_counters (day, metric, value) VALUES (?, ?, ?)
       ON CONFLICT(day, metric) DO UPDATE SET value = value + excluded.value`,
      day,
      metric,
      delta,
    );
  },
  exportPage(db: Db, after: [string, string] | null, limit: number): ExportPage<RecordData<"usage">, [string, string]> {
    const [day, metric] = after ?? ["", ""];
    const rows = db.all<{ day: string; metric: string; value: number }>(
      `SELECT day, metric, value FROM usage_counters WHERE (day, metric) > (?, ?) ORDER BY day, metric LIMIT ?`,
      day,
      metric,
      limit,
    );
    const last = rows[rows.length - 1];
    return { rows, next: rows.length === limit && last ? [last.day, last.metric] : null };
  },
  since(db: Db, fromDay: string): { day: string; metric: string; value: number }[] {
    return db.all(`SELECT day, metric, value FROM usage_counters WHERE day >= ? ORDER BY day, metric`, fromDay);
  },
};
