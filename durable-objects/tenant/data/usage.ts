import type { Db } from "./db";

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
  since(db: Db, fromDay: string): { day: string; metric: string; value: number }[] {
    return db.all(`SELECT day, metric, value FROM usage_counters WHERE day >= ? ORDER BY day, metric`, fromDay);
  },
};
