import { createHash } from "node:crypto";
import type { AuditEntry, AuditVerification } from "../../../schemas/audit";
import type { Db } from "./db";

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

  page(db: Db, after: number, limit: number): { entries: AuditEntry[]; nextAfter: number | null } {
    const rows = db.all<AuditRow>(`SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit + 1);
    const more = rows.length > limit;
    const entries = (more ? rows.slice(0, limit) : rows).map(toApi);
    return { entries, nextAfter: more ? (entries[entries.length - 1]?.seq ?? null) : null };
  },

  head(db: Db): { seq: number; hash: string } {
    return (
      db.one<{ seq: number; hash: string }>(`SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`) ?? { seq: 0, hash: GENESIS_HASH }
    );
  },

  /** Walks the whole chain once (streamed, constant memory): contiguous seqs, linked and correct hashes. */
  verify(db: Db): AuditVerification {
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let count = 0;
    for (const row of db.iterate<AuditRow>(`SELECT * FROM audit_log ORDER BY seq`)) {
      const fail = (problem: string): AuditVerification => ({
        valid: false,
        entries: count,
        head: prevHash,
        firstInvalidSeq: row.seq,
        problem,
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
    return { valid: true, entries: count, head: prevHash, firstInvalidSeq: null, problem: null };
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
