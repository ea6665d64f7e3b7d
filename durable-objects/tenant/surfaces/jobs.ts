import { AppError, parseOr422 } from "../../../schemas/errors";
import {
  JobListQuery,
  JobPatch,
  MAX_ASSIGNEES,
  NoteCreate,
  decodeCursor,
  encodeCursor,
  type Evidence,
  type JobContext,
  type JobList,
} from "../../../schemas/jobs";
import type { Preconditions, Tagged } from "../../../schemas/preconditions";
import { Note, type Job } from "../../../schemas/records";
import { clients } from "../data/clients";
import type { Db } from "../data/db";
import { events } from "../data/events";
import { jobs, type JobFilter, type JobRow } from "../data/jobs";
import { members } from "../data/members";
import { notes } from "../data/notes";
import { properties } from "../data/properties";
import { requirePreconditions, tagged } from "../etag";
import { requireVisibleJob, type CallContext } from "../guard";
import type { Runtime } from "../runtime";
import { requirePlainText, toPlainText } from "../sanitize";
import { jobListRestriction } from "../visibility";
import { remember, replayOf, type Idempotency } from "./idempotent";

/**
 * `/v1/jobs…`: listing, reading and changing jobs, adding notes, and a job's context with its
 * evidence. Every job is looked up through the guard's visibility check, so a job the caller may
 * not see answers exactly like one that does not exist.
 */
const CONTEXT_NOTES = 20;
const CONTEXT_EVENTS = 20;

export function listJobs(rt: Runtime, c: CallContext, query: JobListQuery): JobList {
  const { clientId, propertyId, cursor, ...rest } = parseOr422(JobListQuery, query);
  const filter: JobFilter = { ...rest, ...jobListRestriction(c.visibility()) };
  const after = cursor === undefined ? null : decodeCursor(cursor);
  if (after !== null) filter.after = after;
  if (clientId !== undefined) {
    const pk = clients.pkOf(rt.db, clientId);
    if (pk === null) return { jobs: [], nextCursor: null };
    filter.clientPk = pk;
  }
  if (propertyId !== undefined) {
    const ref = properties.refOf(rt.db, propertyId);
    if (ref === null) return { jobs: [], nextCursor: null };
    filter.propertyPk = ref.pk;
  }
  const page = jobs.list(rt.db, filter);
  return {
    jobs: page.rows.map((row) => jobs.toApi(rt.db, row)),
    nextCursor: page.lastId === null ? null : encodeCursor(page.lastId),
  };
}

/** A job and its entity tag (a hidden job is "not found" before any precondition is looked at). */
export function getJob(rt: Runtime, c: CallContext, jobId: string): Tagged<Job> {
  return tagged("job", jobs.toApi(rt.db, requireVisibleJob(rt.db, c, jobId, "job.read")));
}

/**
 * Changes a job. Visibility first (a job the caller may not see is "not found", whatever the
 * preconditions say), then, inside the write's transaction, the preconditions against the job's
 * current tag, then the change: a stale If-Match writes nothing, audits nothing, notifies nobody.
 */
export function patchJob(rt: Runtime, c: CallContext, jobId: string, patch: JobPatch, preconditions: Preconditions): Tagged<Job> {
  const row = requireVisibleJob(rt.db, c, jobId, "job.update");
  const parsed = parseOr422(JobPatch, patch);
  const { assigneesAdd, assigneesRemove, ...clean } = parsed;
  if (clean.title !== undefined) clean.title = requirePlainText(clean.title, "title");
  if (typeof clean.description === "string") clean.description = toPlainText(clean.description);
  const changed = rt.db.transaction(() => {
    requirePreconditions(preconditions, tagged("job", jobs.toApi(rt.db, row)).etag, `job ${row.id}`);
    const assignees = assigneesAdd || assigneesRemove ? assigneesAfter(rt.db, row, assigneesAdd ?? [], assigneesRemove ?? []) : undefined;
    const did = jobs.patch(rt.db, row, assignees === undefined ? clean : { ...clean, assignees }, c.now);
    if (did) c.audit({ action: "job.update", target: `job:${row.id}`, outcome: "ok", reason: `fields: ${Object.keys(parsed).join(",")}` });
    return did;
  });
  const fresh = changed ? jobs.byId(rt.db, row.id) : row;
  if (!fresh) throw new AppError("not_found", `job ${row.id} not found`);
  if (changed) rt.sockets.notifyJobsUpdated([row.id]);
  return tagged("job", jobs.toApi(rt.db, fresh));
}

