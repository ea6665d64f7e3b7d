import type { EvidenceKind } from "../../../schemas/common";
import type { Db } from "./db";
import { RANK_TEXT_CHARS, type SearchRow } from "./search";

/**
 * Bookkeeping of the semantic index (migration v6): one row per full-text index row that has, or
 * should have, a vector in Vectorize. Triggers mark rows `pending` when a record is written (while
 * the switch is on) and `delete` when it is deleted; the embed queue (tasks/embed.ts) stores or
 * removes the vectors and records that here. `version` grows with every mark, so a step that read
 * a row before a newer write never records the older text as the current vector.
 */
export type VectorState = "pending" | "embedded" | "failed" | "delete";

/** An index row waiting for its vector, with what the full-text index holds for it (null: gone). */
export interface PendingVector {
  indexRow: number;
  version: number;
  attempts: number;
  vectorId: string | null;
  kind: EvidenceKind | null;
  /** The record's id (the index's `ref` column). */
  ref: string | null;
  job: string | null;
  scope: string | null;
  text: string | null;
}

export interface VectorMark {
  indexRow: number;
  version: number;
}

const PENDING = `SELECT v.index_row AS indexRow, v.version AS version, v.attempts AS attempts, v.vector_id AS vectorId, c.c2 AS kind, c.c3 AS ref,
  c.c4 AS job, c.c1 AS scope, substr(c.c0, 1, ?) AS text
  FROM vectors v LEFT JOIN search_fts_content c ON c.id = v.index_row
  WHERE v.state = 'pending' ORDER BY v.index_row LIMIT ?`;

/** Index rows of stored vectors, by vector id (a JSON array), as the full-text index holds them now. */
const ROWS_BY_VECTOR_ID = `SELECT v.vector_id AS vectorId, c.id AS rowid, c.c2 AS kind, c.c3 AS ref, c.c4 AS job, c.c5 AS at,
  c.c1 AS scope, substr(c.c0, 1, ${RANK_TEXT_CHARS}) AS text
  FROM vectors v JOIN search_fts_content c ON c.id = v.index_row
  WHERE v.vector_id IN (SELECT value FROM json_each(?)) AND v.state IN ('embedded', 'pending')`;

export const semanticSwitch = {
  get(db: Db): boolean {
    return (db.one<{ enabled: number }>(`SELECT enabled FROM semantic_switch WHERE id = 1`)?.enabled ?? 0) === 1;
  },
  set(db: Db, enabled: boolean): void {
    db.run(`UPDATE semantic_switch SET enabled = ? WHERE id = 1`, enabled ? 1 : 0);
  },
};

export const vectors = {
  /** Whether the queue has anything to do: vectors to store or to remove. */
  hasWork(db: Db): boolean {
    return db.one(`SELECT 1 AS x FROM vectors WHERE state IN ('pending', 'delete') LIMIT 1`) !== null;
  },
  pending(db: Db, limit: number, textChars: number): PendingVector[] {
    return db.all<PendingVector>(PENDING, textChars, limit);
  },
  deletions(db: Db, limit: number): (VectorMark & { vectorId: string })[] {
    return db.all(
      `SELECT index_row AS indexRow, version, vector_id AS vectorId FROM vectors WHERE state = 'delete' ORDER BY index_row LIMIT ?`,
      limit,
    );
  },
  /**
   * The vector is stored. A row written again since it was read keeps its newer version (it stays
   * pending) but learns the id; a row whose record was deleted meanwhile comes back as `delete`,
   * so the vector just stored is removed too instead of being left behind unlisted.
   */
  markEmbedded(db: Db, row: VectorMark, vectorId: string): void {
    const current = db.run(
      `UPDATE vectors SET state = 'embedded', vector_id = ?, attempts = 0 WHERE index_row = ? AND version = ? AND state = 'pending'`,
      vectorId,
      row.indexRow,
      row.version,
    );
    if (current > 0) return;
    if (db.run(`UPDATE vectors SET vector_id = coalesce(vector_id, ?) WHERE index_row = ?`, vectorId, row.indexRow) > 0) return;
    db.run(`INSERT INTO vectors (index_row, vector_id, state, version) VALUES (?, ?, 'delete', 1)`, row.indexRow, vectorId);
  },
  /** The vector is removed: its row goes, unless the record came back meanwhile. */
  forget(db: Db, row: VectorMark): void {
    db.run(`DELETE FROM vectors WHERE index_row = ? AND version = ? AND state = 'delete'`, row.indexRow, row.version);
  },
  /** A failed attempt at these rows; a row that failed `maxAttempts` times is given up (`failed`) until a reindex. */
  failedAttempt(db: Db, rows: VectorMark[], maxAttempts: number): void {
    for (const row of rows)
      db.run(
        `UPDATE vectors SET attempts = attempts + 1, state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE state END
         WHERE index_row = ? AND version = ? AND state = 'pending'`,
        maxAttempts,
        row.indexRow,
        row.version,
      );
  },
  /** A pending row whose index row is gone (its record was deleted in the same breath): nothing to embed. */
  dropVanished(db: Db, row: VectorMark): void {
    db.run(`DELETE FROM vectors WHERE index_row = ? AND version = ? AND vector_id IS NULL`, row.indexRow, row.version);
    db.run(
      `UPDATE vectors SET state = 'delete', version = version + 1 WHERE index_row = ? AND version = ? AND vector_id IS NOT NULL`,
      row.indexRow,
      row.version,
    );
  },
  /**
   * Rows whose index row no longer exists (the reindex's and the retention purge's sweep): a
   * stored vector is marked for removal, a never-stored one is dropped. Returns how many.
   */
  markOrphans(db: Db): number {
    const dropped = db.run(`DELETE FROM vectors WHERE vector_id IS NULL AND index_row NOT IN (SELECT rowid FROM search_fts)`);
    const marked = db.run(
      `UPDATE vectors SET state = 'delete', version = version + 1
       WHERE state <> 'delete' AND index_row NOT IN (SELECT rowid FROM search_fts)`,
    );
    return dropped + marked;
  },
  counts(db: Db): Record<VectorState, number> {
    const out: Record<VectorState, number> = { pending: 0, embedded: 0, failed: 0, delete: 0 };
    for (const r of db.all<{ state: VectorState; n: number }>(`SELECT state, count(*) AS n FROM vectors GROUP BY state`))
      if (r.state in out) out[r.state] = r.n;
    return out;
  },
  /** Ids of every vector this tenant may have stored, in pages (a tenant's deletion removes them all). */
  storedIds(db: Db, afterRow: number, limit: number): { indexRow: number; vectorId: string }[] {
    if (db.one(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'vectors'`) === null) return [];
    return db.all(
      `SELECT index_row AS indexRow, vector_id AS vectorId FROM vectors WHERE vector_id IS NOT NULL AND index_row > ?
       ORDER BY index_row LIMIT ?`,
      afterRow,
      limit,
    );
  },
  /** The full-text rows of vector hits, as they are now (a hit whose record is gone is absent). */
  rowsByVectorId(db: Db, ids: string[]): (SearchRow & { vectorId: string })[] {
    if (ids.length === 0) return [];
    return db.all(ROWS_BY_VECTOR_ID, JSON.stringify(ids));
  },
};
