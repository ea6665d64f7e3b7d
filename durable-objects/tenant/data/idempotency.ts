import type { Db } from "./db";

/** Stored first responses of `Idempotency-Key` calls, per caller, kept for a bounded time. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export const idempotency = {
  get(db: Db, principal: string, key: string, nowSeconds: number): { bodyHash: string; status: number; response: string } | null {
    const row = db.one<{ body_hash: string; status: number; response: string; created_at: number }>(
      `SELECT body_hash, status, response, created_at FROM idempotency_keys WHERE principal = ? AND key = ?`,
      principal,
      key,
    );
    if (!row || row.created_at < nowSeconds - IDEMPOTENCY_TTL_SECONDS) return null;
    return { bodyHash: row.body_hash, status: row.status, response: row.response };
  },
  put(db: Db, principal: string, key: string, bodyHash: string, status: number, response: string, nowSeconds: number): void {
    db.run(
      `INSERT INTO idempotency_keys (principal, key, body_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(principal, key) DO UPDATE SET body_hash = excluded.body_hash, status = excluded.status,
         response = excluded.response, created_at = excluded.created_at`,
      principal,
      key,
      bodyHash,
      status,
      response,
      nowSeconds,
    );
  },
  prune(db: Db, nowSeconds: number): void {
    db.run(`DELETE FROM idempotency_keys WHERE created_at < ?`, nowSeconds - IDEMPOTENCY_TTL_SECONDS);
  },
};
