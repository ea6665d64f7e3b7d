import type {
  Client,
  ClientInput,
  Job,
  JobEvent,
  JobInput,
  Note,
  NoteInput,
  EventInput,
  Property,
  PropertyInput,
} from "../../../schemas/records";
import type { JobListQuery, JobPatch } from "../../../schemas/jobs";
import { EventData, JobPriority, JobStatus } from "../../../schemas/records";
import type { RecordData } from "../../../schemas/export";
import { parseStoredJson, type Db } from "./db";

/** A page of an export: rows in primary-key order, and where the next page starts (null: done). */
export interface ExportPage<T, C = number> {
  rows: T[];
  next: C | null;
}

function page<R extends { pk: number }, T>(rows: R[], limit: number, map: (r: R) => T): ExportPage<T> {
  const last = rows[rows.length - 1];
  return { rows: rows.map(map), next: rows.length === limit && last ? last.pk : null };
}

/**
 * Data access for the tenant's business records: clients, properties, jobs (with assignees),
 * notes and events. The one place that builds SQL for these tables. Callers pass already
 * validated and sanitised input; reference checks are the caller's (ingest), existence lookups
 * are here.
 */

export type UpsertOutcome = "inserted" | "updated" | "unchanged";

interface ClientRow {
  pk: number;
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  created_at: string;
  updated_at: string;
}
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
export interface JobRow {
  pk: number;
  id: string;
  client_pk: number;
  client_id: string;
  property_pk: number | null;
  property_id: string | null;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  scheduled_start: string | null;
  scheduled_end: string | null;
  created_at: string;
  updated_at: string;
}
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
interface EventRow {
  pk: number;
  id: string;
  job_pk: number;
  job_id: string;
  type: string;
  at: string;
  data: string | null;
}

const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

// ---------------------------------------------------------------- clients

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

// ---------------------------------------------------------------- properties

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

// ---------------------------------------------------------------- jobs

const JOB_SELECT = `SELECT j.*, c.id AS client_id, p.id AS property_id
  FROM jobs j JOIN clients c ON c.pk = j.client_pk LEFT JOIN properties p ON p.pk = j.property_pk`;

/** Filters for a page of jobs; `assignedTo` is set by the visibility module, never by the caller. */
export interface JobFilter extends Omit<JobListQuery, "clientId" | "propertyId" | "cursor"> {
  clientPk?: number;
  propertyPk?: number;
  assignedTo?: string;
  /** Exclusive lower bound on job id (from the decoded cursor). */
  after?: string;
}

