import type { EvidenceKind } from "../../../schemas/common";
import type { Note } from "../../../schemas/records";
import type { Db } from "../data/db";
import { events } from "../data/events";
import { jobs, type JobRow } from "../data/jobs";
import { notes } from "../data/notes";
import { RANK_TEXT_CHARS, type RankedHit } from "../data/search";
import { jobListRestriction, searchScope, type Visibility } from "../visibility";
import { FUSION, fuseHits, type FusionMethod } from "./fusion";
import { EVIDENCE_LIMIT, searchHits } from "./index-hits";
import { Lookup } from "./lookup";
import { questionTerms } from "./lexicon";
import { evidenceTerms, hasTerm } from "./text";

/**
 * Evidence for a question: records the caller may read (through the same visibility module as
 * REST and search, applied inside the FTS query), ranked by the index, each with the text a
 * provider may quote. A `job` narrows to that job's evidence (job, notes, events, client,
 * property, and the notes on those).
 *
 * Field notes rarely name what they are about: "superheat 26°F" sits on the job "Annual cooling
 * tune-up - AC-1" of the client "The Whitfield Residence", and a gate code on a property. So:
 *   - every record carries `context`: what it is about and where, one line each: its job's title
 *     and description (first, for a record on a job), its property's label and address, its
 *     client's name (words a provider may match but never quotes);
 *   - the index hits name anchors (jobs; clients and properties), and the strongest anchors bring
 *     their own records along: a job its newest notes and events, a client or property its notes
 *     (a client also its properties' notes) and the jobs whose titles match the question best.
 * Every expansion is checked against the caller's visibility again (and against `job` when the
 * question is narrowed), and all of it is bounded: EVIDENCE_LIMIT hits, ANCHOR_PLACES clients or
 * properties × (NOTES_PER_PLACE notes + JOBS_PER_PLACE candidate jobs), ANCHOR_JOBS jobs ×
 * RECORDS_PER_JOB notes and events, at most MAX_EVIDENCE records in all.
 */
export interface EvidenceRecord {
  ref: string;
  kind: EvidenceKind;
  id: string;
  jobId: string | null;
  at: string | null;
  /** The record's text (at most RANK_TEXT_CHARS characters): quotes are slices of it. */
  text: string;
  /**
   * Words that describe the record without being part of it, never quoted. One line each: for a
   * record on a job (`jobId` set) the first line is that job's title and description; then the
   * property's label and address and the client's name.
   */
  context: string;
  /** Rank from the index (higher is better); records brought in by an anchor rank below its hit. */
  score: number;
}

/** What retrieval found, and what the question is about (how manuals join the evidence: knowledge.ts). */
export interface RetrievedEvidence {
  terms: string[];
  evidence: EvidenceRecord[];
  focus: RecordFocus;
}

export interface RecordFocus {
  /** The question is on a job (`jobId`). */
  onJob: boolean;
  /** The question names a job (by id), a client or a property of the tenant's. */
  namesRecord: boolean;
  /** The question asks what happened ("what was found", "did we"): the records say that, a manual never does. */
  askedWhatHappened: boolean;
  /** How many of the question's words the best record hit has. */
  bestMatched: number;
}

export const MAX_EVIDENCE = 96;
const ANCHOR_JOBS = 3;
const ANCHOR_PLACES = 2;
const RECORDS_PER_JOB = 12;
const NOTES_PER_PLACE = 8;
const JOBS_PER_PLACE = 25;
/** `notes.forJobContext` with this job pk (no job has it) returns a client's or property's own notes. */
const NO_JOB_PK = -1;

interface Place {
  kind: "client" | "property";
  pk: number;
}

