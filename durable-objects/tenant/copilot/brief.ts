import {
  BRIEF_EMPTY,
  BRIEF_SECTIONS,
  BRIEF_TITLES,
  type BriefSection,
  type BriefSectionKey,
  type BriefSentence,
} from "../../../schemas/brief";
import type { Citation } from "../../../schemas/copilot";
import { EQUIPMENT_LINES, FINDINGS_PER_VISIT, MAX_QUOTE_CHARS, SECTION_LIMITS, meets } from "./brief-rules";
import type { ManualLine } from "./brief-manuals";
import { visitStart, type BriefRecords, type Source, type Visit } from "./brief-records";
import { sentences } from "./text";

/**
 * A job's brief from its records, extractively: every sentence is a fixed template around one
 * verbatim quote of a record (checked here: a quote that is not a substring of the record's text
 * is never emitted), with that record as its citation. The job section states the job's own
 * fields; the other sections take sentences of notes and events by the word cues of
 * brief-rules.ts, newest first; the manuals section quotes the job's manuals (brief-manuals.ts); a
 * section with nothing says so in a fixed sentence, uncited.
 * Deterministic: the same records give the same brief, byte for byte.
 */
export interface ComposedBrief {
  sections: BriefSection[];
  citations: Citation[];
  grounded: boolean;
  confidence: number;
}

interface Line extends BriefSentence {
  citation: Citation;
}

/** `prefix“quote”suffix`, cited, when `quote` really is in the record; otherwise nothing. */
function line(source: Source, quote: string, prefix: string, suffix = ""): Line | null {
  const q = quote.trim();
  if (q === "" || !source.texts.some((t) => t.includes(q))) return null;
  return {
    text: `${prefix}“${q}”${suffix}`,
    citation: { ref: source.ref, kind: source.kind, jobId: source.jobId, quote: q },
  };
}

/** The sentences of a record's texts, each cut to MAX_QUOTE_CHARS at a word boundary (still a verbatim substring). */
function quotes(source: Source): string[] {
  return source.texts.flatMap((t) =>
    sentences(t).map((s) => {
      if (s.text.length <= MAX_QUOTE_CHARS) return s.text;
      const cut = s.text.slice(0, MAX_QUOTE_CHARS);
      return cut.slice(0, Math.max(cut.lastIndexOf(" "), 1)).trimEnd();
    }),
  );
}

const day = (at: string | null) => (at ?? "").slice(0, 10);

/** Where a quote comes from, as its sentence names it: the site, the customer, this job, or another visit. */
function provenance(source: Source, jobId: string): string {
  if (source.kind === "note" && source.jobId === null) return "Site or customer note: ";
  if (source.jobId === jobId) return `This job, ${day(source.at)}: `;
  return `${source.jobId ?? source.id}, ${day(source.at)}: `;
}

export function composeBrief(r: BriefRecords, manuals: ManualLine[] = []): ComposedBrief {
  const jobId = r.job.id;
  const byKey = new Map<BriefSectionKey, Line[]>();
  byKey.set("job", jobLines(r));
  byKey.set("manuals", manuals);

  const visitNotes = [...r.earlier, ...r.later].flatMap((v) => v.notes);
  const pool = newestFirst([...r.notes, ...visitNotes]).flatMap((source) => quotes(source).map((quote) => ({ source, quote })));
  const taken = new Set<string>();
  for (const key of ["access", "safety", "preferences"] as const) {
    const lines: Line[] = key === "preferences" ? contactLines(r) : [];
    for (const { source, quote } of pool) {
      if (!meets(key, quote)) continue;
      taken.add(quote);
      push(lines, line(source, quote, provenance(source, jobId)), SECTION_LIMITS[key]);
    }
    byKey.set(key, lines);
  }

  const followUps: Line[] = [];
  for (const e of r.events) for (const l of orderLines(e.source, e.event.type, e.event.data)) push(followUps, l, SECTION_LIMITS.followUps);
  for (const v of r.later) {
    const when = day(visitStart(v.job));
    push(followUps, line(v.source, v.job.title, `Return visit ${v.job.id}, ${when}: `, "."), SECTION_LIMITS.followUps);
    for (const e of v.events)
      for (const l of orderLines(e.source, e.event.type, e.event.data)) push(followUps, l, SECTION_LIMITS.followUps);
  }
  for (const { source, quote } of pool) {
    if (taken.has(quote) || !(meets("followUps", quote) || r.later.some((v) => v.job.id === source.jobId))) continue;
    taken.add(quote);
    push(followUps, line(source, quote, provenance(source, jobId)), SECTION_LIMITS.followUps);
  }
  byKey.set("followUps", followUps);
  byKey.set("history", historyLines(r.earlier, taken));

  const sections = BRIEF_SECTIONS.map((key) => section(key, byKey.get(key) ?? []));
  const citations: Citation[] = [];
  for (const s of sections) {
    for (const c of s.sentences) if (c.citation && !citations.some((x) => x.ref === c.citation?.ref)) citations.push(c.citation);
  }
  const cited = sections.flatMap((s) => s.sentences).filter((s) => s.citation !== null).length;
  return { sections, citations, grounded: cited > 0, confidence: Math.round((cited / (cited + 1)) * 1000) / 1000 };
}