export const jobs = {
  byId(db: Db, id: string): JobRow | null {
    return db.one<JobRow>(`${JOB_SELECT} WHERE j.id = ?`, id);
  },
  pkOf(db: Db, id: string): number | null {
    return db.one<{ pk: number }>(`SELECT pk FROM jobs WHERE id = ?`, id)?.pk ?? null;
  },
  assignees(db: Db, jobPk: number): string[] {
    return db.all<{ user_id: string }>(`SELECT user_id FROM job_assignees WHERE job_pk = ? ORDER BY user_id`, jobPk).map((r) => r.user_id);
  },
  /** Jobs assigned to a user, with the client and property each one opens to that user. */
  assignedTo(db: Db, userId: string): { pk: number; client_pk: number; property_pk: number | null }[] {
    return db.all(
      `SELECT j.pk, j.client_pk, j.property_pk FROM job_assignees a JOIN jobs j ON j.pk = a.job_pk WHERE a.user_id = ?`,
      userId,
    );
  },
  toApi(db: Db, row: JobRow): Job {
    return {
      id: row.id,
      clientId: row.client_id,
      propertyId: row.property_id,
      title: row.title,
      description: row.description,
      // Stored enums are parsed like any other boundary input (a corrupt row fails loudly).
      status: JobStatus.parse(row.status),
      priority: JobPriority.parse(row.priority),
      scheduledStart: row.scheduled_start,
      scheduledEnd: row.scheduled_end,
      assignees: jobs.assignees(db, row.pk),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  },
  /** One page, keyset-paginated on pk. Every condition is a fixed fragment with a bound value. */
  /**
   * One page in job-id order (keyset pagination on the caller's own ids, so a cursor reveals
   * nothing about records the caller cannot see). Every condition is a fixed fragment with a
   * bound value.
   */
  list(db: Db, f: JobFilter): { rows: JobRow[]; lastId: string | null } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (f.assignedTo !== undefined) {
      where.push(`j.pk IN (SELECT job_pk FROM job_assignees WHERE user_id = ?)`);
      params.push(f.assignedTo);
    }
    if (f.assignee !== undefined) {
      where.push(`j.pk IN (SELECT job_pk FROM job_assignees WHERE user_id = ?)`);
      params.push(f.assignee);
    }
    if (f.status !== undefined) {
      where.push(`j.status = ?`);
      params.push(f.status);
    }
    if (f.priority !== undefined) {
      where.push(`j.priority = ?`);
      params.push(f.priority);
    }
    if (f.clientPk !== undefined) {
      where.push(`j.client_pk = ?`);
      params.push(f.clientPk);
    }
    if (f.propertyPk !== undefined) {
      where.push(`j.property_pk = ?`);
      params.push(f.propertyPk);
    }
    if (f.scheduledFrom !== undefined) {
      where.push(`j.scheduled_start >= ?`);
      params.push(f.scheduledFrom);
    }
    if (f.scheduledTo !== undefined) {
      where.push(`j.scheduled_start < ?`);
      params.push(f.scheduledTo);
    }
    if (f.after !== undefined) {
      where.push(`j.id > ?`);
      params.push(f.after);
    }
    const sql = `${JOB_SELECT}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY j.id LIMIT ?`;
    const rows = db.all<JobRow>(sql, ...params, f.limit + 1);
    const more = rows.length > f.limit;
    const page = more ? rows.slice(0, f.limit) : rows;
    return { rows: page, lastId: more ? (page[page.length - 1]?.id ?? null) : null };
  },
  upsert(db: Db, input: JobInput, refs: { clientPk: number; propertyPk: number | null }, now: string): UpsertOutcome {
    const row = db.one<JobRow>(`${JOB_SELECT} WHERE j.id = ?`, input.id);
    const next = {
      title: input.title,
      description: opt(input.description),
      status: input.status,
      priority: input.priority ?? "normal",
      start: opt(input.scheduledStart),
      end: opt(input.scheduledEnd),
    };
    const assignees = [...new Set(input.assignees ?? [])].sort();
    if (!row) {
      db.run(
        `INSERT INTO jobs (id, client_pk, property_pk, title, description, status, priority, scheduled_start, scheduled_end, created_at, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        input.id,
        refs.clientPk,
        refs.propertyPk,
        next.title,
        next.description,
        next.status,
        next.priority,
        next.start,
        next.end,
        now,
        now,
      );
      const pk = jobs.pkOf(db, input.id);
      if (pk !== null) jobs.setAssignees(db, pk, assignees);
      return "inserted";
    }
    const sameAssignees = input.assignees === undefined || sameList(jobs.assignees(db, row.pk), assignees);
    const same =
      row.client_pk === refs.clientPk &&
      row.property_pk === refs.propertyPk &&
      row.title === next.title &&
      row.description === next.description &&
      row.status === next.status &&
      row.priority === next.priority &&
      row.scheduled_start === next.start &&
      row.scheduled_end === next.end &&
      sameAssignees;
    if (same) return "unchanged";
    db.run(
      `UPDATE jobs SET client_pk = ?, property_pk = ?, title = ?, description = ?, status = ?, priority = ?,
              scheduled_start = ?, scheduled_end = ?, updated_at = ? WHERE pk = ?`,
      refs.clientPk,
      refs.propertyPk,
      next.title,
      next.description,
      next.status,
      next.priority,
      next.start,
      next.end,
      now,
      row.pk,
    );
    if (input.assignees !== undefined) jobs.setAssignees(db, row.pk, assignees);
    return "updated";
  },
  /** Applies a validated patch; returns false when nothing changed. */
  patch(db: Db, row: JobRow, patch: JobPatch, now: string): boolean {
    const next = {
      title: patch.title ?? row.title,
      description: patch.description === undefined ? row.description : patch.description,
      status: patch.status ?? row.status,
      priority: patch.priority ?? row.priority,
      start: patch.scheduledStart === undefined ? row.scheduled_start : patch.scheduledStart,
      end: patch.scheduledEnd === undefined ? row.scheduled_end : patch.scheduledEnd,
    };
    const assignees = patch.assignees === undefined ? undefined : [...new Set(patch.assignees)].sort();
    const sameAssignees = assignees === undefined || sameList(jobs.assignees(db, row.pk), assignees);
    const same =
      next.title === row.title &&
      next.description === row.description &&
      next.status === row.status &&
      next.priority === row.priority &&
      next.start === row.scheduled_start &&
      next.end === row.scheduled_end &&
      sameAssignees;
    if (same) return false;
    db.run(
      `UPDATE jobs SET title = ?, description = ?, status = ?, priority = ?, scheduled_start = ?, scheduled_end = ?, updated_at = ? WHERE pk = ?`,
      next.title,
      next.description,
      next.status,
      next.priority,
      next.start,
      next.end,
      now,
      row.pk,
    );
    if (assignees !== undefined) jobs.setAssignees(db, row.pk, assignees);
    return true;
  },
  setAssignees(db: Db, jobPk: number, userIds: string[]): void {
    db.run(`DELETE FROM job_assignees WHERE job_pk = ?`, jobPk);
    for (const userId of userIds) db.run(`INSERT INTO job_assignees (job_pk, user_id) VALUES (?, ?)`, jobPk, userId);
  },
  exportPage(db: Db, after: number, limit: number): ExportPage<RecordData<"job">> {
    const rows = db.all<JobRow>(`${JOB_SELECT} WHERE j.pk > ? ORDER BY j.pk LIMIT ?`, after, limit);
    return page(rows, limit, (r) => {
      const {
        id,
        clientId,
        propertyId,
        title,
        description,
        status,
        priority,
        scheduledStart,
        scheduledEnd,
        assignees,
        createdAt,
        updatedAt,
      } = jobs.toApi(db, r);
      return {
        id,
        clientId,
        propertyId,
        title,
        description,
        status,
        priority,
        scheduledStart,
        scheduledEnd,
        assignees,
        createdAt,
        updatedAt,
      };
    });
  },
  restore(db: Db, j: RecordData<"job">, refs: { clientPk: number; propertyPk: number | null }): boolean {
    const written = db.run(
      `INSERT INTO jobs (id, client_pk, property_pk, title, description, status, priority, scheduled_start, scheduled_end, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
      j.id,
      refs.clientPk,
      refs.propertyPk,
      j.title,
      j.description,
      j.status,
      j.priority,
      j.scheduledStart,
      j.scheduledEnd,
      j.createdAt,
      j.updatedAt,
    );
    if (written === 0) return false;
    const pk = jobs.pkOf(db, j.id);
    if (pk !== null) jobs.setAssignees(db, pk, j.assignees);
    return true;
  },
  count(db: Db): number {
    return db.one<{ n: number }>(`SELECT count(*) AS n FROM jobs`)?.n ?? 0;
  },
  /** Whether moving a property to `clientPk` would leave jobs whose client differs from their property's. */
  hasJobsOfOtherClient(db: Db, propertyPk: number, clientPk: number): boolean {
    return db.one(`SELECT 1 AS x FROM jobs WHERE property_pk = ? AND client_pk <> ? LIMIT 1`, propertyPk, clientPk) !== null;
  },
};

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// ---------------------------------------------------------------- notes

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
  /** The newest notes on a job and on its client and property (what a technician on site needs). */
  forJobContext(db: Db, job: { pk: number; client_pk: number; property_pk: number | null }, limit: number): Note[] {
    return db
      .all<NoteRow>(
        `${NOTE_SELECT} WHERE n.job_pk = ?1 OR n.client_pk = ?2 OR (?3 IS NOT NULL AND n.property_pk = ?3)
       ORDER BY n.created_at DESC, n.pk DESC LIMIT ?4`,
        job.pk,
        job.client_pk,
        job.property_pk,
        limit,
      )
      .map(noteToApi);
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

// ---------------------------------------------------------------- events

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

// ---------------------------------------------------------------- reindex

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
