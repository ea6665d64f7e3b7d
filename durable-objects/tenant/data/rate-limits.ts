import type { Db } from "./db";

/**
 * Fixed-window counters (one minute) kept in the tenant's SQLite. Accepted calls are written
 * through; a call over the limit is refused from the in-memory copy without writing anything
 * (the counter is read from SQLite once per window), so a flood past the limit cannot grow the
 * tenant's write load.
 */
export const WINDOW_SECONDS = 60;

interface Counter {
  windowStart: number;
  count: number;
}

export class RateCounters {
  readonly #db: Db;
  readonly #cache = new Map<string, Counter>();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Current count for `key` in the window containing `nowSeconds`. */
  peek(key: string, nowSeconds: number): Counter {
    const windowStart = nowSeconds - (nowSeconds % WINDOW_SECONDS);
    let counter = this.#cache.get(key);
    if (!counter || counter.windowStart !== windowStart) {
      const row = this.#db.one<{ window_start: number; count: number }>(`SELECT window_start, count FROM rate_counters WHERE key = ?`, key);
      counter = { windowStart, count: row && row.window_start === windowStart ? row.count : 0 };
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(key, counter);
    }
    return counter;
  }

  /** Adds `cost` to the counter and persists it. */
  add(key: string, counter: Counter, cost: number): void {
    counter.count += cost;
    this.#db.run(
      `INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET window_start = excluded.window_start, count = excluded.count`,
      key,
      counter.windowStart,
      counter.count,
    );
  }

  /** Deletes counters of past windows (bounded table). */
  prune(nowSeconds: number): void {
    this.#db.run(`DELETE FROM rate_counters WHERE window_start < ?`, nowSeconds - 2 * WINDOW_SECONDS);
  }
}
