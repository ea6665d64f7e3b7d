import type { EvidenceKind } from "../../../schemas/common";
import type { Client, JobEvent, Note, Property } from "../../../schemas/records";
import { clients } from "../data/clients";
import type { Db } from "../data/db";
import { events } from "../data/events";
import { jobs, type JobRow } from "../data/jobs";
import { notes } from "../data/notes";
import { properties } from "../data/properties";
import type { Visibility } from "../visibility";

/**
 * The records a job's brief is made from, all of them readable by the caller: the job, its
 * client and property, the newest notes on the job and on its client and property, the job's
 * events, and the other jobs at the same property (for a job without a property: the client's
 * jobs on the same equipment) with their notes and events. A technician's other jobs come only
 * from the jobs assigned to them (the visibility module's rule), so a hidden job, its notes and
 * its events are never read. Bounded: OWN_RECORDS notes and events of the job, OTHER_JOBS other
 * jobs read (the newest), of which EARLIER_VISITS earlier and LATER_VISITS later ones are kept,
 * each with RECORDS_PER_VISIT notes and events.
 */
const OWN_RECORDS = 50;
const OTHER_JOBS = 50;
export const EARLIER_VISITS = 5;
const LATER_VISITS = 3;
const RECORDS_PER_VISIT = 20;

/** One record a sentence may quote: `texts` are its text fields, and a quote is a substring of one of them. */
export interface Source {
  ref: string;
  kind: EvidenceKind;
  id: string;
  jobId: string | null;
  at: string | null;
  texts: string[];
}

export interface Visit {
  job: JobRow;
  source: Source;
  /** Whether the job names one of this job's equipment tags. */
  sameEquipment: boolean;
  notes: Source[];
  events: { source: Source; event: JobEvent }[];
}

export interface BriefRecords {
  job: JobRow;
  jobSource: Source;
  client: { client: Client; source: Source } | null;
  property: { property: Property; source: Source } | null;
  /** Equipment tags the job names (`RTU-2`, `WH-1`), in order of appearance. */
  equipment: string[];
  /** Newest first: the job's own notes, and its client's and property's. */
  notes: Source[];
  /** Newest first. */
  events: { source: Source; event: JobEvent }[];
  /** Earlier visits, newest first (the ones on the same equipment preferred when there are more). */
  earlier: Visit[];
  /** Later visits still to come (return visits), soonest first. */
  later: Visit[];
}

/** Equipment tags: a short upper-case code, a dash and a number ("RTU-2", "BLR-1", "CV-1"; not "R-410A"). */
const EQUIPMENT_TAG = /\b[A-Z]{1,5}-\d{1,3}\b(?![-.\w])/g;

export function equipmentTags(text: string): string[] {
  return [...new Set([...text.matchAll(EQUIPMENT_TAG)].map((m) => m[0]))];
}

export function gatherBriefRecords(db: Db, visibility: Visibility, job: JobRow): BriefRecords {
  const equipment = equipmentTags(`${job.title}\n${job.description ?? ""}`);
  const client = clients.byPk(db, job.client_pk);
  const property = job.property_pk === null ? null : properties.byPk(db, job.property_pk);
  const assignedTo = visibility.kind === "assigned" ? visibility.userId : null;
  const place = job.property_pk === null ? { clientPk: job.client_pk } : { propertyPk: job.property_pk };
  const others = jobs
    .atPlace(db, place, job.pk, assignedTo, OTHER_JOBS)
    .filter((row) => visibility.kind === "all" || visibility.jobPks.has(row.pk))
    .map((row) => ({ row, sameEquipment: equipmentTags(`${row.title}\n${row.description ?? ""}`).some((t) => equipment.includes(t)) }))
    // A client's jobs elsewhere count only when they are on the same equipment.
    .filter((o) => job.property_pk !== null || o.sameEquipment);
  const start = visitStart(job);
  const earlierRows = others.filter((o) => visitStart(o.row) < start && o.row.status !== "cancelled");
  const earlier = [...earlierRows.filter((o) => o.sameEquipment), ...earlierRows.filter((o) => !o.sameEquipment)]
    .slice(0, EARLIER_VISITS)
    .sort((a, b) => visitStart(b.row).localeCompare(visitStart(a.row)));
  const later = others
    .filter((o) => visitStart(o.row) > start && (o.row.status === "scheduled" || o.row.status === "in_progress"))
    .reverse()
    .slice(0, LATER_VISITS);
  return {
    job,
    jobSource: jobSource(job),
    client: client
      ? { client, source: source("client", client.id, null, client.updatedAt, [client.name, client.email, client.phone]) }
      : null,
    property: property
      ? { property, source: source("property", property.id, null, property.updatedAt, [property.address, property.label]) }
      : null,
    equipment,
    notes: notes.forJobContext(db, job, OWN_RECORDS).map(noteSource),
    events: events.forJob(db, job.pk, OWN_RECORDS).map(eventSource),
    earlier: earlier.map((o) => visit(db, o.row, o.sameEquipment)),
    later: later.map((o) => visit(db, o.row, o.sameEquipment)),
  };
}

/** When a visit happens: its scheduled start, else when the job was created. */
export const visitStart = (row: JobRow): string => row.scheduled_start ?? row.created_at;

function visit(db: Db, row: JobRow, sameEquipment: boolean): Visit {
  return {
    job: row,
    source: jobSource(row),
    sameEquipment,
    notes: notes.forJob(db, row.pk, RECORDS_PER_VISIT).map(noteSource),
    events: events.forJob(db, row.pk, RECORDS_PER_VISIT).map(eventSource),
  };
}

function jobSource(row: JobRow): Source {
  const texts = [row.title, row.description, row.status, row.priority, row.scheduled_start, row.scheduled_end];
  return source("job", row.id, row.id, row.updated_at, texts);
}

function noteSource(n: Note): Source {
  return source("note", n.id, n.jobId, n.createdAt, [n.body]);
}

/** An event's text as the index and the copilot's evidence hold it: its type, then its data as JSON. */
export function eventText(e: JobEvent): string {
  return e.data ? `${e.type}\n${JSON.stringify(e.data)}` : `${e.type}\n`;
}

function eventSource(e: JobEvent): { source: Source; event: JobEvent } {
  return { source: source("event", e.id, e.jobId, e.at, [eventText(e)]), event: e };
}

function source(kind: EvidenceKind, id: string, jobId: string | null, at: string | null, texts: (string | null | undefined)[]): Source {
  return { ref: `${kind}:${id}`, kind, id, jobId, at, texts: texts.filter((t): t is string => typeof t === "string" && t !== "") };
}
