import { DevRole } from "../../../schemas/identity";
import type { Db } from "./db";

/**
 * Realtime tickets: only the SHA-256 of each secret is stored, with the principal it was issued
 * to, its expiry and whether it was used. Looking a ticket up by the hash of what was presented
 * reveals nothing about other secrets through timing (the index compares hashes, not secrets).
 */
export interface TicketIdentity {
  issuer: string;
  subject: string;
  devRole: DevRole | null;
}

export const tickets = {
  put(db: Db, hash: string, who: TicketIdentity, expiresAtMs: number): void {
    db.run(
      `INSERT INTO realtime_tickets (hash, issuer, subject, dev_role, expires_at, used) VALUES (?, ?, ?, ?, ?, 0)`,
      hash,
      who.issuer,
      who.subject,
      who.devRole,
      expiresAtMs,
    );
  },

  /**
   * Marks the ticket used and returns its identity, in one statement: a ticket works once, and
   * only before it expires. Unknown, used and expired tickets all answer null.
   */
  consume(db: Db, hash: string, nowMs: number): TicketIdentity | null {
    const row = db.one<{ issuer: string; subject: string; dev_role: string | null }>(
      `UPDATE realtime_tickets SET used = 1 WHERE hash = ? AND used = 0 AND expires_at > ? RETURNING issuer, subject, dev_role`,
      hash,
      nowMs,
    );
    if (!row) return null;
    let devRole: DevRole | null = null;
    if (row.dev_role !== null) {
      const parsed = DevRole.safeParse(row.dev_role);
      // A stored dev role that no longer parses is refused rather than widened to a default.
      if (!parsed.success) return null;
      devRole = parsed.data;
    }
    return { issuer: row.issuer, subject: row.subject, devRole };
  },

  /**
   * Deletes tickets past their expiry (used or not): the table stays bounded by the rate at which
   * tickets are issued.
   */
  prune(db: Db, nowMs: number): number {
    return db.run(`DELETE FROM realtime_tickets WHERE expires_at <= ?`, nowMs);
  },
};
