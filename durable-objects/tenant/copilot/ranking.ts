import { cut, MAX_PASSAGES, memo, MONTH_TERMS, type Passage, type TermsOf } from "./passages";
import type { ProviderInput } from "./provider";
import type { EvidenceRecord } from "./retrieval";
import { askedCompounds, namesAnotherThing } from "./compounds";
import { alternativesOf, isAnswerPart, isConcept } from "./lexicon";
import { evidenceTerms, hasTerm, isStopword, stem, words } from "./text";

/**
 * How the extractive provider ranks passages (passages.ts) against the question's terms
 * (IDF-weighted over the evidence), and when the best of them is an answer at all.
 *
 * A term found in the passage counts fully; through a synonym, or a concept through one of its
 * members (lexicon.ts: "how do I get in?" is answered by a lock box code), SYNONYM_WEIGHT; found only in the
 * record's context (its job, its property, its client, its month) CONTEXT_WEIGHT. The question's
 * terms are of three sorts, told apart by the evidence itself:
 *   - place terms name a client or property ("Whitfield", "clubhouse");
 *   - subject terms name a job: words of a job's title or description ("furnace", "heat pump");
 *   - the rest is what is asked ("gate code", "superheat", "warranty claim").
 * A record about the right place or job that does not say what is asked is no answer ("is there a
 * dog at Northgate?" is not answered by Northgate's phone number, "the superheat of the Daikin
 * heat pump" not by the heat pump's job description), so a passage is relevant only if
 *   - it is about what the question names: one of the tags ("BLR-1") or months it names, and
 *     most of the weight of the places it names;
 *   - it covers at least MIN_COVERAGE of the question's weighted terms;
 *   - it covers at least MIN_ASKED_COVERAGE of what is asked (the terms that name no place,
 *     subject terms counting SUBJECT_FOCUS), one of them in its own text;
 *   - and it matches two terms when the question has two or more.
 * Otherwise the answer is NOT_FOUND_ANSWER with no citations. A term found nowhere in the
 * evidence weighs the most, so a question about something the records never mention (a walk-in
 * cooler, another tenant's boiler) falls below the thresholds. The weights and thresholds were
 * set on the tuning question set in test/copilot/quality.test.ts (figures there). A question that
 * asks for "the alarm code" is not answered by a passage that names another code ("gate code").
 */
export const MIN_COVERAGE = 0.45;
export const MIN_ASKED_COVERAGE = 0.5;
/** Shares are sums of weights: compare them with a little slack for rounding. */
const EPSILON = 1e-9;
export const CONTEXT_WEIGHT = 0.5;
const SYNONYM_WEIGHT = 0.75;
/** Words that name the job ("furnace", "heat pump") say less about what is asked than the rest. */
const SUBJECT_FOCUS = 0.5;

export interface ScoredSentence {
  record: EvidenceRecord;
  /** The quote: a verbatim slice of the record's text. */
  text: string;
  /** Weighted share of the question's terms this passage supports, in [0, 1]. */
  coverage: number;
  /** Weighted share of what is asked (see above) this passage supports, in [0, 1]. */
  asked: number;
  /** Whether one of the asked terms is in the passage itself (not only in its context). */
  askedInText: boolean;
  /** Whether it is about the tags and places the question names. */
  onTopic: boolean;
  /** How many of the question's terms it matches, in its text or context (0 when none in its text). */
  matched: number;
  /** The terms that name no place, and the answer parts, that its own text says. */
  says: ReadonlySet<string>;
  score: number;
  start: number;
  end: number;
}

type TermClass = "place" | "subject" | "asked";

interface Support {
  weight: number;
  inText: boolean;
}

/** How strongly a passage supports a term: in its text, through a synonym, an implied field, or its context. */
function support(p: Passage, term: string, cls: TermClass): Support {
  // A client's or property's own record names the place, a job's own text the job: they say no
  // more about it than context would.
  const naming =
    (cls === "place" && (p.record.kind === "client" || p.record.kind === "property")) || (cls === "subject" && p.record.kind === "job");
  if (hasTerm(p.own, term)) return { weight: naming ? CONTEXT_WEIGHT : 1, inText: true };
  if (alternativesOf(term).some((s) => hasTerm(p.own, s))) return { weight: SYNONYM_WEIGHT, inText: true };
  if (p.implied.has(term)) return { weight: CONTEXT_WEIGHT, inText: true };
  // A note on the job "… - RTU-3" is about RTU-3 as much as one that names it.
  if (hasTerm(p.subject, term)) return { weight: isTag(term) ? 1 : CONTEXT_WEIGHT, inText: false };
  if (hasTerm(p.place, term)) return { weight: CONTEXT_WEIGHT, inText: false };
  return { weight: 0, inText: false };
}

