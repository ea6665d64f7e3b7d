import { DOCUMENT_TABLES } from "../../knowledge/data/migrations";
import type { Db } from "./db";

/**
 * Numbered schema migrations, recorded in `_migrations` inside the object itself (SQLite-backed
 * Durable Objects do not allow `PRAGMA user_version`). Each runs in one transaction with its
 * record, so a crash leaves either all of a migration or none of it; re-running is a no-op.
 *
 * FTS rowids encode the record kind: rowid = pk * 8 + kind (1 job, 2 note, 3 event, 4 client,
 * 5 property), so one index holds every kind and a trigger can address its own row directly.
 * The `scope` column holds one visibility token per row (`j<pk>`, `c<pk>` or `p<pk>`) so a
 * technician's search is restricted inside FTS5 itself instead of filtering an unbounded result.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/**
 * The semantic index follows the full-text one: a write that changes an index row marks it
 * `pending` (version + 1) while semantic retrieval is on, and a deleted record's vector is marked
 * for removal whatever the switch says (a vector stored while it was on must still go). The
 * embedding itself runs later, on the background queue, never inside the write's transaction.
 */
const VECTOR_SOURCES = [
  { table: "jobs", kind: 1, columns: " OF title, description, updated_at" },
  { table: "notes", kind: 2, columns: "" },
  { table: "events", kind: 3, columns: "" },
  { table: "clients", kind: 4, columns: "" },
  { table: "properties", kind: 5, columns: "" },
] as const;