/** What the job is: its title, description, status, priority, schedule, customer, site and equipment. */
function jobLines(r: BriefRecords): Line[] {
  const s = r.jobSource;
  const out: (Line | null)[] = [line(s, r.job.title, `${r.job.id}: `, ".")];
  for (const q of quotes({ ...s, texts: [r.job.description ?? ""] }).slice(0, 2)) out.push(line(s, q, "Reported: "));
  out.push(line(s, r.job.status, "Status: ", "."), line(s, r.job.priority, "Priority: ", "."));
  if (r.job.scheduled_start) out.push(line(s, r.job.scheduled_start, "Scheduled from ", "."));
  if (r.job.scheduled_end) out.push(line(s, r.job.scheduled_end, "Scheduled until ", "."));
  if (r.client) out.push(line(r.client.source, r.client.client.name, "Customer: ", "."));
  if (r.property) out.push(line(r.property.source, r.property.property.address, "Site: ", "."));
  const records = newestFirst([...r.notes, ...r.earlier.flatMap((v) => v.notes)]);
  for (const tag of r.equipment.slice(0, EQUIPMENT_LINES)) out.push(equipmentLine(tag, records) ?? line(s, tag, "Equipment: ", "."));
  return out.filter((l): l is Line => l !== null);
}

/** The newest note that identifies a piece of equipment: its tag, then make and model up to its serial number. */
function equipmentLine(tag: string, records: Source[]): Line | null {
  const identified = new RegExp(`\\b${tag}\\b[^.:;\\n]{0,80}?\\bS/N [A-Za-z0-9-]+`);
  for (const source of records) {
    for (const text of source.texts) {
      const match = identified.exec(text);
      if (match) return line(source, match[0], "Equipment: ", ".");
    }
  }
  return null;
}

/** The customer's own contact details first in their preferences. */
function contactLines(r: BriefRecords): Line[] {
  if (!r.client) return [];
  const { client, source } = r.client;
  return [
    client.email ? line(source, client.email, "E-mail: ", ".") : null,
    client.phone ? line(source, client.phone, "Phone: ", ".") : null,
  ].filter((l): l is Line => l !== null);
}

/** A part on order (`part_ordered` event): the part, and when it is expected. */
function orderLines(source: Source, type: string, data: Record<string, unknown> | null): Line[] {
  if (type !== "part_ordered" || !data) return [];
  const part = plain(data.part);
  const eta = plain(data.eta);
  const out = [part ? line(source, part, `On order (${day(source.at)}): `, ".") : null, eta ? line(source, eta, "Expected ", ".") : null];
  return out.filter((l): l is Line => l !== null);
}

/** A string value of event data, when JSON writes it unchanged (so it is quotable from the event's text). */
function plain(value: unknown): string | null {
  return typeof value === "string" && value !== "" && JSON.stringify(value) === `"${value}"` ? value : null;
}

/** Earlier visits, newest first: the visit's title, then what it found and did, newest first. */
function historyLines(visits: Visit[], taken: ReadonlySet<string>): Line[] {
  const out: Line[] = [];
  for (const v of visits) {
    const head = line(v.source, v.job.title, `${v.job.id}, ${day(visitStart(v.job))}: `, ".");
    if (!head) continue;
    const found: Line[] = [];
    const records = newestFirst([...v.notes, ...v.events.map((e) => e.source)]);
    for (const source of records) {
      const event = v.events.find((e) => e.source === source)?.event;
      if (event) {
        if (event.type === "diagnosed") push(found, line(source, plain(event.data?.fault) ?? "", "Diagnosed: ", "."), FINDINGS_PER_VISIT);
        const parts = Array.isArray(event.data?.partsUsed) ? event.data.partsUsed.map(plain) : [];
        if (event.type === "completed" && parts[0]) push(found, line(source, parts[0], "Parts used: ", "."), FINDINGS_PER_VISIT);
        continue;
      }
      for (const quote of quotes(source)) {
        if (taken.has(quote) || !meets("history", quote)) continue;
        push(found, line(source, quote, "Noted: "), FINDINGS_PER_VISIT);
      }
    }
    if (out.length + 1 + found.length > SECTION_LIMITS.history) break;
    out.push(head, ...found);
  }
  return out;
}

function push(lines: Line[], l: Line | null, limit: number): void {
  if (!l || lines.length >= limit || lines.some((x) => x.citation.quote === l.citation.quote)) return;
  lines.push(l);
}

function newestFirst(sources: Source[]): Source[] {
  return [...sources].sort((a, b) => (b.at ?? "").localeCompare(a.at ?? ""));
}

function section(key: BriefSectionKey, lines: Line[]): BriefSection {
  const title = BRIEF_TITLES[key];
  if (lines.length === 0) return { key, title, empty: true, sentences: [{ text: BRIEF_EMPTY[key], citation: null }] };
  return { key, title, empty: false, sentences: lines.map(({ text, citation }) => ({ text, citation })) };
}

/** The brief as text, one piece per line in section order: what a socket streams as deltas. */
export function briefPieces(sections: BriefSection[]): string[] {
  return sections.flatMap((s, i) => [`${i === 0 ? "" : "\n"}${s.title}\n`, ...s.sentences.map((x) => `${x.text}\n`)]);
}
