import type { Db } from "./db";

/**
 * Lines of an import in progress. They arrive over a stream (awaits in between), so they are
 * validated and kept here first; one synchronous transaction then applies them all or none.
 */
export const staging = {
  clear(db: Db): void {
    db.run(`DELETE FROM import_staging`);
  },
  add(db: Db, line: number, kind: string, data: string): void {
    db.run(`INSERT INTO import_staging (line, kind, data) VALUES (?, ?, ?)`, line, kind, data);
  },
  /** The staged lines of one kind, in file order, streamed (constant memory). */
  *ofKind(db: Db, kind: string): Generator<{ line: number; data: string }> {
    yield* db.iterate<{ line: number; data: string }>(`SELECT line, data FROM import_staging WHERE kind = ? ORDER BY line`, kind);
  },
};