function vectorTriggers(source: (typeof VECTOR_SOURCES)[number]): string[] {
  const { table, kind, columns } = source;
  const mark = `INSERT INTO vectors (index_row, state, version) VALUES (new.pk * 8 + ${kind}, 'pending', 1)
         ON CONFLICT(index_row) DO UPDATE SET state = 'pending', version = version + 1, attempts = 0;`;
  const on = `WHEN (SELECT enabled FROM semantic_switch WHERE id = 1) = 1`;
  return [
    `CREATE TRIGGER ${table}_vec_ai AFTER INSERT ON ${table} ${on} BEGIN ${mark} END`,
    `CREATE TRIGGER ${table}_vec_au AFTER UPDATE${columns} ON ${table} ${on} BEGIN ${mark} END`,
    `CREATE TRIGGER ${table}_vec_ad AFTER DELETE ON ${table} BEGIN
       DELETE FROM vectors WHERE index_row = old.pk * 8 + ${kind} AND vector_id IS NULL;
       UPDATE vectors SET state = 'delete', version = version + 1 WHERE index_row = old.pk * 8 + ${kind};
     END`,
  ];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "core tables, members, audit, counters, full-text index",
    statements: [
      `CREATE TABLE tenant_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
      `CREATE TABLE clients (
         pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, email TEXT, phone TEXT,
         created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE TABLE properties (
         pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, client_pk INTEGER NOT NULL REFERENCES clients(pk),
         address TEXT NOT NULL, label TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE INDEX properties_client ON properties(client_pk)`,
      `CREATE TABLE jobs (
         pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, client_pk INTEGER NOT NULL REFERENCES clients(pk),
         property_pk INTEGER REFERENCES properties(pk), title TEXT NOT NULL, description TEXT,
         status TEXT NOT NULL, priority TEXT NOT NULL, scheduled_start TEXT, scheduled_end TEXT,
         created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE INDEX jobs_client ON jobs(client_pk)`,
      `CREATE INDEX jobs_property ON jobs(property_pk)`,
      `CREATE INDEX jobs_status ON jobs(status, pk)`,
      `CREATE TABLE job_assignees (job_pk INTEGER NOT NULL REFERENCES jobs(pk), user_id TEXT NOT NULL,
         PRIMARY KEY (job_pk, user_id)) WITHOUT ROWID`,
      `CREATE INDEX job_assignees_user ON job_assignees(user_id, job_pk)`,
      `CREATE TABLE notes (
         pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
         job_pk INTEGER REFERENCES jobs(pk), client_pk INTEGER REFERENCES clients(pk),
         property_pk INTEGER REFERENCES properties(pk), author_id TEXT,
         created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE INDEX notes_job ON notes(job_pk, created_at)`,
      `CREATE INDEX notes_client ON notes(client_pk, created_at)`,
      `CREATE INDEX notes_property ON notes(property_pk, created_at)`,
      `CREATE TABLE events (
         pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, job_pk INTEGER NOT NULL REFERENCES jobs(pk),
         type TEXT NOT NULL, at TEXT NOT NULL, data TEXT)`,
      `CREATE INDEX events_job ON events(job_pk, at)`,
      `CREATE TABLE members (
         issuer TEXT NOT NULL, subject TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL, email TEXT,
         created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (issuer, subject)) WITHOUT ROWID`,
      `CREATE TABLE audit_log (
         seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT, action TEXT NOT NULL,
         target TEXT, outcome TEXT NOT NULL, reason TEXT, request_id TEXT,
         prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
      `CREATE TABLE rate_counters (key TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID`,
      `CREATE TABLE idempotency_keys (
         principal TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL, status INTEGER NOT NULL,
         response TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (principal, key)) WITHOUT ROWID`,
      `CREATE INDEX idempotency_created ON idempotency_keys(created_at)`,
      `CREATE TABLE usage_counters (day TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER NOT NULL,
         PRIMARY KEY (day, metric)) WITHOUT ROWID`,
      `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
      `CREATE VIRTUAL TABLE search_fts USING fts5(
         text, scope, kind UNINDEXED, ref UNINDEXED, job UNINDEXED, at UNINDEXED,
         tokenize = 'unicode61 remove_diacritics 2', prefix = '3 4')`,
      // jobs: title + description, scope j<pk>
      `CREATE TRIGGER jobs_fts_ai AFTER INSERT ON jobs BEGIN
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 1, new.title || char(10) || coalesce(new.description, ''), 'j' || new.pk, 'job', new.id, new.id, new.updated_at);
       END`,
      `CREATE TRIGGER jobs_fts_au AFTER UPDATE OF title, description, updated_at ON jobs BEGIN
         DELETE FROM search_fts WHERE rowid = old.pk * 8 + 1;
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 1, new.title || char(10) || coalesce(new.description, ''), 'j' || new.pk, 'job', new.id, new.id, new.updated_at);
       END`,
      `CREATE TRIGGER jobs_fts_ad AFTER DELETE ON jobs BEGIN DELETE FROM search_fts WHERE rowid = old.pk * 8 + 1; END`,
      // notes: scope follows the single target
      `CREATE TRIGGER notes_fts_ai AFTER INSERT ON notes BEGIN
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 2, new.body,
           CASE WHEN new.job_pk IS NOT NULL THEN 'j' || new.job_pk WHEN new.client_pk IS NOT NULL THEN 'c' || new.client_pk ELSE 'p' || new.property_pk END,
           'note', new.id, (SELECT id FROM jobs WHERE pk = new.job_pk), new.created_at);
       END`,
      `CREATE TRIGGER notes_fts_au AFTER UPDATE ON notes BEGIN
         DELETE FROM search_fts WHERE rowid = old.pk * 8 + 2;
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 2, new.body,
           CASE WHEN new.job_pk IS NOT NULL THEN 'j' || new.job_pk WHEN new.client_pk IS NOT NULL THEN 'c' || new.client_pk ELSE 'p' || new.property_pk END,
           'note', new.id, (SELECT id FROM jobs WHERE pk = new.job_pk), new.created_at);
       END`,
      `CREATE TRIGGER notes_fts_ad AFTER DELETE ON notes BEGIN DELETE FROM search_fts WHERE rowid = old.pk * 8 + 2; END`,
      // events: type + data, scope of their job
      `CREATE TRIGGER events_fts_ai AFTER INSERT ON events BEGIN
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 3, new.type || char(10) || coalesce(new.data, ''), 'j' || new.job_pk, 'event', new.id,
           (SELECT id FROM jobs WHERE pk = new.job_pk), new.at);
       END`,
      `CREATE TRIGGER events_fts_au AFTER UPDATE ON events BEGIN
         DELETE FROM search_fts WHERE rowid = old.pk * 8 + 3;
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 3, new.type || char(10) || coalesce(new.data, ''), 'j' || new.job_pk, 'event', new.id,
           (SELECT id FROM jobs WHERE pk = new.job_pk), new.at);
       END`,
      `CREATE TRIGGER events_fts_ad AFTER DELETE ON events BEGIN DELETE FROM search_fts WHERE rowid = old.pk * 8 + 3; END`,
      // clients: name, e-mail, phone; scope c<pk>
      `CREATE TRIGGER clients_fts_ai AFTER INSERT ON clients BEGIN
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 4, new.name || char(10) || coalesce(new.email, '') || ' ' || coalesce(new.phone, ''), 'c' || new.pk, 'client', new.id, NULL, new.updated_at);
       END`,
      `CREATE TRIGGER clients_fts_au AFTER UPDATE ON clients BEGIN
         DELETE FROM search_fts WHERE rowid = old.pk * 8 + 4;
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 4, new.name || char(10) || coalesce(new.email, '') || ' ' || coalesce(new.phone, ''), 'c' || new.pk, 'client', new.id, NULL, new.updated_at);
       END`,
      `CREATE TRIGGER clients_fts_ad AFTER DELETE ON clients BEGIN DELETE FROM search_fts WHERE rowid = old.pk * 8 + 4; END`,
      // properties: address + label; scope p<pk>
      `CREATE TRIGGER properties_fts_ai AFTER INSERT ON properties BEGIN
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 5, new.address || char(10) || coalesce(new.label, ''), 'p' || new.pk, 'property', new.id, NULL, new.updated_at);
       END`,
      `CREATE TRIGGER properties_fts_au AFTER UPDATE ON properties BEGIN
         DELETE FROM search_fts WHERE rowid = old.pk * 8 + 5;
         INSERT INTO search_fts(rowid, text, scope, kind, ref, job, at)
         VALUES (new.pk * 8 + 5, new.address || char(10) || coalesce(new.label, ''), 'p' || new.pk, 'property', new.id, NULL, new.updated_at);
       END`,
      `CREATE TRIGGER properties_fts_ad AFTER DELETE ON properties BEGIN DELETE FROM search_fts WHERE rowid = old.pk * 8 + 5; END`,
    ],
  },
  {
    version: 2,
    name: "copilot chat threads and messages (one row per message)",
    statements: [
      `CREATE TABLE chat_threads (
       pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, job_id TEXT,
       created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE INDEX chat_threads_owner ON chat_threads(owner, updated_at)`,
      // content is NULL in metadata-only mode; sizes, refs, tokens and timings are always kept.
      `CREATE TABLE chat_messages (
       pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, thread_pk INTEGER NOT NULL REFERENCES chat_threads(pk),
       role TEXT NOT NULL, content TEXT, content_chars INTEGER NOT NULL, citations TEXT NOT NULL,
       grounded INTEGER, confidence REAL, provider TEXT, model TEXT, tokens_in INTEGER NOT NULL DEFAULT 0,
       tokens_out INTEGER NOT NULL DEFAULT 0, latency_ms INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)`,
      `CREATE INDEX chat_messages_thread ON chat_messages(thread_pk, pk)`,
      `CREATE INDEX chat_messages_created ON chat_messages(created_at)`,
    ],
  },
  {
    version: 3,
    name: "realtime tickets (hash only) and resumable answer streams",
    statements: [
      // Only the SHA-256 of a ticket's secret is stored; expiry in epoch milliseconds.
      `CREATE TABLE realtime_tickets (
       hash TEXT PRIMARY KEY, issuer TEXT NOT NULL, subject TEXT NOT NULL, dev_role TEXT,
       expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`,
      `CREATE INDEX realtime_tickets_expiry ON realtime_tickets(expires_at)`,
      // One row per answer streamed over a socket (deltas as a JSON array), kept minutes for resume.
      `CREATE TABLE realtime_streams (
       principal TEXT NOT NULL, id TEXT NOT NULL, deltas TEXT NOT NULL, outcome TEXT NOT NULL,
       updated_at INTEGER NOT NULL, PRIMARY KEY (principal, id)) WITHOUT ROWID`,
      `CREATE INDEX realtime_streams_updated ON realtime_streams(updated_at)`,
    ],
  },
  {
    version: 4,
    name: "admin: provider keys, background tasks, route metrics, imported audit history",
    statements: [
      // Provider API keys, AES-GCM under a versioned key-encryption key (never stored in clear).
      `CREATE TABLE provider_keys (
       provider TEXT PRIMARY KEY, kek_version INTEGER NOT NULL, iv TEXT NOT NULL, ciphertext TEXT NOT NULL,
       fingerprint TEXT NOT NULL, mask TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL) WITHOUT ROWID`,
      // The background queue the alarm drains, one task at a time; finished tasks are kept briefly.
      `CREATE TABLE tasks (
       pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, status TEXT NOT NULL,
       progress TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT, requested_by TEXT,
       created_at TEXT NOT NULL, updated_at TEXT NOT NULL, finished_at TEXT)`,
      `CREATE INDEX tasks_status ON tasks(status, pk)`,
      // Per-route request metrics in 5-minute buckets (a day is kept): counts and a latency histogram.
      `CREATE TABLE route_metrics (
       bucket INTEGER NOT NULL, route TEXT NOT NULL, count INTEGER NOT NULL, errors INTEGER NOT NULL,
       limited INTEGER NOT NULL, histogram TEXT NOT NULL, PRIMARY KEY (bucket, route)) WITHOUT ROWID`,
      // Audit entries of another tenant's export, imported verbatim (their own chain, verifiable).
      `CREATE TABLE audit_archive (
       origin TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT,
       action TEXT NOT NULL, target TEXT, outcome TEXT NOT NULL, reason TEXT, request_id TEXT,
       prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (origin, seq)) WITHOUT ROWID`,
    ],
  },
  {
    version: 5,
    name: "import staging (lines validated while the upload streams, applied in one transaction)",
    statements: [
      `CREATE TABLE import_staging (line INTEGER PRIMARY KEY, kind TEXT NOT NULL, data TEXT NOT NULL)`,
      `CREATE INDEX import_staging_kind ON import_staging(kind, line)`,
    ],
  },
  {
    version: 6,
    name: "semantic index bookkeeping (which index rows have a vector, which wait for the embed queue)",
    statements: [
      // One row; the object sets it from its bindings (tasks/embed.ts). Off: the triggers below mark nothing.
      `CREATE TABLE semantic_switch (id INTEGER PRIMARY KEY CHECK (id = 1), enabled INTEGER NOT NULL)`,
      `INSERT INTO semantic_switch (id, enabled) VALUES (1, 0)`,
      // index_row is the FTS rowid (pk * 8 + kind); vector_id is set once the vector is stored.
      `CREATE TABLE vectors (
       index_row INTEGER PRIMARY KEY, vector_id TEXT, state TEXT NOT NULL, version INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)`,
      `CREATE INDEX vectors_work ON vectors(state, index_row) WHERE state IN ('pending', 'delete')`,
      `CREATE INDEX vectors_id ON vectors(vector_id) WHERE vector_id IS NOT NULL`,
      ...VECTOR_SOURCES.flatMap(vectorTriggers),
    ],
  },
  {
    version: 7,
    name: "tenant documents (the knowledge library's tables, without its audit: the tenant's audit log records writes)",
    statements: [...DOCUMENT_TABLES],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Whether this object's storage was ever initialised. Objects are created lazily by any call to
 * their id; only `provision` initialises storage, so a stray call to an unknown or deleted
 * tenant's id leaves nothing behind.
 */
export function isInitialised(db: Db): boolean {
  return db.one(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = '_migrations'`) !== null;
}

/** Applies every migration not yet recorded (the tenant's, or another actor's list, e.g. the knowledge library's). Synchronous SQL only: safe inside blockConcurrencyWhile. */
export function migrate(db: Db, now: () => string = () => new Date().toISOString(), migrations: Migration[] = MIGRATIONS): number {
  db.run(`CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(db.all<{ version: number }>(`SELECT version FROM _migrations`).map((r) => r.version));
  let count = 0;
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      for (const statement of migration.statements) db.run(statement);
      db.run(`INSERT INTO _migrations (version, name, applied_at) VALUES (?, ?, ?)`, migration.version, migration.name, now());
    });
    count++;
  }
  return count;
}

export function appliedMigrations(db: Db): { version: number; name: string; appliedAt: string }[] {
  return db
    .all<{ version: number; name: string; applied_at: string }>(`SELECT version, name, applied_at FROM _migrations ORDER BY version`)
    .map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at }));
}
