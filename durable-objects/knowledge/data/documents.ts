import type { Chunk, DocumentFormat, LibraryDocument } from "../../../schemas/library";
import type { Db } from "../../tenant/data/db";
import type { DocumentChunk } from "../chunk";
import { chunkIndex, parseHeadingPath } from "./chunk-index";

/**
 * The library's tables: a document's current row, every version it had, each version's chunks,
 * and the audit of platform writes. Only the current version's chunks are in the full-text index,
 * added in bounded steps (`indexStep`): `indexed_count` says how many of them are in so far, and a
 * version is searched only once all are (chunk-index.ts).
 */
interface DocumentRow {
  id: string;
  title: string;
  format: DocumentFormat;
  version: number;
  chunk_count: number;
  indexed_count: number;
  created_at: string;
  updated_at: string;
}

const toDocument = (r: DocumentRow): LibraryDocument => ({
  id: r.id,
  title: r.title,
  format: r.format,
  version: r.version,
  chunkCount: r.chunk_count,
  status: r.indexed_count >= r.chunk_count ? "ready" : "indexing",
  indexedChunks: Math.min(r.indexed_count, r.chunk_count),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface VersionInput {
  id: string;
  title: string;
  format: DocumentFormat;
  chunks: DocumentChunk[];
  at: string;
}

/** What one indexing step did. */
export interface IndexStepResult {
  /** Chunks added to the index by this step. */
  indexed: number;
  /** Whether chunks of a current version are still waiting: run another step. */
  pending: boolean;
}

/** Chunks of a document's current version waiting for the index, oldest upload first. */
const NEXT_PENDING = `SELECT id, version, indexed_count FROM kb_documents WHERE indexed_count < chunk_count ORDER BY updated_at, id LIMIT 1`;

export const documents = {
  get(db: Db, id: string): LibraryDocument | null {
    const row = db.one<DocumentRow>(`SELECT * FROM kb_documents WHERE id = ?`, id);
    return row ? toDocument(row) : null;
  },

  list(db: Db): LibraryDocument[] {
    return db.all<DocumentRow>(`SELECT * FROM kb_documents ORDER BY id LIMIT 10000`).map(toDocument);
  },

  /** A version as it was (title, format, chunk count of that version; createdAt of the document). */
  getVersion(db: Db, id: string, version: number): LibraryDocument | null {
    const row = db.one<DocumentRow>(
      `SELECT d.id, v.title, v.format, v.version, v.chunk_count, d.created_at, v.created_at AS updated_at,
         CASE WHEN v.version = d.version THEN d.indexed_count ELSE v.chunk_count END AS indexed_count
       FROM kb_versions v JOIN kb_documents d ON d.id = v.doc_id WHERE v.doc_id = ? AND v.version = ?`,
      id,
      version,
    );
    return row ? toDocument(row) : null;
  },

  chunks(db: Db, id: string, version: number): Chunk[] {
    return db
      .all<{ id: string; heading_path: string; text: string }>(
        `SELECT id, heading_path, text FROM kb_chunks WHERE doc_id = ? AND version = ? ORDER BY seq`,
        id,
        version,
      )
      .map((r) => ({ id: r.id, headingPath: parseHeadingPath(r.heading_path), text: r.text }));
  },

  /**
   * Stores a new version (1 for a new document) and makes it the current one: the previous
   * version leaves the index at once, and the first `indexNow` chunks of this one go in (default:
   * all, in this call). The rest wait for `indexStep`; until then the document is `indexing` and
   * none of its chunks is searched. Call inside a transaction; `version` is the current version + 1.
   * A new version while the previous one is still indexing supersedes it: its steps index the new one.
   */
  putVersion(db: Db, input: VersionInput, version: number, indexNow = Number.POSITIVE_INFINITY): LibraryDocument {
    const { id, title, format, chunks, at } = input;
    if (version === 1) {
      db.run(
        `INSERT INTO kb_documents (id, title, format, version, chunk_count, indexed_count, created_at, updated_at)
         VALUES (?, ?, ?, 1, ?, 0, ?, ?)`,
        id,
        title,
        format,
        chunks.length,
        at,
        at,
      );
    } else {
      chunkIndex.removeVersion(db, id, version - 1);
      db.run(
        `UPDATE kb_documents SET title = ?, format = ?, version = ?, chunk_count = ?, indexed_count = 0, updated_at = ? WHERE id = ?`,
        title,
        format,
        version,
        chunks.length,
        at,
        id,
      );
    }
    db.run(
      `INSERT INTO kb_versions (doc_id, version, title, format, chunk_count, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      id,
      version,
      title,
      format,
      chunks.length,
      at,
    );
    for (const [seq, chunk] of chunks.entries())
      db.run(
        `INSERT INTO kb_chunks (doc_id, version, seq, id, heading_path, text) VALUES (?, ?, ?, ?, ?, ?)`,
        id,
        version,
        seq,
        chunk.id,
        JSON.stringify(chunk.headingPath),
        chunk.text,
      );
    if (indexNow > 0) indexChunks(db, id, version, 0, indexNow);
    return documents.get(db, id)!;
  },

  /**
   * Adds at most `maxChunks` waiting chunks to the index (current versions only, oldest upload
   * first), in the caller's transaction. The library runs one step per alarm; a tenant can run the
   * same steps from its own task queue.
   */
  indexStep(db: Db, maxChunks: number): IndexStepResult {
    let indexed = 0;
    while (indexed < maxChunks) {
      const next = db.one<{ id: string; version: number; indexed_count: number }>(NEXT_PENDING);
      if (!next) return { indexed, pending: false };
      indexed += indexChunks(db, next.id, next.version, next.indexed_count, maxChunks - indexed);
    }
    return { indexed, pending: db.one(NEXT_PENDING) !== null };
  },

  /** Chunks of current versions still waiting for the index (a task's remaining work). */
  waitingChunks(db: Db): number {
    return (
      db.one<{ n: number }>(`SELECT coalesce(sum(chunk_count - indexed_count), 0) AS n FROM kb_documents WHERE indexed_count < chunk_count`)
        ?.n ?? 0
    );
  },

  /** Removes a document with every version and chunk; false when there was none. */
  remove(db: Db, id: string): boolean {
    if (!documents.get(db, id)) return false;
    chunkIndex.removeDocument(db, id);
    db.run(`DELETE FROM kb_chunks WHERE doc_id = ?`, id);
    db.run(`DELETE FROM kb_versions WHERE doc_id = ?`, id);
    db.run(`DELETE FROM kb_documents WHERE id = ?`, id);
    return true;
  },

  /** The title of each document, for search hits. */
  titles(db: Db, ids: string[]): Map<string, string> {
    const rows = db.all<{ id: string; title: string }>(
      `SELECT id, title FROM kb_documents WHERE id IN (SELECT value FROM json_each(?))`,
      JSON.stringify(ids),
    );
    return new Map(rows.map((r) => [r.id, r.title]));
  },
};

/** Indexes chunks `from`… (by seq, at most `max`) of a version and counts them on the document; returns how many. */
function indexChunks(db: Db, id: string, version: number, from: number, max: number): number {
  const rows = db.all<{ pk: number; heading_path: string; text: string }>(
    `SELECT pk, heading_path, text FROM kb_chunks WHERE doc_id = ? AND version = ? AND seq >= ? ORDER BY seq LIMIT ?`,
    id,
    version,
    from,
    Number.isFinite(max) ? max : -1,
  );
  chunkIndex.add(
    db,
    rows.map((r) => ({ pk: r.pk, text: r.text, headingPath: parseHeadingPath(r.heading_path) })),
  );
  db.run(`UPDATE kb_documents SET indexed_count = ? WHERE id = ?`, from + rows.length, id);
  return rows.length;
}

export interface LibraryAuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: "document.create" | "document.version" | "document.delete";
  docId: string;
  version: number | null;
  requestId: string;
}

export const libraryAudit = {
  append(db: Db, entry: Omit<LibraryAuditEntry, "seq">): void {
    db.run(
      `INSERT INTO kb_audit (at, actor, action, doc_id, version, request_id) VALUES (?, ?, ?, ?, ?, ?)`,
      entry.at,
      entry.actor,
      entry.action,
      entry.docId,
      entry.version,
      entry.requestId,
    );
  },

  list(db: Db): LibraryAuditEntry[] {
    return db
      .all<{
        seq: number;
        at: string;
        actor: string;
        action: LibraryAuditEntry["action"];
        doc_id: string;
        version: number | null;
        request_id: string;
      }>(`SELECT * FROM kb_audit ORDER BY seq`)
      .map((r) => ({
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        docId: r.doc_id,
        version: r.version,
        requestId: r.request_id,
      }));
  },
};
