import { createHash } from "node:crypto";
import type { AuditEntry, AuditVerification } from "../../../schemas/audit";
import type { RecordData } from "../../../schemas/export";
import type { Db } from "./db";
import type { ExportPage } from "./rows";

/**
 * Append-only, hash-chained audit log. Each entry's hash is SHA-256 over the previous entry's
 * hash and the entry's own fields, so changing, deleting or reordering any entry breaks every
 * hash after it. What the chain cannot show by itself: a truncation of the newest entries, or a
 * wholesale rewrite by someone who can write this object's storage (anchoring the head outside
 * the object closes that; see docs/decisions.md).
 *
 * node:crypto's createHash is synchronous, so an append runs inside the same SQLite transaction
 * as the change it records.
 */
export const GENESIS_HASH = "0".repeat(64);
/** Entries one verification call checks (~35-70 µs each measured in workerd): a few hundred ms at most. */
export const VERIFY_BUDGET = 5_000;

export interface AuditInput {
  actor: string;
  role: string | null;
  action: string;
  target: string | null;
  outcome: "ok" | "denied";
  reason: string | null;
  requestId: string | null;
}

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  role: string | null;
  action: string;
  target: string | null;
  outcome: string;
  reason: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

function entryHash(prevHash: string, seq: number, at: string, e: AuditInput): string {
  const canonical = JSON.stringify([seq, at, e.actor, e.role, e.action, e.target, e.outcome, e.reason, e.requestId, prevHash]);
  return createHash("sha256").update(prevHash).update("\n").update(canonical).digest("hex");
}

