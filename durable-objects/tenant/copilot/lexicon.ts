import { COMPOUNDS, CONCEPTS, EQUIPMENT_TAGS, FRAMING, PARTS, SYNONYM_GROUPS, type Concept } from "./vocabulary";
import { contentTerms, stem, words } from "./text";

/**
 * The trade's vocabulary: how field people ask for what their records say in other words.
 *
 *   - Synonyms: words technicians and dispatchers use interchangeably ("fitted" the electrode,
 *     "replaced" the electrode). Each stands for the others, at a lower weight than the word.
 *   - Concepts: a question often names the need, not the thing: "how do I get in?" is answered by
 *     "Mechanical room key is in the lock box …, code 6285", "how much can we spend without
 *     asking?" by "approved up to $750 without a callback", "when is it due in?" by
 *     `"eta":"2026-11-21"`. A concept is found in the question by its cues (phrases) and stands
 *     for its members: stems, and value markers (values.ts) for answer types such as a date or an
 *     amount. The cue's own words leave the question's terms (they are how the need was said, not
 *     what a record says), and the concept takes their place, supported by any member.
 *
 * A member the question names itself leaves its terms too: the concept stands for it. Cues are
 * ways of asking, never the thing itself ("is the coil under warranty?" names no concept), so a
 * question that says what it wants is ranked as before. Everything here is about the trade, not about any one record; ranking.ts decides what is
 * an answer, and a question about something no record says is declined as before.
 */
const stems = (list: string[]) => [...new Set(list.flatMap((w) => (w.startsWith("@") ? [w] : words(w).map(stem))))];

const ALTERNATIVES = new Map<string, string[]>();
for (const group of SYNONYM_GROUPS) {
  const all = stems(group).filter((s) => s.length >= 3);
  for (const s of all)
    ALTERNATIVES.set(
      s,
      all.filter((other) => other !== s),
    );
}
for (const [tag, names] of EQUIPMENT_TAGS)
  for (const name of stems(names)) ALTERNATIVES.set(name, [...(ALTERNATIVES.get(name) ?? []), tag]);
const FRAMING_STEMS = stems(FRAMING);
const CONCEPT_MEMBERS = new Map([...CONCEPTS, ...PARTS].map((c) => [c.name, stems(c.members)]));
for (const [name, members] of CONCEPT_MEMBERS) ALTERNATIVES.set(name, members);

/** Each concept's or part's cues, compiled once as a global pattern (a question may say one twice). */
const cuesOf = (list: Concept[]) => list.map((c) => ({ name: c.name, cues: new RegExp(c.cues.source, "g") }));
const CONCEPT_CUES = cuesOf(CONCEPTS);
const PART_CUES = cuesOf(PARTS);

/**
 * The concepts (or parts) whose cues the question says; the cues' words (and, for concepts, the
 * members the question names) go into `dropped`: they are how the need was said, not a record's words.
 */
function found(list: { name: string; cues: RegExp }[], text: string, dropped: Set<string>, dropMembers: boolean): string[] {
  const names: string[] = [];
  for (const { name, cues } of list) {
    const said = [...text.matchAll(cues)];
    if (said.length === 0) continue;
    names.push(name);
    for (const cue of said) for (const word of words(cue[0])) dropped.add(stem(word));
    if (dropMembers) for (const member of CONCEPT_MEMBERS.get(name) ?? []) dropped.add(member);
  }
  return names;
}

/** Whether a term is a concept (never looked up in the index: its members are what records say). */
export const isConcept = (term: string): boolean => term.startsWith("#");

/** Whether a term is an answer part (PARTS): never ranked, asked of the whole answer. */
export const isAnswerPart = (term: string): boolean => term.startsWith("?");

/** The terms that may stand for a term, at a lower weight: its synonyms, or a concept's members. */
export function alternativesOf(term: string): readonly string[] {
  return ALTERNATIVES.get(term) ?? [];
}

/**
 * Between the terms of a question's two clauses ("why did the RCD trip, and what did circuit 3
 * measure?"): each clause asks for something, and an answer split over two records of a job must
 * say both (extractive.ts). It is written as an answer part that no record says, so the index
 * query and the ranking pass over it.
 */
export const CLAUSE_BREAK = "?and";
/** ", and what …", " and how …": a second question about the same thing. */
const SECOND_CLAUSE = /,?\s+and\s+(?=(?:what|how|when|where|why|which|who|did|does|do|is|was|were|has|had)\b)/;

/**
 * The question's terms (text.ts `contentTerms`), with the needs it names as concepts (a concept
 * whose cue matches replaces its cue's words and its members), then the answer parts it asks for.
 * A question of two clauses, each with terms of its own to rank by, gives each clause's terms,
 * CLAUSE_BREAK between them (`clausesOf` splits them again).
 */
export function questionTerms(question: string): string[] {
  let text = question.toLowerCase().replace(/[’‘]/g, "'");
  for (const [pattern, written] of COMPOUNDS) text = text.replace(pattern, written);
  // "the RTU-2 call", "the no heat call": a service call is the job, not a phone call.
  text = text.replace(/\b((?:the|this|that) (?:[\w.-]+ ){1,3})call\b/g, "$1");
  const second = SECOND_CLAUSE.exec(text);
  if (second) {
    const first = clauseTerms(text.slice(0, second.index));
    const then = clauseTerms(text.slice(second.index + second[0].length));
    // A clause that asks only for an answer part ("… and what did we do about it?") is asked of
    // the whole answer (extractive.ts completes it), not ranked on its own.
    if (first.some(isRanked) && then.some(isRanked)) return [...first, CLAUSE_BREAK, ...then];
  }
  return clauseTerms(text);
}

const isRanked = (term: string) => !isAnswerPart(term);

function clauseTerms(text: string): string[] {
  const terms = contentTerms(text);
  const dropped = new Set<string>(FRAMING_STEMS);
  // A member the question says itself ("any pets?") is the concept too; an answer part's members
  // are what records say, so they stay.
  const concepts = found(CONCEPT_CUES, text, dropped, true);
  const parts = found(PART_CUES, text, dropped, false);
  return [...terms.filter((t) => !dropped.has(t)), ...concepts, ...parts];
}

/** A question's terms as one list (each once, without CLAUSE_BREAK), and its clauses (one or two). */
export function clausesOf(terms: readonly string[]): { whole: string[]; clauses: string[][] } {
  const at = terms.indexOf(CLAUSE_BREAK);
  if (at < 0) return { whole: [...terms], clauses: [[...terms]] };
  const clauses = [terms.slice(0, at), terms.slice(at + 1).filter((t) => t !== CLAUSE_BREAK)];
  return { whole: [...new Set(clauses.flat())], clauses };
}
