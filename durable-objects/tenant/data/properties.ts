import type { Property, PropertyInput } from "../../../schemas/records";
import type { RecordData } from "../../../schemas/export";
import type { Db } from "./db";
import { opt, page, type ExportPage, type UpsertOutcome } from "./rows";

/** The `properties` table (each belongs to a client): the one place that builds its SQL. */

interface PropertyRow {
  pk: number;
  id: string;
  client_pk: number;
  client_id: string;
  address: string;
  label: string | null;
  created_at: string;
  updated_at: string;
}

const PROPERTY_SELECT = `SELECT p.*, c.id AS client_id FROM properties p JOIN clients c ON c.pk = p.client_pk`;

export const properties = {
  /** pk and owning client pk of a property id, for reference checks. */
  refOf(db: Db, id: string): { pk: number; clientPk: number } | null {
    const row = db.one<{ pk: number; client_pk: number }>(`SELECT pk, client_pk FROM properties WHERE id = ?`, id);
    return row ? { pk: row.pk, clientPk: row.client_pk } : null;
  },
  byPk(db: Db, pk: number): Property | null {
    const row = db.one<PropertyRow>(`${PROPERTY_SELECT} WHERE p.pk = ?`, pk);
    return row ? propertyToApi(row) : null;
  },
  upsert(db: Db, input: PropertyInput, clientPk: number, now: string): UpsertOutcome {
    const row = db.one<PropertyRow>(`${PROPERTY_SELECT} WHERE p.id = ?`, input.id);
    const label = opt(input.label);
    if (!row) {
      db.run(
        `INSERT INTO properties (id, client_pk, address, label, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
        input.id,
        clientPk,
        input.address,
        label,
        now,
        now,
      );
      return "inserted";
    }
    if (row.client_pk === clientPk && row.address === input.address && row.label === label) return "unchanged";
    db.run(
      `UPDATE properties SET client_pk = ?, address = ?, label = ?, updated_at = ? WHERE pk = ?`,
      clientPk,
      input.address,
      label,
      now,
      row.pk,
    );
    return "updated";
  },
  exportPage(db: Db, after: number, limit: number): ExportPage<RecordData<"property">> {
    const rows = db.all<PropertyRow>(`${PROPERTY_SELECT} WHERE p.pk > ? ORDER BY p.pk LIMIT ?`, after, limit);
    return page(rows, limit, (r) => ({
      id: r.id,
      clientId: r.client_id,
      address: r.address,
      label: r.label,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  },
  restore(db: Db, p: RecordData<"property">, clientPk: number): boolean {
    return (
      db.run(
        `INSERT INTO properties (id, client_pk, address, label, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
        p.id,
        clientPk,
        p.address,
        p.label,
        p.createdAt,
        p.updatedAt,
      ) > 0
    );
  },
  count(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM properties`)?.n ?? 0;
  },
};

function propertyToApi(r: PropertyRow): Property {
  return { id: r.id, clientId: r.client_id, address: r.address, label: r.label, updatedAt: r.updated_at };
}
