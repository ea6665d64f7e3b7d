import type { Job, JobInput } from "../../../schemas/records";
import type { JobListQuery, JobPatch } from "../../../schemas/jobs";
import { JobPriority, JobStatus } from "../../../schemas/records";
import type { RecordData } from "../../../schemas/export";
import type { Db } from "./db";
import { opt, page, type ExportPage, type UpsertOutcome } from "./rows";

/**
 * The `jobs` table and its assignees (`job_assignees`): the one place that builds their SQL.
 * Callers pass validated, sanitised input; reference checks are the caller's.
 */

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
    // A job exports exactly as the API shows it.
    return page(rows, limit, (r) => jobs.toApi(db, r));
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
  /**
   * The other jobs at a property (or of a client), newest visit first (scheduled start, else
   * creation), at most `limit`; `assignedTo` restricts them to one technician's jobs, as the
   * visibility module asks. For a job's brief: its earlier and later visits.
   */
  atPlace(
    db: Db,
    place: { propertyPk: number } | { clientPk: number },
    exceptPk: number,
    assignedTo: string | null,
    limit: number,
  ): JobRow[] {
    const [column, pk] = "propertyPk" in place ? ["j.property_pk", place.propertyPk] : ["j.client_pk", place.clientPk];
    return db.all<JobRow>(
      `${JOB_SELECT} WHERE ${column} = ?1 AND j.pk <> ?2
         AND (?3 IS NULL OR j.pk IN (SELECT job_pk FROM job_assignees WHERE user_id = ?3))
       ORDER BY coalesce(j.scheduled_start, j.created_at) DESC, j.pk DESC LIMIT ?4`,
      pk,
      exceptPk,
      assignedTo,
      limit,
    );
  },
  /** Whether moving a property to `clientPk` would leave jobs whose client differs from their property's. */
  hasJobsOfOtherClient(db: Db, propertyPk: number, clientPk: number): boolean {
    return db.one(`SELECT 1 AS x FROM jobs WHERE property_pk = ? AND client_pk <> ? LIMIT 1`, propertyPk, clientPk) !== null;
  },
};

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
