import { clients } from "./clients";
import type { Db } from "./db";
import { events } from "./events";
import { jobs } from "./jobs";
import { notes } from "./notes";
import { properties } from "./properties";

/**
 * Rewrites the full-text rows of a batch of records: a no-op update of the indexed column fires
 * the same trigger (migrations v1) that keeps the index current on every write, so there is one
 * definition of what the index holds. Returns the last pk of the batch, or null when done.
 */
const REINDEX: Record<"job" | "note" | "event" | "client" | "property", { table: string; touch: string }> = {
  job: { table: "jobs", touch: `UPDATE jobs SET title = title WHERE pk > ? AND pk <= ?` },
  note: { table: "notes", touch: `UPDATE notes SET body = body WHERE pk > ? AND pk <= ?` },
  event: { table: "events", touch: `UPDATE events SET type = type WHERE pk > ? AND pk <= ?` },
  client: { table: "clients", touch: `UPDATE clients SET name = name WHERE pk > ? AND pk <= ?` },
  property: { table: "properties", touch: `UPDATE properties SET address = address WHERE pk > ? AND pk <= ?` },
};
const LAST_PK_OF_BATCH: Record<keyof typeof REINDEX, string> = {
  job: `SELECT max(pk) AS pk FROM (SELECT pk FROM jobs WHERE pk > ? ORDER BY pk LIMIT ?)`,
  note: `SELECT max(pk) AS pk FROM (SELECT pk FROM notes WHERE pk > ? ORDER BY pk LIMIT ?)`,
  event: `SELECT max(pk) AS pk FROM (SELECT pk FROM events WHERE pk > ? ORDER BY pk LIMIT ?)`,
  client: `SELECT max(pk) AS pk FROM (SELECT pk FROM clients WHERE pk > ? ORDER BY pk LIMIT ?)`,
  property: `SELECT max(pk) AS pk FROM (SELECT pk FROM properties WHERE pk > ? ORDER BY pk LIMIT ?)`,
};
export const INDEXED_KINDS = Object.keys(REINDEX) as (keyof typeof REINDEX)[];

export function reindexBatch(db: Db, kind: keyof typeof REINDEX, afterPk: number, limit: number): number | null {
  const last = db.one<{ pk: number | null }>(LAST_PK_OF_BATCH[kind], afterPk, limit)?.pk ?? null;
  if (last === null) return null;
  db.run(REINDEX[kind].touch, afterPk, last);
  return last;
}

/** Records per indexed kind (for the index's coverage). */
export function recordCounts(db: Db): Record<keyof typeof REINDEX, number> {
  return {
    job: jobs.count(db),
    note: notes.count(db),
    event: events.count(db),
    client: clients.count(db),
    property: properties.count(db),
  };
}
