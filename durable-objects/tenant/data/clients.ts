import type { Client, ClientInput } from "../../../schemas/records";
import type { RecordData } from "../../../schemas/export";
import type { Db } from "./db";
import { opt, page, type ExportPage, type UpsertOutcome } from "./rows";

/** The `clients` table: the one place that builds its SQL. */

interface ClientRow {
  pk: number;
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  created_at: string;
  updated_at: string;
}

export const clients = {
  pkOf(db: Db, id: string): number | null {
    return db.one<{ pk: number }>(`SELECT pk FROM clients WHERE id = ?`, id)?.pk ?? null;
  },
  byPk(db: Db, pk: number): Client | null {
    const row = db.one<ClientRow>(`SELECT * FROM clients WHERE pk = ?`, pk);
    return row ? clientToApi(row) : null;
  },
  upsert(db: Db, input: ClientInput, now: string): UpsertOutcome {
    const row = db.one<ClientRow>(`SELECT * FROM clients WHERE id = ?`, input.id);
    const next = { name: input.name, email: opt(input.email), phone: opt(input.phone) };
    if (!row) {
      db.run(
        `INSERT INTO clients (id, name, email, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
        input.id,
        next.name,
        next.email,
        next.phone,
        now,
        now,
      );
      return "inserted";
    }
    if (row.name === next.name && row.email === next.email && row.phone === next.phone) return "unchanged";
    db.run(
      `UPDATE clients SET name = ?, email = ?, phone = ?, updated_at = ? WHERE pk = ?`,
      next.name,
      next.email,
      next.phone,
      now,
      row.pk,
    );
    return "updated";
  },
  /** Export: every stored field, in pk order, from `after` (exclusive). */
  exportPage(db: Db, after: number, limit: number): ExportPage<RecordData<"client">> {
    const rows = db.all<ClientRow>(`SELECT * FROM clients WHERE pk > ? ORDER BY pk LIMIT ?`, after, limit);
    return page(rows, limit, (r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      phone: r.phone,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  },
  /** Import: the record exactly as exported; false when its id exists already. */
  restore(db: Db, c: RecordData<"client">): boolean {
    return (
      db.run(
        `INSERT INTO clients (id, name, email, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
        c.id,
        c.name,
        c.email,
        c.phone,
        c.createdAt,
        c.updatedAt,
      ) > 0
    );
  },
  count(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM clients`)?.n ?? 0;
  },
};

function clientToApi(r: ClientRow): Client {
  return { id: r.id, name: r.name, email: r.email, phone: r.phone, updatedAt: r.updated_at };
}
