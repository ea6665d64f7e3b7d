import { AppError, parseOr422, type FieldError } from "../../../schemas/errors";
import { IngestBody, IngestResult, type IngestCounts, type IngestKind } from "../../../schemas/ingest";
import { clients } from "../data/clients";
import type { Db } from "../data/db";
import { events } from "../data/events";
import { jobs } from "../data/jobs";
import { notes } from "../data/notes";
import { properties } from "../data/properties";
import type { UpsertOutcome } from "../data/rows";
import type { CallContext } from "../guard";
import { jobsTouchedByIngest } from "../realtime/fanout";
import type { Runtime } from "../runtime";
import { EMPTY_TEXT, toPlainText } from "../sanitize";
import { remember, replayOf, type Idempotency } from "./idempotent";

/**
 * `POST /v1/ingest`: the caller's records upserted by their ids, all or nothing, with the
 * Idempotency-Key honoured (same key and body: the first answer again; same key, other body: 409).
 * The key's answer is stored in the same transaction as the writes, so a retry after a crash
 * either finds both or neither.
 */
export function ingest(rt: Runtime, c: CallContext, body: IngestBody, idem: Idempotency | null): IngestResult & { replayed: boolean } {
  const input = parseOr422(IngestBody, body);
  if (idem) {
    const replay = replayOf(rt, c, idem, IngestResult);
    if (replay) return { ...replay, replayed: true };
  }
  const result = ingestBatch(rt.db, input, c.now, (counts) => {
    const total = Object.values(counts).reduce((n, k) => n + k.inserted + k.updated, 0);
    c.audit({ action: "ingest", target: null, outcome: "ok", reason: `${total} record(s) written` });
    if (idem) remember(rt, c, idem, 200, counts);
  });
  // Committed: tell the sockets. Record-level outcomes are not reported by ingestBatch, so a
  // batch that changed any job, note or event notifies every job it references.
  const changed = [result.jobs, result.notes, result.events].some((k) => k.inserted + k.updated > 0);
  if (changed) rt.sockets.notifyJobsUpdated(jobsTouchedByIngest(input));
  return { ...result, replayed: false };
}

/**
 * Upserts a batch by the caller's ids in one transaction: clients, then properties, jobs,
 * notes, events, so a record may refer to one earlier in the same batch. Every reference is
 * checked; any failure rolls the whole batch back and names the path (`notes[3].jobId`).
 * Returns the counts per kind.
 */
export function ingestBatch(db: Db, body: IngestBody, now: string, within?: (result: IngestResult) => void): IngestResult {
  const result: IngestResult = {
    clients: zero(),
    properties: zero(),
    jobs: zero(),
    notes: zero(),
    events: zero(),
  };
  const invalid: FieldError[] = [];
  const refErrors: FieldError[] = [];
  const count = (kind: IngestKind, outcome: UpsertOutcome) => {
    result[kind][outcome]++;
  };
  /** Free text reduced to plain text; a required field left empty by that is invalid (null). */
  const text = (value: string, path: string): string | null => {
    const plain = toPlainText(value);
    if (plain !== "") return plain;
    invalid.push({ path, message: EMPTY_TEXT });
    return null;
  };
  const optionalText = (value: string | undefined) => (value === undefined ? undefined : toPlainText(value));

  db.transaction(() => {
    (body.clients ?? []).forEach((c, i) => {
      const name = text(c.name, `clients[${i}].name`);
      if (name === null) return;
      count("clients", clients.upsert(db, { ...c, name }, now));
    });

    (body.properties ?? []).forEach((p, i) => {
      const clientPk = clients.pkOf(db, p.clientId);
      if (clientPk === null) return void refErrors.push(unknown(`properties[${i}].clientId`, "client", p.clientId));
      const address = text(p.address, `properties[${i}].address`);
      if (address === null) return;
      const existing = properties.refOf(db, p.id);
      if (existing && existing.clientPk !== clientPk && jobs.hasJobsOfOtherClient(db, existing.pk, clientPk)) {
        return void refErrors.push({ path: `properties[${i}].clientId`, message: `property ${p.id} has jobs of its current client` });
      }
      count("properties", properties.upsert(db, { ...p, address, label: optionalText(p.label) }, clientPk, now));
    });

    (body.jobs ?? []).forEach((j, i) => {
      const clientPk = clients.pkOf(db, j.clientId);
      if (clientPk === null) return void refErrors.push(unknown(`jobs[${i}].clientId`, "client", j.clientId));
      let propertyPk: number | null = null;
      if (j.propertyId !== undefined) {
        const prop = properties.refOf(db, j.propertyId);
        if (prop === null) return void refErrors.push(unknown(`jobs[${i}].propertyId`, "property", j.propertyId));
        if (prop.clientPk !== clientPk)
          return void refErrors.push({ path: `jobs[${i}].propertyId`, message: `property ${j.propertyId} belongs to another client` });
        propertyPk = prop.pk;
      }
      const title = text(j.title, `jobs[${i}].title`);
      if (title === null) return;
      const outcome = jobs.upsert(db, { ...j, title, description: optionalText(j.description) }, { clientPk, propertyPk }, now);
      count("jobs", outcome);
    });

    (body.notes ?? []).forEach((n, i) => {
      const target = { jobPk: null as number | null, clientPk: null as number | null, propertyPk: null as number | null };
      if (n.jobId !== undefined) {
        target.jobPk = jobs.pkOf(db, n.jobId);
        if (target.jobPk === null) return void refErrors.push(unknown(`notes[${i}].jobId`, "job", n.jobId));
      } else if (n.clientId !== undefined) {
        target.clientPk = clients.pkOf(db, n.clientId);
        if (target.clientPk === null) return void refErrors.push(unknown(`notes[${i}].clientId`, "client", n.clientId));
      } else if (n.propertyId !== undefined) {
        target.propertyPk = properties.refOf(db, n.propertyId)?.pk ?? null;
        if (target.propertyPk === null) return void refErrors.push(unknown(`notes[${i}].propertyId`, "property", n.propertyId));
      }
      const noteBody = text(n.body, `notes[${i}].body`);
      if (noteBody === null) return;
      const outcome = notes.upsert(db, { ...n, body: noteBody }, target, now);
      count("notes", outcome);
    });

    (body.events ?? []).forEach((e, i) => {
      const jobPk = jobs.pkOf(db, e.jobId);
      if (jobPk === null) return void refErrors.push(unknown(`events[${i}].jobId`, "job", e.jobId));
      const outcome = events.upsert(db, e, jobPk);
      count("events", outcome);
    });

    // Throwing inside the transaction rolls back every write of the batch.
    if (invalid.length > 0) {
      throw new AppError("validation_failed", `${invalid.length} record(s) are invalid; nothing was written`, {
        errors: invalid.slice(0, 50),
      });
    }
    if (refErrors.length > 0) {
      throw new AppError("unknown_reference", `${refErrors.length} record(s) refer to records that do not exist; nothing was written`, {
        errors: refErrors.slice(0, 50),
      });
    }
    // Whatever the caller records about the batch (audit, idempotency) commits or rolls back with it.
    within?.(result);
  });
  return result;
}

const zero = (): IngestCounts => ({ inserted: 0, updated: 0, unchanged: 0 });

function unknown(path: string, kind: string, id: string): FieldError {
  return { path, message: `unknown ${kind} ${id}` };
}