/**
 * The assignee list after adding and removing, read and written in the same transaction (an id
 * already there, or not there, is no change); the bound on assignees applies to the result.
 */
function assigneesAfter(db: Db, row: JobRow, add: string[], remove: string[]): string[] {
  const next = new Set(jobs.assignees(db, row.pk));
  for (const id of add) next.add(id);
  for (const id of remove) next.delete(id);
  if (next.size > MAX_ASSIGNEES) {
    throw new AppError("validation_failed", `job ${row.id} would have ${next.size} assignees; at most ${MAX_ASSIGNEES}`, {
      errors: [{ path: "assigneesAdd", message: `the result would have ${next.size} assignees; at most ${MAX_ASSIGNEES}` }],
    });
  }
  return [...next];
}

export function addNote(
  rt: Runtime,
  c: CallContext,
  jobId: string,
  input: NoteCreate,
  idem: Idempotency | null,
): Note & { replayed: boolean } {
  const row = requireVisibleJob(rt.db, c, jobId, "note.create");
  const note = parseOr422(NoteCreate, input);
  // A retried send (a phone that lost the answer) gets the first note back, and no second one.
  if (idem) {
    const replay = replayOf(rt, c, idem, Note);
    if (replay) return { ...replay, replayed: true };
  }
  // Ids are one namespace per tenant: a caller who cannot see every record could otherwise
  // probe for hidden notes' ids through 409s, so only they get server-made ids.
  if (note.id !== undefined && c.visibility().kind !== "all") {
    throw new AppError("validation_failed", "note ids are chosen by the server for this role", {
      errors: [{ path: "id", message: "may not be set by this role" }],
    });
  }
  const id = note.id ?? `N-${crypto.randomUUID()}`;
  if (notes.exists(rt.db, id)) throw new AppError("conflict", `note ${id} already exists`);
  const body = requirePlainText(note.body, "body");
  const created = rt.db.transaction(() => {
    notes.upsert(rt.db, { id, body, authorId: c.caller.subject }, { jobPk: row.pk, clientPk: null, propertyPk: null }, c.now);
    c.audit({ action: "note.create", target: `note:${id}`, outcome: "ok", reason: `on job:${row.id}` });
    const written = notes.byId(rt.db, id);
    if (!written) throw new AppError("internal", "note vanished after write");
    if (idem) remember(rt, c, idem, 201, written);
    return written;
  });
  rt.sockets.notifyJobsUpdated([row.id]);
  return { ...created, replayed: false };
}

/** Everything a technician needs about a job, with `evidence` refs the copilot and search use too (audited). */
export function jobContext(rt: Runtime, c: CallContext, jobId: string): JobContext {
  const db = rt.db;
  const row = requireVisibleJob(db, c, jobId, "context.read");
  const job = jobs.toApi(db, row);
  const client = clients.byPk(db, row.client_pk);
  const property = row.property_pk === null ? null : properties.byPk(db, row.property_pk);
  const recentNotes = notes.forJobContext(db, row, CONTEXT_NOTES);
  const recentEvents = events.forJob(db, row.pk, CONTEXT_EVENTS);
  const people = members.emailsOf(db, job.assignees);
  const evidence: Evidence[] = [
    { ref: `job:${job.id}`, kind: "job", text: [job.title, job.description].filter(Boolean).join("\n"), at: job.updatedAt },
  ];
  if (client) {
    const text = [client.name, client.email, client.phone].filter(Boolean).join("\n");
    evidence.push({ ref: `client:${client.id}`, kind: "client", text, at: client.updatedAt });
  }
  if (property) {
    const text = [property.address, property.label].filter(Boolean).join("\n");
    evidence.push({ ref: `property:${property.id}`, kind: "property", text, at: property.updatedAt });
  }
  for (const n of recentNotes) evidence.push({ ref: `note:${n.id}`, kind: "note", text: n.body, at: n.createdAt });
  for (const e of recentEvents) {
    evidence.push({ ref: `event:${e.id}`, kind: "event", text: e.data ? `${e.type} ${JSON.stringify(e.data)}` : e.type, at: e.at });
  }
  c.audit({ action: "context.read", target: `job:${job.id}`, outcome: "ok", reason: null });
  return {
    job,
    client,
    property,
    assignees: job.assignees.map((userId) => ({
      userId,
      email: people.get(userId)?.email ?? null,
      role: people.get(userId)?.role ?? null,
    })),
    notes: recentNotes,
    events: recentEvents,
    evidence,
  };
}
