import type { Db } from "./db";

/**
 * Finished answers streamed over a socket, kept a few minutes so a client that reconnects (even
 * after the object was evicted) can resume one. One row per answer: its deltas as a JSON array
 * and its outcome (the answer frame or the error frame) as JSON, both parsed when read back.
 * Never written in metadata-only data mode (the caller decides).
 */
export const STREAM_RETENTION_MS = 10 * 60 * 1000;

export interface StoredStream {
  deltas: string;
  outcome: string;
  updatedAt: number;
}

export const streams = {
  put(db: Db, principal: string, id: string, deltas: string, outcome: string, nowMs: number): void {
    db.run(
      `INSERT INTO realtime_streams (principal, id, deltas, outcome, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(principal, id) DO UPDATE SET deltas = excluded.deltas, outcome = excluded.outcome, updated_at = excluded.updated_at`,
      principal,
      id,
      deltas,
      outcome,
      nowMs,
    );
  },

  get(db: Db, principal: string, id: string, nowMs: number): StoredStream | null {
    const row = db.one<{ deltas: string; outcome: string; updated_at: number }>(
      `SELECT deltas, outcome, updated_at FROM realtime_streams WHERE principal = ? AND id = ? AND updated_at > ?`,
      principal,
      id,
      nowMs - STREAM_RETENTION_MS,
    );
    return row ? { deltas: row.deltas, outcome: row.outcome, updatedAt: row.updated_at } : null;
  },

  /** Forgets a stored answer (its id is being reused for a new ask). */
  remove(db: Db, principal: string, id: string): void {
    db.run(`DELETE FROM realtime_streams WHERE principal = ? AND id = ?`, principal, id);
  },

  /** Deletes answers older than the retention window. */
  purge(db: Db, nowMs: number): number {
    return db.run(`DELETE FROM realtime_streams WHERE updated_at <= ?`, nowMs - STREAM_RETENTION_MS);
  },

  /** Everything, for tenant deletion and metadata-only switches (not used per request). */
  clear(db: Db): void {
    db.run(`DELETE FROM realtime_streams`);
  },
};
