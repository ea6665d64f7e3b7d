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
  /** When this counter was last written to SQLite (ms). */
  persistedAt: number;
}

/** Counters are written through at most this often (and always when they reach their limit). */
export const PERSIST_INTERVAL_MS = 1_000;

export class RateCounters {
  readonly #db: Db;
  readonly #cache = new Map<string, Counter>();
  #prunedWindow = 0;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Current count for `key` in the window containing `nowSeconds`. */
  peek(key: string, nowSeconds: number): Counter {
    const windowStart = nowSeconds - (nowSeconds % WINDOW_SECONDS);
    let counter = this.#cache.get(key);
    if (!counter || counter.windowStart !== windowStart) {
      const row = this.#db.one<{ window_start: number; count: number }>(`SELECT window_start, count FROM rate_counters WHERE key = ?`, key);
      counter = { windowStart, count: row && row.window_start === windowStart ? row.count : 0, persistedAt: 0 };
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(key, counter);
    }
    return counter;
  }

  /**
   * Adds `cost` to the counter. It is persisted at most once per PERSIST_INTERVAL_MS, and always
   * when it reaches `limit`, so a refusal survives an eviction; an eviction between writes loses
   * at most a second of counts (the window is a minute).
   */
  add(key: string, counter: Counter, cost: number, limit: number): void {
    counter.count += cost;
    const now = Date.now();
    if (now - counter.persistedAt < PERSIST_INTERVAL_MS && counter.count < limit) return;
    counter.persistedAt = now;
    this.#db.run(
      `INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET window_start = excluded.window_start, count = excluded.count`,
      key,
      counter.windowStart,
      counter.count,
    );
  }

  /** Deletes counters of past windows (bounded table); runs at most once per window. */
  prune(nowSeconds: number): void {
    const windowStart = nowSeconds - (nowSeconds % WINDOW_SECONDS);
    if (windowStart === this.#prunedWindow) return;
    this.#prunedWindow = windowStart;
    this.#db.run(`DELETE FROM rate_counters WHERE window_start < ?`, nowSeconds - 2 * WINDOW_SECONDS);
  }
}
