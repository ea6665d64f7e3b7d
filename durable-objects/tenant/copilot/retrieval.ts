import type { EvidenceKind } from "../../../schemas/common";
import type { Db } from "../data/db";
import { events, jobs, notes, type JobRow } from "../data/records";
import { RANK_TEXT_CHARS, searchIndex, type QueryTerm } from "../data/search";
import { searchScope, type Visibility } from "../visibility";
import { contentTerms } from "./text";

/**
 * Evidence for a question: records the caller may read (through the same visibility module as
 * REST and search, applied inside the FTS query), ranked by the index, each with the text a
 * provider may quote. A `job` narrows to that job's evidence (job, notes, events, client,
 * property, and the notes on those).
 *
 * Field notes rarely repeat their job's subject ("superheat 26°F" sits on the job "Walk-in cooler
 * not cooling"), so each record carries its job's title as `context`, and the best-matching jobs
 * among the hits bring their own newest notes and events along (bounded: EXPANDED_JOBS jobs ×
 * EXPANDED_RECORDS records). Both come from jobs the caller may already see.
 */
export interface EvidenceRecord {
  ref: string;
  kind: EvidenceKind;
  id: string;
  jobId: string | null;
  at: string | null;
  /** The record's text (at most RANK_TEXT_CHARS characters): quotes are slices of it. */
  text: string;
  /** Words that describe the record without being part of it (its job's title); never quoted. */
  context: string;
  /** Rank from the index (higher is better). */
  score: number;
}

export const EVIDENCE_LIMIT = 12;
const EXPANDED_JOBS = 2;
const EXPANDED_RECORDS = 12;

export function retrieveEvidence(
  db: Db,
  question: string,
  visibility: Visibility,
  job: JobRow | null,
): { terms: string[]; evidence: EvidenceRecord[] } {
  const terms = contentTerms(question);
  if (terms.length === 0) return { terms, evidence: [] };
  // Stems of 3+ characters are prefix queries, so "replace" finds "replaced" and "replacement".
  const query: QueryTerm[] = terms.map((t) => ({ word: t, prefix: t.length >= 3 }));
  const outcome = searchIndex.query(db, query, searchScope(visibility, job), EVIDENCE_LIMIT);

  const evidence = new Map<string, EvidenceRecord>();
  const titles = new Map<string, string>();
  const titleOf = (jobId: string | null): string => {
    if (jobId === null) return "";
    if (!titles.has(jobId)) titles.set(jobId, jobs.byId(db, jobId)?.title ?? "");
    return titles.get(jobId) ?? "";
  };
  for (const h of outcome.hits) {
    const ref = `${h.kind}:${h.ref}`;
    evidence.set(ref, { ref, kind: h.kind, id: h.ref, jobId: h.job, at: h.at, text: h.text, context: titleOf(h.job), score: h.score });
  }
  const expand = outcome.hits.filter((h) => h.kind === "job").slice(0, EXPANDED_JOBS);
  for (const hit of expand) {
    const row = jobs.byId(db, hit.ref);
    if (!row) continue;
    const base = hit.score - 0.5;
    for (const n of notes.forJob(db, row.pk, EXPANDED_RECORDS)) {
      const ref = `note:${n.id}`;
      if (!evidence.has(ref))
        evidence.set(ref, {
          ref,
          kind: "note",
          id: n.id,
          jobId: row.id,
          at: n.createdAt,
          text: n.body.slice(0, RANK_TEXT_CHARS),
          context: row.title,
          score: base,
        });
    }
    for (const e of events.forJob(db, row.pk, EXPANDED_RECORDS)) {
      const ref = `event:${e.id}`;
      // The same text the index holds for an event: its type, then its data.
      const text = e.data ? `${e.type}\n${JSON.stringify(e.data)}` : `${e.type}\n`;
      if (!evidence.has(ref))
        evidence.set(ref, { ref, kind: "event", id: e.id, jobId: row.id, at: e.at, text, context: row.title, score: base });
    }
  }
  return { terms, evidence: [...evidence.values()] };
}