export function retrieveEvidence(
  db: Db,
  question: string,
  visibility: Visibility,
  job: JobRow | null,
  vectorHits: RankedHit[] = [],
  fusion: FusionMethod = FUSION,
): RetrievedEvidence {
  const terms = questionTerms(question);
  const askedWhatHappened = ASKS_WHAT_HAPPENED.test(question);
  if (terms.length === 0)
    return { terms, evidence: [], focus: { onJob: job !== null, namesRecord: false, askedWhatHappened, bestMatched: 0 } };
  // Semantic retrieval (when on): the vector hits, visibility-checked, fused with the index's ranking.
  const fts = searchHits(db, terms, searchScope(visibility, job));
  const outcome = { hits: fuseHits(fts.hits, vectorHits, EVIDENCE_LIMIT, fusion) };

  const may = {
    job: (row: JobRow) => (job ? row.pk === job.pk : visibility.kind === "all" || visibility.jobPks.has(row.pk)),
    client: (pk: number) => (job ? pk === job.client_pk : visibility.kind === "all" || visibility.clientPks.has(pk)),
    property: (pk: number) => (job ? pk === job.property_pk : visibility.kind === "all" || visibility.propertyPks.has(pk)),
  };
  const lookup = new Lookup(db, may.client);
  const evidence = new Map<string, EvidenceRecord>();
  const add = (
    record: Omit<EvidenceRecord, "ref" | "context">,
    place: { jobId: string | null; clientPk: number | null; propertyPk: number | null },
  ) => {
    const ref = `${record.kind}:${record.id}`;
    const existing = evidence.get(ref);
    if (existing) {
      existing.score = Math.max(existing.score, record.score);
      return;
    }
    evidence.set(ref, { ...record, ref, context: lookup.context(place) });
  };

  // 1. The index's hits, and the anchors they name.
  const jobScores = new Map<string, number>();
  const placeScores = new Map<string, { place: Place; score: number }>();
  const bump = (id: string, score: number) => jobScores.set(id, Math.max(jobScores.get(id) ?? 0, score));
  const bumpPlace = (place: Place, score: number) => {
    const key = `${place.kind}:${place.pk}`;
    if ((placeScores.get(key)?.score ?? -Infinity) < score) placeScores.set(key, { place, score });
  };
  if (job) {
    bump(job.id, Number.MAX_SAFE_INTEGER);
    // A question on a job is often about its site or customer in words no record uses ("how do I
    // get in?"): their own notes come along whatever the index found.
    for (const n of notes.forJobContext(db, { pk: NO_JOB_PK, client_pk: job.client_pk, property_pk: job.property_pk }, NOTES_PER_PLACE))
      add(noteRecord(n, 0), lookup.placeOfNote(n));
  }
  for (const h of outcome.hits) {
    const scopePk = Number(h.scope.slice(1));
    const clientPk = h.scope.startsWith("c") ? scopePk : null;
    const propertyPk = h.scope.startsWith("p") ? scopePk : null;
    add({ kind: h.kind, id: h.ref, jobId: h.job, at: h.at, text: h.text, score: h.score }, { jobId: h.job, clientPk, propertyPk });
    if (h.job !== null) bump(h.job, h.kind === "job" ? h.score : h.score - 0.25);
    // A hit on a client's or property's own record names it; a hit on one of its notes, less so.
    if (clientPk !== null) bumpPlace({ kind: "client", pk: clientPk }, h.kind === "client" ? h.score : h.score - 0.5);
    if (propertyPk !== null) bumpPlace({ kind: "property", pk: propertyPk }, h.kind === "property" ? h.score : h.score - 0.5);
  }

  // 2. The strongest clients and properties: their notes, and their jobs that match the question.
  const places = [...placeScores.values()].sort((a, b) => b.score - a.score).slice(0, ANCHOR_PLACES);
  for (const { place, score } of places) {
    if (place.kind === "client" ? !may.client(place.pk) : !may.property(place.pk)) continue;
    const own = notes.forJobContext(
      db,
      {
        pk: NO_JOB_PK,
        client_pk: place.kind === "client" ? place.pk : NO_JOB_PK,
        property_pk: place.kind === "property" ? place.pk : null,
      },
      NOTES_PER_PLACE,
    );
    // (A note has one target, so these are the client's or property's own, never a job's.)
    for (const n of own) if (n.jobId === null) add(noteRecord(n, score - 0.5), lookup.placeOfNote(n));
    // A client's sites say how to get in, where to park and what to watch for ("any pets at the El Amrani residence?").
    if (place.kind === "client")
      for (const n of notes.forClientProperties(db, place.pk, NOTES_PER_PLACE))
        if (may.property(n.propertyPk)) add(noteRecord(n, score - 0.75), { jobId: null, clientPk: null, propertyPk: n.propertyPk });
    if (job) continue;
    const candidates = jobs.list(db, {
      limit: JOBS_PER_PLACE,
      ...(place.kind === "client" ? { clientPk: place.pk } : { propertyPk: place.pk }),
      ...jobListRestriction(visibility),
    }).rows;
    for (const row of candidates) {
      if (!may.job(row)) continue;
      lookup.remember(row);
      const offered = evidenceTerms(`${row.title}\n${row.description ?? ""}`);
      const matched = terms.filter((t) => hasTerm(offered, t)).length;
      if (matched > 0) bump(row.id, score - 1 + matched / terms.length);
    }
  }

  // 3. The strongest jobs: the job itself, its newest notes and events.
  const anchorJobs = [...jobScores.entries()].sort((a, b) => b[1] - a[1]).slice(0, ANCHOR_JOBS);
  for (const [jobId, score] of anchorJobs) {
    const row = lookup.job(jobId);
    if (!row || !may.job(row)) continue;
    const base = Math.min(score, outcome.hits[0]?.score ?? score) - 0.5;
    const place = { jobId: row.id, clientPk: null, propertyPk: null };
    add({ kind: "job", id: row.id, jobId: row.id, at: row.updated_at, text: `${row.title}\n${row.description ?? ""}`, score: base }, place);
    for (const n of notes.forJob(db, row.pk, RECORDS_PER_JOB)) add(noteRecord(n, base), place);
    for (const e of events.forJob(db, row.pk, RECORDS_PER_JOB)) {
      // The same text the index holds for an event: its type, then its data.
      const text = e.data ? `${e.type}\n${JSON.stringify(e.data)}` : `${e.type}\n`;
      add({ kind: "event", id: e.id, jobId: row.id, at: e.at, text, score: base - 0.1 }, place);
    }
  }

  const ranked = [...evidence.values()].sort((a, b) => b.score - a.score).slice(0, MAX_EVIDENCE);
  return {
    terms,
    evidence: ranked,
    focus: {
      onJob: job !== null,
      namesRecord: job === null && namesRecord(question, outcome.hits, lookup, may.job),
      askedWhatHappened,
      bestMatched: outcome.hits[0]?.matchedTerms ?? 0,
    },
  };
}

/** A question in the past tense asks what happened. */
const ASKS_WHAT_HAPPENED = /\b(?:was|were|did|didn't|had|hadn't)\b/i;

/**
 * Whether a question names one of the tenant's own records: a job the caller may read by its id
 * ("what was done on J-3034?"), or a client or property by at least two words of its name or
 * address ("the Cherry Hills residence"). Such a question is about the records first (knowledge.ts).
 */
function namesRecord(question: string, hits: RankedHit[], lookup: Lookup, mayJob: (row: JobRow) => boolean): boolean {
  if (hits.some((h) => (h.kind === "client" || h.kind === "property") && h.matchedTerms >= 2)) return true;
  for (const [id] of [...question.matchAll(/\b[A-Za-z]{1,4}-\d{2,8}\b/g)].slice(0, 4)) {
    const row = lookup.job(id.toUpperCase()) ?? lookup.job(id);
    if (row && mayJob(row)) return true;
  }
  return false;
}

function noteRecord(n: Note, score: number): Omit<EvidenceRecord, "ref" | "context"> {
  return { kind: "note", id: n.id, jobId: n.jobId, at: n.createdAt, text: n.body.slice(0, RANK_TEXT_CHARS), score };
}