const isTag = (term: string) => term.includes("-");

export function rankSentences(input: Pick<ProviderInput, "terms" | "evidence">): {
  ranked: ScoredSentence[];
  termCount: number;
  /** What a whole answer should say: the terms that name no place, and the answer parts. */
  wanted: string[];
} {
  const terms = input.terms.filter((t) => !isAnswerPart(t));
  const parts = input.terms.filter(isAnswerPart);
  // Records of one job or place share their context lines: each distinct text is read once.
  const termsOf = memo(evidenceTerms);
  const passages = cut(input.evidence, termsOf);
  const singles = passages.filter((p) => !p.pair);

  // IDF over the evidence's sentences: a term found nowhere weighs the most.
  const weight = new Map<string, number>();
  for (const term of terms) {
    // A concept (lexicon.ts) is found where any of its members is, a word where it or a synonym
    // is: the records do speak of a "leak hunt" when they say "leak search".
    const found = isConcept(term)
      ? (p: Passage) => alternativesOf(term).some((s) => hasTerm(p.own, s))
      : (p: Passage) => hasTerm(p.own, term) || alternativesOf(term).some((s) => hasTerm(p.own, s));
    const df = singles.filter(found).length;
    weight.set(term, Math.log(1 + (singles.length + 1) / (df + 0.5)));
  }
  const cls = classify(input.evidence, passages, terms, termsOf);
  const places = terms.filter((t) => cls.get(t) === "place");
  const placeTotal = sum(places, weight) || 1;
  // Identifiers and dates the question names: a passage must be about one of them.
  const tags = terms.filter((t) => isTag(t) || MONTH_TERMS.has(t));
  // What is asked: the terms that name no place, those that name the job counting half.
  const focusWeight = new Map(
    terms.map((t) => [t, (weight.get(t) ?? 0) * { place: 0, subject: SUBJECT_FOCUS, asked: 1 }[cls.get(t) ?? "asked"]]),
  );
  const focus = terms.filter((t) => cls.get(t) !== "place");
  const total = sum(terms, weight) || 1;
  const focusTotal = sum(focus, focusWeight) || 1;
  const newest = input.evidence.reduce((n, e) => Math.max(n, e.at === null ? 0 : Date.parse(e.at) || 0), 0);

  const ranked: ScoredSentence[] = [];
  const compounds = askedCompounds(terms, (t) => cls.get(t) === "place");
  for (const p of passages) {
    const otherThing = namesAnotherThing(p, compounds);
    let covered = 0;
    let focusCovered = 0;
    let matched = 0;
    let inText = 0;
    let focusInText = false;
    let placeCovered = 0;
    const found = new Map<string, Support>();
    for (const term of terms) {
      const s = otherThing.has(term) ? { weight: 0, inText: false } : support(p, term, cls.get(term) ?? "asked");
      if (s.weight === 0) continue;
      found.set(term, s);
      const w = (weight.get(term) ?? 0) * s.weight;
      covered += w;
      matched++;
      if (s.inText) inText++;
      if (cls.get(term) === "place") placeCovered += weight.get(term) ?? 0;
      else {
        focusCovered += (focusWeight.get(term) ?? 0) * s.weight;
        if (s.inText) focusInText = true;
      }
    }
    const partsSaid = parts.filter((part) => alternativesOf(part).some((m) => hasTerm(p.own, m)));
    // A passage that says none of the question's terms is no answer; one that gives a reason the
    // question asks for may still complete one (extractive.ts).
    if (inText === 0 && partsSaid.length === 0) continue;
    // About the place the question names: most of its place terms' weight ("Estes Park" is not
    // "the park"), and about one of the tags or months it names.
    const onTopic = (tags.length === 0 || tags.some((t) => found.has(t))) && (places.length === 0 || placeCovered / placeTotal >= 0.5);
    const coverage = covered / total;
    const asked = focus.length === 0 ? coverage : focusCovered / focusTotal;
    // Ties: a passage that says something beyond the question's own words (a title that repeats
    // the question is no answer); notes and events say what was found and done, a job's own text
    // what was asked for; a single sentence beats a pair that says no more; newer records and the
    // index's rank come next.
    const kindBonus = { note: 0.04, event: 0.02, job: -0.02, client: 0, property: 0 }[p.record.kind];
    const score =
      coverage +
      0.5 * asked +
      0.08 * novelty(p.text, terms) +
      kindBonus -
      (p.pair ? 0.03 : 0) +
      recency(p.record.at, newest) +
      Math.min(p.record.score, 20) / 1000;
    const says = new Set([...found].filter(([t, s]) => s.inText && cls.get(t) !== "place").map(([t]) => t));
    for (const part of partsSaid) says.add(part);
    ranked.push({
      record: p.record,
      says,
      text: p.text,
      coverage,
      asked,
      askedInText: focus.length === 0 || focusInText,
      onTopic,
      matched,
      score,
      start: p.start,
      end: p.end,
    });
  }
  ranked.sort((a, b) => b.score - a.score);
  return { ranked, termCount: terms.length, wanted: [...focus, ...parts] };
}

