import { z } from "@hono/zod-openapi";
import { Citation } from "../../../schemas/copilot";
import type { RecordData } from "../../../schemas/export";
import { parseStoredJson, type Db } from "./db";
import type { ExportPage } from "./rows";

/**
 * Copilot threads and messages, one row per message (history in one row is how an agents SDK
 * user hit SQLITE_TOOBIG). Threads belong to one principal; every read here is by owner.
 */
export interface ThreadRow {
  pk: number;
  id: string;
  owner: string;
  job_id: string | null;
  created_at: string;
  updated_at: string;
}

interface MessageRow {
  pk: number;
  thread_pk: number;
  id: string;
  role: string;
  content: string | null;
  content_chars: number;
  citations: string;
  grounded: number | null;
  confidence: number | null;
  provider: string | null;
  model: string | null;
  tokens_in: number;
  tokens_out: number;
  latency_ms: number;
  created_at: string;
}

export interface MessageInput {
  id: string;
  role: "user" | "assistant";
  /** null in metadata-only mode: only sizes, refs and counters are kept. */
  content: string | null;
  contentChars: number;
  citations: Citation[];
  grounded: boolean | null;
  confidence: number | null;
  provider: string | null;
  model: string | null;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
}

const StoredCitations = z.array(Citation);

export const chat = {
  thread(db: Db, owner: string, id: string): ThreadRow | null {
    return db.one<ThreadRow>(`SELECT * FROM chat_threads WHERE id = ? AND owner = ?`, id, owner);
  },
  createThread(db: Db, owner: string, id: string, jobId: string | null, now: string): ThreadRow {
    db.run(`INSERT INTO chat_threads (id, owner, job_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, id, owner, jobId, now, now);
    const row = chat.thread(db, owner, id);
    if (!row) throw new Error("thread vanished after insert");
    return row;
  },
  appendMessage(db: Db, thread: ThreadRow, m: MessageInput, now: string): void {
    db.run(
      `INSERT INTO chat_messages (id, thread_pk, role, content, content_chars, citations, grounded, confidence, provider, model,
         tokens_in, tokens_out, latency_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.id,
      thread.pk,
      m.role,
      m.content,
      m.contentChars,
      JSON.stringify(m.content === null ? m.citations.map((c) => ({ ...c, quote: "" })) : m.citations),
      m.grounded === null ? null : m.grounded ? 1 : 0,
      m.confidence,
      m.provider,
      m.model,
      m.tokensIn,
      m.tokensOut,
      m.latencyMs,
      now,
    );
    db.run(`UPDATE chat_threads SET updated_at = ? WHERE pk = ?`, now, thread.pk);
  },
  threads(db: Db, owner: string, limit: number): (ThreadRow & { messages: number })[] {
    return db.all(
      `SELECT t.*, (SELECT count(*) FROM chat_messages m WHERE m.thread_pk = t.pk) AS messages
       FROM chat_threads t WHERE t.owner = ? ORDER BY t.updated_at DESC, t.pk DESC LIMIT ?`,
      owner,
      limit,
    );
  },
  messages(db: Db, thread: ThreadRow, limit: number) {
    return db.all<MessageRow>(`SELECT * FROM chat_messages WHERE thread_pk = ? ORDER BY pk LIMIT ?`, thread.pk, limit).map(messageToApi);
  },
  exportThreads(db: Db, after: number, limit: number): ExportPage<RecordData<"thread">> {
    const rows = db.all<ThreadRow>(`SELECT * FROM chat_threads WHERE pk > ? ORDER BY pk LIMIT ?`, after, limit);
    const last = rows[rows.length - 1];
    return {
      rows: rows.map((t) => ({ id: t.id, owner: t.owner, jobId: t.job_id, createdAt: t.created_at, updatedAt: t.updated_at })),
      next: rows.length === limit && last ? last.pk : null,
    };
  },
  exportMessages(db: Db, after: number, limit: number): ExportPage<RecordData<"message">> {
    const rows = db.all<MessageRow & { thread_id: string }>(
      `SELECT m.*, t.id AS thread_id FROM chat_messages m JOIN chat_threads t ON t.pk = m.thread_pk WHERE m.pk > ? ORDER BY m.pk LIMIT ?`,
      after,
      limit,
    );
    const last = rows[rows.length - 1];
    return {
      rows: rows.map((r) => ({ threadId: r.thread_id, ...messageToApi(r) })),
      next: rows.length === limit && last ? last.pk : null,
    };
  },
  /**
   * Retention: deletes up to `limit` threads not updated since `before`, with their messages.
   * Returns how many threads went (fewer than `limit`: nothing older is left).
   */
  purgeIdleThreads(db: Db, before: string, limit: number): number {
    const pks = db
      .all<{ pk: number }>(`SELECT pk FROM chat_threads WHERE updated_at < ? ORDER BY pk LIMIT ?`, before, limit)
      .map((r) => r.pk);
    for (const pk of pks) {
      db.run(`DELETE FROM chat_messages WHERE thread_pk = ?`, pk);
      db.run(`DELETE FROM chat_threads WHERE pk = ?`, pk);
    }
    return pks.length;
  },
  /** metadata-only mode: drops the content of up to `limit` stored messages (citation refs stay, quotes go); returns how many. */
  stripContent(db: Db, limit: number): number {
    return db.run(
      `UPDATE chat_messages SET content = NULL,
         citations = (SELECT coalesce(json_group_array(json_set(value, '$.quote', '')), '[]') FROM json_each(citations))
       WHERE pk IN (SELECT pk FROM chat_messages WHERE content IS NOT NULL LIMIT ?)`,
      limit,
    );
  },
  threadCount(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM chat_threads`)?.n ?? 0;
  },
  restoreThread(db: Db, t: RecordData<"thread">): boolean {
    return (
      db.run(
        `INSERT INTO chat_threads (id, owner, job_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
        t.id,
        t.owner,
        t.jobId,
        t.createdAt,
        t.updatedAt,
      ) > 0
    );
  },
  /** False when the message's thread is unknown or its id exists already. */
  restoreMessage(db: Db, m: RecordData<"message">): boolean {
    return (
      db.run(
        `INSERT INTO chat_messages (id, thread_pk, role, content, content_chars, citations, grounded, confidence, provider, model,
           tokens_in, tokens_out, latency_ms, created_at)
         SELECT ?, pk, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM chat_threads WHERE id = ? ON CONFLICT(id) DO NOTHING`,
        m.id,
        m.role,
        m.content,
        m.contentChars,
        JSON.stringify(m.citations),
        m.grounded === null ? null : m.grounded ? 1 : 0,
        m.confidence,
        m.provider,
        m.model,
        m.tokensIn,
        m.tokensOut,
        m.latencyMs,
        m.createdAt,
        m.threadId,
      ) > 0
    );
  },
  /** Earlier turns of a thread (newest last), for providers that take conversation history. */
  recentTurns(db: Db, thread: ThreadRow, limit: number): { role: "user" | "assistant"; content: string }[] {
    return db
      .all<{ role: string; content: string | null }>(
        `SELECT role, content FROM (SELECT pk, role, content FROM chat_messages WHERE thread_pk = ? ORDER BY pk DESC LIMIT ?) ORDER BY pk`,
        thread.pk,
        limit,
      )
      .flatMap((r) =>
        r.content === null ? [] : [{ role: r.role === "assistant" ? ("assistant" as const) : ("user" as const), content: r.content }],
      );
  },
};

function messageToApi(r: MessageRow) {
  return {
    id: r.id,
    role: r.role === "assistant" ? ("assistant" as const) : ("user" as const),
    content: r.content,
    contentChars: r.content_chars,
    citations: parseStoredJson(StoredCitations, r.citations) ?? [],
    grounded: r.grounded === null ? null : r.grounded === 1,
    confidence: r.confidence,
    provider: r.provider,
    model: r.model,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    latencyMs: r.latency_ms,
    createdAt: r.created_at,
  };
}
