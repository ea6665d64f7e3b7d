import { Role } from "../../../schemas/common";
import { MemberStatus, type Member } from "../../../schemas/identity";
import type { RecordData } from "../../../schemas/export";
import type { Db } from "./db";
import type { ExportPage } from "./rows";

interface MemberRow {
  issuer: string;
  subject: string;
  role: string;
  status: string;
  email: string | null;
  created_at: string;
  updated_at: string;
}

export type MemberUpsert = { issuer: string; subject: string; role: Role; email?: string | undefined };

/** Membership is decided here, in the tenant's own storage: the authority, never the directory. */
export const members = {
  get(db: Db, issuer: string, subject: string): Member | null {
    const row = db.one<MemberRow>(`SELECT * FROM members WHERE issuer = ? AND subject = ?`, issuer, subject);
    return row ? toApi(row) : null;
  },
  /** Adds or re-activates a member; an omitted e-mail keeps the stored one. */
  upsert(db: Db, m: MemberUpsert, now: string): "inserted" | "updated" | "unchanged" {
    const row = db.one<MemberRow>(`SELECT * FROM members WHERE issuer = ? AND subject = ?`, m.issuer, m.subject);
    if (!row) {
      db.run(
        `INSERT INTO members (issuer, subject, role, status, email, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?, ?)`,
        m.issuer,
        m.subject,
        m.role,
        m.email ?? null,
        now,
        now,
      );
      return "inserted";
    }
    const email = m.email === undefined ? row.email : m.email;
    if (row.role === m.role && row.email === email && row.status === "active") return "unchanged";
    db.run(
      `UPDATE members SET role = ?, email = ?, status = 'active', updated_at = ? WHERE issuer = ? AND subject = ?`,
      m.role,
      email,
      now,
      m.issuer,
      m.subject,
    );
    return "updated";
  },
  list(db: Db): Member[] {
    return db.all<MemberRow>(`SELECT * FROM members ORDER BY issuer, subject`).map(toApi);
  },
  /**
   * E-mail and role of job assignees. Assignees are bare subjects (the product's user ids), so
   * with several identity providers the first issuer in order wins; docs/decisions.md (4).
   */
  emailsOf(db: Db, subjects: string[]): Map<string, { email: string | null; role: string }> {
    const out = new Map<string, { email: string | null; role: string }>();
    if (subjects.length === 0) return out;
    // One statement for all of them (the table has no index on subject alone: one pass, not one per assignee).
    const rows = db.all<MemberRow>(
      `SELECT * FROM members WHERE subject IN (SELECT value FROM json_each(?)) ORDER BY subject, issuer`,
      JSON.stringify(subjects),
    );
    for (const row of rows) if (!out.has(row.subject)) out.set(row.subject, { email: row.email, role: row.role });
    return out;
  },
  /** Every membership of a subject (one per identity provider that knows it). */
  bySubject(db: Db, subject: string): Member[] {
    return db.all<MemberRow>(`SELECT * FROM members WHERE subject = ? ORDER BY issuer`, subject).map(toApi);
  },
  /** Changes role, status or e-mail of an existing member; returns whether anything changed. */
  patch(
    db: Db,
    issuer: string,
    subject: string,
    change: { role: Role; status: "active" | "suspended"; email: string | null },
    now: string,
  ): boolean {
    return (
      db.run(
        `UPDATE members SET role = ?, status = ?, email = ?, updated_at = ?
         WHERE issuer = ? AND subject = ? AND (role IS NOT ? OR status IS NOT ? OR email IS NOT ?)`,
        change.role,
        change.status,
        change.email,
        now,
        issuer,
        subject,
        change.role,
        change.status,
        change.email,
      ) > 0
    );
  },
  remove(db: Db, issuer: string, subject: string): boolean {
    return db.run(`DELETE FROM members WHERE issuer = ? AND subject = ?`, issuer, subject) > 0;
  },
  /** Active admins (the last one may not be removed, suspended or demoted). */
  activeAdmins(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM members WHERE role = 'admin' AND status = 'active'`)?.n ?? 0;
  },
  /** Export: every member as stored, in key order, after the `after` key. */
  exportPage(db: Db, after: [string, string] | null, limit: number): ExportPage<RecordData<"member">, [string, string]> {
    const [issuer, subject] = after ?? ["", ""];
    const rows = db.all<MemberRow>(
      `SELECT * FROM members WHERE (issuer, subject) > (?, ?) ORDER BY issuer, subject LIMIT ?`,
      issuer,
      subject,
      limit,
    );
    const last = rows[rows.length - 1];
    return {
      rows: rows.map((r) => {
        const m = toApi(r);
        return {
          issuer: m.issuer,
          subject: m.subject,
          role: m.role,
          status: m.status,
          email: m.email,
          createdAt: m.createdAt,
          updatedAt: m.updatedAt,
        };
      }),
      next: rows.length === limit && last ? [last.issuer, last.subject] : null,
    };
  },
  /** Import: the member exactly as exported, replacing this tenant's row for the same identity. */
  restore(db: Db, m: RecordData<"member">): void {
    db.run(
      `INSERT INTO members (issuer, subject, role, status, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(issuer, subject) DO UPDATE SET role = excluded.role, status = excluded.status, email = excluded.email,
         created_at = excluded.created_at, updated_at = excluded.updated_at`,
      m.issuer,
      m.subject,
      m.role,
      m.status,
      m.email,
      m.createdAt,
      m.updatedAt,
    );
  },
  count(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM members`)?.n ?? 0;
  },
};

/** Stored values are parsed, not cast: an unknown role or status reads as a suspended technician. */
function toApi(r: MemberRow): Member {
  const role = Role.safeParse(r.role);
  const status = MemberStatus.safeParse(r.status);
  return {
    issuer: r.issuer,
    subject: r.subject,
    role: role.success ? role.data : "technician",
    status: role.success && status.success ? status.data : "suspended",
    email: r.email,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
