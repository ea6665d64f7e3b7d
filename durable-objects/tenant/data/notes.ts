import type { Note, NoteInput } from "../../../schemas/records";
import type { RecordData } from "../../../schemas/export";
import type { Db } from "./db";
import { opt, page, type ExportPage, type UpsertOutcome } from "./rows";

/** The `notes` table (each on a job, a client or a property): the one place that builds its SQL. */

interface NoteRow {
  pk: number;
  id: string;
  body: string;
  job_pk: number | null;
  client_pk: number | null;
  property_pk: number | null;
  job_id: string | null;
  client_id: string | null;
  property_id: string | null;
  author_id: string | null;
  created_at: string;
  updated_at: string;
}

const NOTE_SELECT = `SELECT n.*, j.id AS job_id, c.id AS client_id, p.id AS property_id
  FROM notes n LEFT JOIN jobs j ON j.pk = n.job_pk LEFT JOIN clients c ON c.pk = n.client_pk LEFT JOIN properties p ON p.pk = n.property_pk`;

export interface NoteTarget {
  jobPk: number | null;
  clientPk: number | null;
  propertyPk: number | null;
}

export const notes = {
  upsert(db: Db, input: Pick<NoteInput, "id" | "body" | "authorId" | "createdAt">, target: NoteTarget, now: string): UpsertOutcome {
    const row = db.one<NoteRow>(`${NOTE_SELECT} WHERE n.id = ?`, input.id);
    const author = opt(input.authorId);
    if (!row) {
      db.run(
        `INSERT INTO notes (id, body, job_pk, client_pk, property_pk, author_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        input.id,
        input.body,
        target.jobPk,
        target.clientPk,
        target.propertyPk,
        author,
        input.createdAt ?? now,
        now,
      );
      return "inserted";
    }
    const createdAt = input.createdAt ?? row.created_at;
    if (
      row.body === input.body &&
      row.job_pk === target.jobPk &&
      row.client_pk === target.clientPk &&
      row.property_pk === target.propertyPk &&
      row.author_id === author &&
      row.created_at === createdAt
    )
      return "unchanged";
    db.run(
      `UPDATE notes SET body = ?, job_pk = ?, client_pk = ?, property_pk = ?, author_id = ?, created_at = ?, updated_at = ? WHERE pk = ?`,
      input.body,
      target.jobPk,
      target.clientPk,
      target.propertyPk,
      author,
      createdAt,
      now,
      row.pk,
    );
    return "updated";
  },
  exists(db: Db, id: string): boolean {
    return db.one(`SELECT 1 AS x FROM notes WHERE id = ?`, id) !== null;
  },
  byId(db: Db, id: string): Note | null {
    const row = db.one<NoteRow>(`${NOTE_SELECT} WHERE n.id = ?`, id);
    return row ? noteToApi(row) : null;
  },
  /** The newest notes on a job itself. */
  forJob(db: Db, jobPk: number, limit: number): Note[] {
    return db.all<NoteRow>(`${NOTE_SELECT} WHERE n.job_pk = ? ORDER BY n.created_at DESC, n.pk DESC LIMIT ?`, jobPk, limit).map(noteToApi);
  },
  /**
   * The newest notes on a job and on its client and property (what a technician on site needs).
   * The newest `limit` of the three together are among the newest `limit` of each, which each
   * index yields in order without reading a row: so at most 3 × `limit` index entries are read
   * and only the `limit` chosen rows are fetched and joined, however many notes the job, client
   * or property has (a note on two of them is counted once).
   */
  forJobContext(db: Db, job: { pk: number; client_pk: number; property_pk: number | null }, limit: number): Note[] {
    return db
      .all<NoteRow>(
        `${NOTE_SELECT} WHERE n.pk IN (
           SELECT pk FROM (
             SELECT pk, created_at FROM (SELECT pk, created_at FROM notes WHERE job_pk = ?1 ORDER BY created_at DESC, pk DESC LIMIT ?4)
             UNION SELECT pk, created_at FROM (SELECT pk, created_at FROM notes WHERE client_pk = ?2 ORDER BY created_at DESC, pk DESC LIMIT ?4)
             UNION SELECT pk, created_at FROM (SELECT pk, created_at FROM notes WHERE property_pk = ?3 ORDER BY created_at DESC, pk DESC LIMIT ?4)
           ) ORDER BY created_at DESC, pk DESC LIMIT ?4)
         ORDER BY n.created_at DESC, n.pk DESC`,
        job.pk,
        job.client_pk,
        job.property_pk,
        limit,
      )
      .map(noteToApi);
  },
  /** The newest notes on a client's properties (its sites' access, parking and safety notes), with each property's pk. */
  forClientProperties(db: Db, clientPk: number, limit: number): (Note & { propertyPk: number })[] {
    return db
      .all<NoteRow & { property_pk: number }>(
        `${NOTE_SELECT} WHERE n.property_pk IN (SELECT pk FROM properties WHERE client_pk = ?)
         ORDER BY n.created_at DESC, n.pk DESC LIMIT ?`,
        clientPk,
        limit,
      )
      .map((r) => ({ ...noteToApi(r), propertyPk: r.property_pk }));
  },
  exportPage(db: Db, after: number, limit: number): ExportPage<RecordData<"note">> {
    const rows = db.all<NoteRow>(`${NOTE_SELECT} WHERE n.pk > ? ORDER BY n.pk LIMIT ?`, after, limit);
    return page(rows, limit, (r) => ({
      id: r.id,
      body: r.body,
      jobId: r.job_id,
      clientId: r.client_id,
      propertyId: r.property_id,
      authorId: r.author_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  },
  restore(db: Db, n: RecordData<"note">, target: NoteTarget): boolean {
    return (
      db.run(
        `INSERT INTO notes (id, body, job_pk, client_pk, property_pk, author_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
        n.id,
        n.body,
        target.jobPk,
        target.clientPk,
        target.propertyPk,
        n.authorId,
        n.createdAt,
        n.updatedAt,
      ) > 0
    );
  },
  count(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM notes`)?.n ?? 0;
  },
};

function noteToApi(r: NoteRow): Note {
  return {
    id: r.id,
    body: r.body,
    jobId: r.job_id,
    clientId: r.client_id,
    propertyId: r.property_id,
    authorId: r.author_id,
    createdAt: r.created_at,
  };
}
