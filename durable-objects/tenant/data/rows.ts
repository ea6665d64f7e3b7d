/**
 * Shapes every table module shares: what an upsert did, and pages of rows in primary-key order
 * for exports.
 */
export type UpsertOutcome = "inserted" | "updated" | "unchanged";

/** A page of an export: rows in primary-key order, and where the next page starts (null: done). */
export interface ExportPage<T, C = number> {
  rows: T[];
  next: C | null;
}

export function page<R extends { pk: number }, T>(rows: R[], limit: number, map: (r: R) => T): ExportPage<T> {
  const last = rows[rows.length - 1];
  return { rows: rows.map(map), next: rows.length === limit && last ? last.pk : null };
}

/** `undefined` (an omitted optional field) as SQL NULL. */
export const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