export function isRelevant(best: ScoredSentence | undefined, termCount: number): best is ScoredSentence {
  if (!best) return false;
  return (
    best.onTopic &&
    best.coverage >= MIN_COVERAGE - EPSILON &&
    best.asked >= MIN_ASKED_COVERAGE - EPSILON &&
    best.askedInText &&
    best.matched >= Math.min(2, termCount)
  );
}

/**
 * Sorts the question's terms by what the evidence says they are. A place term is found in the
 * names of clients and properties (their own records, the place lines of contexts) more often
 * than in what the records say ("Estes Park" names a place, "parking" is said in many notes); a
 * subject term is found in a job's title and description; the rest is what is asked.
 */
function classify(evidence: EvidenceRecord[], passages: Passage[], terms: string[], termsOf: TermsOf): Map<string, TermClass> {
  const out = new Map<string, TermClass>(terms.map((t) => [t, "asked"]));
  const placeTexts = new Set<string>();
  const subjectTexts = new Set<string>();
  for (const record of evidence) {
    const lines = record.context.split("\n");
    const subject = record.jobId !== null ? (lines.shift() ?? "") : "";
    placeTexts.add(lines.join("\n"));
    if (record.kind === "client" || record.kind === "property") placeTexts.add(record.text);
    if (record.kind === "job") subjectTexts.add(record.text);
    subjectTexts.add(subject);
    if (placeTexts.size + subjectTexts.size > MAX_PASSAGES) break;
  }
  const count = (texts: Set<string>) => {
    const n = new Map<string, number>();
    for (const text of texts) {
      const offered = termsOf(text);
      for (const t of terms) if (hasTerm(offered, t)) n.set(t, (n.get(t) ?? 0) + 1);
    }
    return n;
  };
  const inPlaces = count(placeTexts);
  const inSubjects = count(subjectTexts);
  const said = new Map<string, number>();
  for (const p of passages) {
    if (p.pair || (p.record.kind !== "note" && p.record.kind !== "event")) continue;
    for (const t of terms) if (hasTerm(p.own, t)) said.set(t, (said.get(t) ?? 0) + 1);
  }
  for (const t of terms) {
    const named = inPlaces.get(t) ?? 0;
    if (named > 0 && named >= (said.get(t) ?? 0)) out.set(t, "place");
    else if ((inSubjects.get(t) ?? 0) > 0) out.set(t, "subject");
  }
  return out;
}

/** Share (up to 1) of a passage's content words that are not the question's: what it adds. */
function novelty(text: string, terms: string[]): number {
  let fresh = 0;
  for (const word of words(text)) {
    if (word.length < 2 || isStopword(word)) continue;
    const s = stem(word);
    if (!terms.some((t) => s === t || (t.length >= 5 && s.startsWith(t)))) fresh++;
    if (fresh === 6) break;
  }
  return fresh / 6;
}

/** Up to 0.02 for the newest records, fading over half a year (field work is about the latest visit). */
function recency(at: string | null, newest: number): number {
  if (at === null || newest === 0) return 0;
  const ageDays = (newest - Date.parse(at)) / 86_400_000;
  return Number.isFinite(ageDays) ? Math.max(0, 0.02 * (1 - ageDays / 180)) : 0;
}

const sum = (terms: string[], weight: Map<string, number>) => terms.reduce((n, t) => n + (weight.get(t) ?? 0), 0);
