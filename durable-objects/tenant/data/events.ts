import type { EventInput, JobEvent } from "../../../schemas/records";
import { EventData } from "../../../schemas/records";
import type { RecordData } from "../../../schemas/export";
import { parseStoredJson, type Db } from "./db";
import { page, type ExportPage, type UpsertOutcome } from "./rows";

/** The `events` table (typed, timestamped, on a job): the one place that builds its SQL. */

interface EventRow {
  pk: number;
  id: string;
  job_pk: number;
  job_id: string;
  type: string;
  at: string;
  data: string | null;
}

export const events = {
  upsert(db: Db, input: EventInput, jobPk: number): UpsertOutcome {
    const row = db.one<EventRow>(`SELECT e.*, j.id AS job_id FROM events e JOIN jobs j ON j.pk = e.job_pk WHERE e.id = ?`, input.id);
    const data = input.data === undefined ? null : JSON.stringify(input.data);
    if (!row) {
      db.run(`INSERT INTO events (id, job_pk, type, at, data) VALUES (?, ?, ?, ?, ?)`, input.id, jobPk, input.type, input.at, data);
      return "inserted";
    }
    if (row.job_pk === jobPk && row.type === input.type && row.at === input.at && row.data === data) return "unchanged";
    db.run(`UPDATE events SET job_pk = ?, type = ?, at = ?, data = ? WHERE pk = ?`, jobPk, input.type, input.at, data, row.pk);
    return "updated";
  },
  forJob(db: Db, jobPk: number, limit: number): JobEvent[] {
    return db
      .all<EventRow>(
        `SELECT e.*, j.id AS job_id FROM events e JOIN jobs j ON j.pk = e.job_pk WHERE e.job_pk = ? ORDER BY e.at DESC, e.pk DESC LIMIT ?`,
        jobPk,
        limit,
      )
      .map(eventToApi);
  },
  exportPage(db: Db, after: number, limit: number): ExportPage<RecordData<"event">> {
    const rows = db.all<EventRow>(
      `SELECT e.*, j.id AS job_id FROM events e JOIN jobs j ON j.pk = e.job_pk WHERE e.pk > ? ORDER BY e.pk LIMIT ?`,
      after,
      limit,
    );
    return page(rows, limit, (r) => eventToApi(r));
  },
  restore(db: Db, e: RecordData<"event">, jobPk: number): boolean {
    const data = e.data === null ? null : JSON.stringify(e.data);
    return (
      db.run(
        `INSERT INTO events (id, job_pk, type, at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
        e.id,
        jobPk,
        e.type,
        e.at,
        data,
      ) > 0
    );
  },
  count(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM events`)?.n ?? 0;
  },
};

function eventToApi(r: EventRow): JobEvent {
  // Stored JSON is parsed, not trusted: a row that does not match the schema yields null data.
  const data = r.data === null ? null : (parseStoredJson(EventData, r.data) ?? null);
  return { id: r.id, jobId: r.job_id, type: r.type, at: r.at, data };
}
