import type { EvidenceRecord } from "./retrieval";
import { CLIENT_FIELDS, evidenceTerms, PROPERTY_FIELDS, sentences, stem } from "./text";

/**
 * The candidate answers of the extractive provider: each record's sentences, and pairs of adjacent
 * sentences of one record (so "…coil covered. Claim WC-448213 filed." can be one answer), each a
 * verbatim slice of the record's text with the terms of its text and of its context (its job, its
 * property, its client, its month). An event is one passage (its data), a short client or
 * property record one (its whole text).
 */

/** Work bounds for evidence given by any caller: passages per record and in all. */
const MAX_SENTENCE_CHARS = 400;
const MAX_PASSAGES_PER_RECORD = 64;
export const MAX_PASSAGES = 3_000;

const FIELD_TERMS: Record<string, ReadonlySet<string>> = {
  client: new Set(CLIENT_FIELDS.map(stem)),
  property: new Set(PROPERTY_FIELDS.map(stem)),
};
const NONE: ReadonlySet<string> = new Set();
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
export const MONTH_TERMS = new Set(MONTHS.map(stem));

export interface Passage {
  record: EvidenceRecord;
  /** Verbatim slice of the record's text. */
  text: string;
  start: number;
  end: number;
  /** A pair of adjacent sentences rather than one. */
  pair: boolean;
  own: ReadonlySet<string>;
  /** Terms a client or property record answers without saying them ("phone", "address"). */
  implied: ReadonlySet<string>;
  /** Terms of the record's job (title and description). */
  subject: ReadonlySet<string>;
  /** Terms of the record's property and client, and its month and year. */
  place: ReadonlySet<string>;
}

/** A record's context split into its job (first line, for a record on a job) and its place and date. */
function contextTerms(record: EvidenceRecord, termsOf: TermsOf): { subject: ReadonlySet<string>; place: Set<string> } {
  const lines = record.context.split("\n");
  const subject = record.jobId !== null ? termsOf(lines.shift() ?? "") : NONE;
  const place = new Set(termsOf(lines.join("\n")));
  const at = record.at === null ? NaN : Date.parse(record.at);
  if (Number.isFinite(at)) {
    // "The October visit".
    const date = new Date(at);
    place.add(stem(MONTHS[date.getUTCMonth()] ?? ""));
    place.add(String(date.getUTCFullYear()));
  }
  return { subject, place };
}

/** Sentences (and adjacent pairs) of each record, bounded. An event is one passage: its data. */
export function cut(evidence: EvidenceRecord[], termsOf: TermsOf): Passage[] {
  const out: Passage[] = [];
  for (const record of evidence) {
    if (out.length >= MAX_PASSAGES) break;
    const { subject, place } = contextTerms(record, termsOf);
    const push = (text: string, start: number, own: ReadonlySet<string>, pair = false, implied: ReadonlySet<string> = NONE) =>
      out.push({ record, text, start, end: start + text.length, pair, own, implied, subject, place });
    if (record.kind === "event") {
      // "part_ordered\n{…}": the type's words count, the data line is the quote.
      const newline = record.text.indexOf("\n");
      const data = newline < 0 ? "" : record.text.slice(newline + 1).trim();
      const quote =
        data !== "" && data.length <= MAX_SENTENCE_CHARS ? data : record.text.slice(0, newline < 0 ? undefined : newline).trim();
      if (quote.length > 0 && quote.length <= MAX_SENTENCE_CHARS) push(quote, record.text.indexOf(quote), evidenceTerms(record.text));
      continue;
    }
    if ((record.kind === "client" || record.kind === "property") && record.text.trim().length <= MAX_SENTENCE_CHARS) {
      const quote = record.text.trim();
      if (quote.length > 0) push(quote, record.text.indexOf(quote), evidenceTerms(quote), false, FIELD_TERMS[record.kind]);
      continue;
    }
    const list = sentences(record.text).slice(0, MAX_PASSAGES_PER_RECORD / 2);
    const own = list.map((s) => evidenceTerms(s.text));
    list.forEach((s, i) => {
      const terms = own[i] ?? NONE;
      if (s.text.length <= MAX_SENTENCE_CHARS) push(s.text, s.start, terms);
      const next = list[i + 1];
      if (!next || next.start + next.text.length - s.start > MAX_SENTENCE_CHARS) return;
      push(record.text.slice(s.start, next.start + next.text.length), s.start, new Set([...terms, ...(own[i + 1] ?? NONE)]), true);
    });
  }
  return out.slice(0, MAX_PASSAGES);
}

export type TermsOf = (text: string) => ReadonlySet<string>;

export function memo(f: (text: string) => Set<string>): TermsOf {
  const seen = new Map<string, Set<string>>();
  return (text) => {
    let terms = seen.get(text);
    if (!terms) seen.set(text, (terms = f(text)));
    return terms;
  };
}
