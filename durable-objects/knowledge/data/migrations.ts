import type { Migration } from "../../tenant/data/migrations";

/**
 * The knowledge library's schema, applied by the tenant's migration runner (numbered, recorded in
 * `_migrations`, one transaction each). Every version of a document is kept with its chunks, so a
 * citation of an old version still resolves; only the current version's chunks are in the index.
 * The index uses the tenant index's tokenizer, so one query parser and one ranking serve both.
 */
/**
 * The document tables without the library's own audit: the library creates them below, and each
 * tenant creates them in its own SQLite for its own documents (the tenant's audit log records its writes).
 * `documents` and `chunkIndex` (this folder) build every statement on them, wherever they live.
 */
export const DOCUMENT_TABLES: readonly string[] = [
  `CREATE TABLE kb_documents (
     id TEXT PRIMARY KEY, title TEXT NOT NULL, format TEXT NOT NULL, version INTEGER NOT NULL,
     chunk_count INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE kb_versions (
     doc_id TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL, format TEXT NOT NULL,
     chunk_count INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (doc_id, version)) WITHOUT ROWID`,
  `CREATE TABLE kb_chunks (
     pk INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
     id TEXT NOT NULL, heading_path TEXT NOT NULL, text TEXT NOT NULL, UNIQUE (doc_id, version, id))`,
  `CREATE INDEX kb_chunks_order ON kb_chunks(doc_id, version, seq)`,
  `CREATE VIRTUAL TABLE kb_chunks_fts USING fts5(
     text, heading, tokenize = 'unicode61 remove_diacritics 2', prefix = '3 4')`,
];

export const LIBRARY_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "documents, versions, chunks, full-text index, audit",
    statements: [
      ...DOCUMENT_TABLES,
      `CREATE TABLE kb_audit (
         seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
         doc_id TEXT NOT NULL, version INTEGER, request_id TEXT NOT NULL)`,
    ],
  },
];