export const audit = {
  append(db: Db, e: AuditInput, at: string): AuditEntry {
    const head = db.one<{ seq: number; hash: string }>(`SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`);
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const hash = entryHash(prevHash, seq, at, e);
    db.run(
      `INSERT INTO audit_log (seq, at, actor, role, action, target, outcome, reason, request_id, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      seq,
      at,
      e.actor,
      e.role,
      e.action,
      e.target,
      e.outcome,
      e.reason,
      e.requestId,
      prevHash,
      hash,
    );
    return { seq, at, ...e, prevHash, hash };
  },

  /**
   * A page after `after`, optionally filtered by actor (`issuer|subject` or the subject alone),
   * action and time. Filters are fixed fragments with bound values; a filtered page walks the log
   * in seq order until it has `limit` matches.
   */
  page(
    db: Db,
    after: number,
    limit: number,
    filter: { actor?: string | undefined; action?: string | undefined; since?: string | undefined } = {},
  ): { entries: AuditEntry[]; nextAfter: number | null } {
    const rows = db.all<AuditRow>(
      `SELECT * FROM audit_log WHERE seq > ?1
         AND (?2 IS NULL OR actor = ?2 OR (length(actor) > length(?2) AND substr(actor, -length(?2) - 1) = '|' || ?2))
         AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR at >= ?4)
       ORDER BY seq LIMIT ?5`,
      after,
      filter.actor ?? null,
      filter.action ?? null,
      filter.since ?? null,
      limit + 1,
    );
    const more = rows.length > limit;
    const entries = (more ? rows.slice(0, limit) : rows).map(toApi);
    return { entries, nextAfter: more ? (entries[entries.length - 1]?.seq ?? null) : null };
  },

  /** Export: entries after `after` up to `upTo` (the head when the export began), in order. */
  exportPage(db: Db, after: number, upTo: number, limit: number): ExportPage<AuditEntry> {
    const rows = db.all<AuditRow>(`SELECT * FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, after, upTo, limit);
    const last = rows[rows.length - 1];
    return { rows: rows.map(toApi), next: rows.length === limit && last ? last.seq : null };
  },

  /** Entries of imported audit histories, by origin and seq. */
  exportArchive(db: Db, after: [string, number] | null, limit: number): ExportPage<RecordData<"audit.archive">, [string, number]> {
    const [origin, seq] = after ?? ["", 0];
    const rows = db.all<AuditRow & { origin: string }>(
      `SELECT * FROM audit_archive WHERE (origin, seq) > (?, ?) ORDER BY origin, seq LIMIT ?`,
      origin,
      seq,
      limit,
    );
    const last = rows[rows.length - 1];
    return {
      rows: rows.map((r) => ({ ...toApi(r), origin: r.origin })),
      next: rows.length === limit && last ? [last.origin, last.seq] : null,
    };
  },

  archivedCount(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM audit_archive`)?.n ?? 0;
  },

  /** Keeps an imported entry verbatim (its chain was checked by the import). */
  archive(db: Db, origin: string, e: AuditEntry): void {
    db.run(
      `INSERT INTO audit_archive (origin, seq, at, actor, role, action, target, outcome, reason, request_id, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(origin, seq) DO NOTHING`,
      origin,
      e.seq,
      e.at,
      e.actor,
      e.role,
      e.action,
      e.target,
      e.outcome,
      e.reason,
      e.requestId,
      e.prevHash,
      e.hash,
    );
  },

  /** Whether an entry follows `prevHash` and its hash is right (the per-entry check of verify). */
  follows(prevHash: string, e: AuditEntry): boolean {
    return e.prevHash === prevHash && entryHash(prevHash, e.seq, e.at, e) === e.hash;
  },

  /** The hash of entry `seq`, or null when there is no such entry. */
  hashAt(db: Db, seq: number): string | null {
    return db.one<{ hash: string }>(`SELECT hash FROM audit_log WHERE seq = ?`, seq)?.hash ?? null;
  },

  head(db: Db): { seq: number; hash: string } {
    return (
      db.one<{ seq: number; hash: string }>(`SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`) ?? { seq: 0, hash: GENESIS_HASH }
    );
  },

  /** Walks the whole chain once (streamed, constant memory): contiguous seqs, linked and correct hashes. */
  /**
   * Verifies at most `budget` entries starting at `from` (contiguous seqs, each linked to the one
   * before it, each hash recomputed), so one call never holds the object for long; a full check
   * pages through with `nextFrom`. Streams rows: constant memory.
   */
  verify(db: Db, from: number, budget: number = VERIFY_BUDGET): AuditVerification {
    let prevHash = GENESIS_HASH;
    if (from > 1) {
      const before = db.one<{ hash: string }>(`SELECT hash FROM audit_log WHERE seq = ?`, from - 1);
      if (!before)
        return {
          valid: false,
          entries: 0,
          head: GENESIS_HASH,
          firstInvalidSeq: from - 1,
          problem: `entry ${from - 1} is missing`,
          complete: false,
          nextFrom: null,
        };
      prevHash = before.hash;
    }
    let expectedSeq = from;
    let count = 0;
    for (const row of db.iterate<AuditRow>(`SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?`, from, budget + 1)) {
      if (count === budget)
        return {
          valid: true,
          entries: count,
          head: prevHash,
          firstInvalidSeq: null,
          problem: null,
          complete: false,
          nextFrom: expectedSeq,
        };
      const fail = (problem: string): AuditVerification => ({
        valid: false,
        entries: count,
        head: prevHash,
        firstInvalidSeq: row.seq,
        problem,
        complete: false,
        nextFrom: null,
      });
      if (row.seq !== expectedSeq) return fail(`entry ${expectedSeq} is missing (found ${row.seq})`);
      if (row.prev_hash !== prevHash) return fail(`entry ${row.seq} does not link to the entry before it`);
      const outcome = row.outcome === "denied" ? "denied" : "ok";
      const recomputed = entryHash(prevHash, row.seq, row.at, {
        actor: row.actor,
        role: row.role,
        action: row.action,
        target: row.target,
        outcome,
        reason: row.reason,
        requestId: row.request_id,
      });
      if (recomputed !== row.hash || outcome !== row.outcome) return fail(`entry ${row.seq} was modified`);
      prevHash = row.hash;
      expectedSeq++;
      count++;
    }
    return { valid: true, entries: count, head: prevHash, firstInvalidSeq: null, problem: null, complete: true, nextFrom: null };
  },
};

function toApi(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    role: r.role,
    action: r.action,
    target: r.target,
    outcome: r.outcome === "denied" ? "denied" : "ok",
    reason: r.reason,
    requestId: r.request_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
