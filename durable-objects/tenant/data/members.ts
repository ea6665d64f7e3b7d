import type { Member } from "../../../schemas/identity";
import type { Role } from "../../../schemas/common";
import type { Db } from "./db";

interface MemberRow {
  issuer: string;
  subject: string;
  role: string;
  status: string;
  email: string | null;
  created_at: string;
  updated_at: string;
}

/** Membership is decided here, in the tenant's own storage: the authority, never the directory. */
export const members = {
  get(db: Db, issuer: string, subject: string): Member | null {
    const row = db.one<MemberRow>(`SELECT * FROM members WHERE issuer = ? AND subject = ?`, issuer, subject);
    return row ? toApi(row) : null;
  },
  upsert(
    db: Db,
    m: { issuer: string; subject: string; role: Role; email: string | null },
    now: string,
  ): "inserted" | "updated" | "unchanged" {
    const row = db.one<MemberRow>(`SELECT * FROM members WHERE issuer = ? AND subject = ?`, m.issuer, m.subject);
    if (!row) {
      db.run(
        `INSERT INTO members (issuer, subject, role, status, email, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?, ?)`,
        m.issuer,
        m.subject,
        m.role,
        m.email,
        now,
        now,
      );
      return "inserted";
    }
    if (row.role === m.role && row.email === m.email && row.status === "active") return "unchanged";
    db.run(
      `UPDATE members SET role = ?, email = ?, status = 'active', updated_at = ? WHERE issuer = ? AND subject = ?`,
      m.role,
      m.email,
      now,
      m.issuer,
      m.subject,
    );
    return "updated";
  },
  list(db: Db): Member[] {
    return db.all<MemberRow>(`SELECT * FROM members ORDER BY issuer, subject`).map(toApi);
  },
  emailsOf(db: Db, subjects: string[]): Map<string, { email: string | null; role: string }> {
    const out = new Map<string, { email: string | null; role: string }>();
    for (const subject of subjects) {
      const row = db.one<MemberRow>(`SELECT * FROM members WHERE subject = ? ORDER BY issuer LIMIT 1`, subject);
      if (row) out.set(subject, { email: row.email, role: row.role });
    }
    return out;
  },
  count(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM members`)?.n ?? 0;
  },
};

function toApi(r: MemberRow): Member {
  return {
    issuer: r.issuer,
    subject: r.subject,
    role: r.role as Role,
    status: r.status as Member["status"],
    email: r.email,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
