import { normalizeWord } from "../data/search";
import { valueMarkers } from "./values";

/**
 * Small language helpers for the copilot: content terms of a question, a light stemmer, the
 * terms a piece of evidence offers, and sentence splitting that keeps every sentence a verbatim
 * substring of its record (citations quote records exactly, so nothing here may rewrite text).
 *
 * Two kinds of term:
 *   - stems of ordinary words ("replaced" → "replac"), matched on a stem or, from 5 characters,
 *     as a prefix ("replac" meets "replacement");
 *   - tags: runs of letters and digits joined by `-`, `.` or `/` that contain a digit ("RTU-2",
 *     "F.28", "E.04.10", "R-410A", "WC-448213"). Field records are full of them, and "RTU-2" must
 *     not be answered with a sentence about RTU-1 that happens to contain a 2. A tag is one term,
 *     written with `-` between its parts ("rtu-2"); the index is queried with its parts.
 */
const STOPWORDS = new Set(
  // English function words.
  (
    "a about above after again against all also am an and any are as at be because been before being below between both but by " +
    "can could did do does doing done down during each few for from further had has have having he her here hers him his how i " +
    "if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own same she " +
    "should so some such than that the their theirs them then there these they this those through to too under until up very " +
    "was we were what when where which while who whom whose why will with would you your yours shall may might " +
    // Words that frame a question without saying what it is about.
    "tell give find know please last time times previous previously recent recently latest ever anything something " +
    "thing things get got say said says happen happened happens going went anyone someone somebody everyone everything " +
    "wrong much many take takes took taken want wants wanted still like whether currently actually exactly ok okay able let " +
    "show shows showed shown showing measure measured measures measuring reach reached look looks looked long often " +
    "result results outcome big large hold holds " +
    "use uses used using number kind type property site record records note notes reading readings info information detail details " +
    // Words that point at a customer or place the question names ("the Okafor family", "the Whitfield place").
    "family folks place house home guys people need needs needed keep keeps us job jobs visit visits trip callout " +
    // Words that frame where or when without saying what ("somewhere to leave the van", "when is it coming?").
    "somewhere anywhere come comes coming came " +
    // The tails of contractions ("I'll", "we've", "they're").
    "ll ve re"
  ).split(" "),
);

/** Words that a client or property record answers although its text does not contain them. */
export const CLIENT_FIELDS = ["name", "phone", "email", "contact", "customer", "client"];
export const PROPERTY_FIELDS = ["address", "location", "located"];

const VOWEL = /[aeiouy]/;

/**
 * A light suffix stripper: both the question and the evidence go through it, so it only has to
 * be consistent, and every stem stays a prefix of the words it came from (ranking matches
 * stems as prefixes). "codes"/"code" → "cod", "replaced"/"replacement" → "replac",
 * "tripped" → "trip", "installed"/"install" → "instal", "batteries"/"battery" → "batter".
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  const cut = (n: number) => {
    if (w.length - n >= 3) w = w.slice(0, -n);
  };
  if (w.endsWith("ies")) cut(3);
  else if (/(?:ss|x|z|ch|sh)es$/.test(w)) cut(2);
  else if (w.endsWith("s") && !/(?:ss|us|is)$/.test(w)) cut(1);
  if (w.endsWith("ment") && w.length - 4 >= 5) cut(4);
  else if (w.endsWith("ing") && VOWEL.test(w.slice(0, -3))) cut(3);
  else if (w.endsWith("ed") && VOWEL.test(w.slice(0, -2))) cut(2);
  if (w.length >= 5 && /[^aeiou]y$/.test(w)) cut(1);
  if (w.length >= 4 && w.at(-1) === w.at(-2) && !VOWEL.test(w.at(-1) ?? "a")) cut(1);
  while (w.length >= 4 && w.endsWith("e")) cut(1);
  return w;
}

const CAMEL = /\p{Ll}\p{Lu}/u;
const CAMEL_SPLIT = /(?<=\p{Ll})(?=\p{Lu})/u;
/** Stems of raw words, remembered: evidence repeats its vocabulary, and stemming dominated drafting. */
const STEMS = new Map<string, string>();
const STEM_CACHE_SIZE = 20_000;
function stemWord(raw: string): string {
  let s = STEMS.get(raw);
  if (s === undefined) {
    if (STEMS.size >= STEM_CACHE_SIZE) STEMS.clear();
    s = stem(normalizeWord(raw));
    STEMS.set(raw, s);
  }
  return s;
}

/** The stems of a text's words in order, stopwords as null (what stands before what: "gate code", "alarm code"). */
export function stemSequence(text: string): (string | null)[] {
  return words(text).map((w) => (STOPWORDS.has(w) || /\d/.test(w) ? null : stemWord(w)));
}

/** Whether a (normalised, unstemmed) word says nothing about what a question is about. */
export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/** Whether a question term is present in a set of evidence terms (exact, or from 5 characters as a prefix or a compound's end). */
export function hasTerm(terms: ReadonlySet<string>, term: string): boolean {
  if (terms.has(term)) return true;
  if (term.length < 5 || term.includes("-")) return false;
  // A prefix ("replac" meets "replacement"), or the last part of a compound ("school" meets
  // "basisschool", "bell" does not meet "doorbell": too short).
  for (const t of terms) if (t.startsWith(term) || (t.length >= term.length + 3 && t.endsWith(term))) return true;
  return false;
}

/** Case- and accent-folded words of a text (the index's tokenisation). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) out.push(normalizeWord(match[0]));
  return out;
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const TAG_JOINERS = new Set(["-", ".", "/"]);
const DIGIT = /\d/;

interface TagRun {
  tag: string;
  parts: string[];
  index: number;
  length: number;
}

/**
 * One pass over a text's words: each word (as matched, with its offset), and its tags: runs of
 * word parts joined by single `-`, `.` or `/`, at least one part containing a digit.
 */
function scan(text: string, onWord?: (raw: string) => void): TagRun[] {
  const tags: TagRun[] = [];
  let run: { index: number; end: number; parts: string[] } | null = null;
  const close = () => {
    if (run && run.parts.length >= 2 && run.parts.some((p) => DIGIT.test(p))) {
      tags.push({ tag: run.parts.join("-"), parts: run.parts, index: run.index, length: run.end - run.index });
    }
  };
  for (const match of text.matchAll(WORD)) {
    const raw = match[0];
    onWord?.(raw);
    const joined = run !== null && match.index === run.end + 1 && TAG_JOINERS.has(text[run.end] ?? "");
    if (run && joined) {
      run.parts.push(normalizeWord(raw));
      run.end = match.index + raw.length;
    } else {
      close();
      run = { index: match.index, end: match.index + raw.length, parts: [normalizeWord(raw)] };
    }
  }
  close();
  return tags;
}

/** Tags in a text: runs of word parts joined by `-`, `.` or `/`, at least one part containing a digit. */
function tagRuns(text: string): TagRun[] {
  return scan(text);
}

/**
 * Quantities that a reading's unit names: "88°F" answers "what temperature", "98 A" "what
 * current". Field notes write the number and the unit, rarely the quantity.
 */
const UNIT_QUANTITIES: [RegExp, string[]][] = [
  [/\d\s*°\s*[FC]\b/, ["temperature"]],
  [/\d\s*(?:psig|psi|bar|mbar|kpa)\b|\bin\.\s*w\.c\./i, ["pressure"]],
  [/\d\s*(?:A|amps?)\b/, ["current", "amps", "draw"]],
  [/\d\s*(?:V|VAC|VDC|mV)\b/, ["voltage"]],
  [/\d\s*[µμu]F\b/, ["capacitance"]],
  [/\d\s*[kM]?(?:Ω|ohms?)(?!\w)/, ["resistance"]],
  [/\d\s*l\/min\b/, ["flow", "rate"]],
  [/\d\s*°dH\b/, ["hardness"]],
  // Refrigerants are named by their ASHRAE number: "R-410A", "R-32".
  [/\bR-?\d{2,3}[A-Z]?\b/, ["refrigerant"]],
];
const UNIT_TERMS = UNIT_QUANTITIES.map(([pattern, names]) => [pattern, names.map(stem)] as const);

/**
 * Every term a piece of evidence offers: stems of its words and of the parts of camelCase words
 * (event data keys such as `warrantyClaim`), the quantities its units name, the kinds of value it
 * states (values.ts: a date, a time, money, a reading), and its tags with
 * their shorter runs ("E.04.10" offers "e-04-10", "e-04" and "04-10"; at most 6 parts of a run).
 */
export function evidenceTerms(text: string): Set<string> {
  const out = new Set<string>();
  const tags = scan(text, (raw) => {
    out.add(stemWord(raw));
    if (CAMEL.test(raw)) for (const part of raw.split(CAMEL_SPLIT)) out.add(stemWord(part));
  });
  if (DIGIT.test(text)) for (const [pattern, names] of UNIT_TERMS) if (pattern.test(text)) for (const name of names) out.add(name);
  for (const marker of valueMarkers(text)) out.add(marker);
  for (const { parts } of tags) {
    const run = parts.slice(0, 6);
    for (let i = 0; i < run.length; i++) for (let j = i + 2; j <= run.length; j++) out.add(run.slice(i, j).join("-"));
  }
  return out;
}

/** Distinct content terms of a question, in order (at most MAX_TERMS): tags whole, other words stemmed. */
export const MAX_TERMS = 12;
export function contentTerms(question: string): string[] {
  const seen = new Set<string>();
  const tags = tagRuns(question);
  let tagIndex = 0;
  for (const match of question.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    if (seen.size === MAX_TERMS) break;
    const tag = tags[tagIndex];
    if (tag && match.index >= tag.index) {
      if (match.index < tag.index + tag.length) {
        // A word inside a tag: the tag stands for it (added once, at its first word).
        if (match.index === tag.index) seen.add(tag.tag);
        if (match.index + match[0].length >= tag.index + tag.length) tagIndex++;
        continue;
      }
      tagIndex++;
    }
    const word = normalizeWord(match[0]);
    if (STOPWORDS.has(word) || (word.length < 2 && !/\d/.test(word))) continue;
    seen.add(stem(word));
  }
  return [...seen];
}

/**
 * What a term matches in a record's words: a tag's parts exactly, or the stem as a prefix (from
 * 3 letters; "replac" meets "replaced" and "replacement"). Ranking applies this (retrieval.ts).
 */
export function matchWords(term: string): { word: string; prefix: boolean }[] {
  if (term.includes("-")) return term.split("-").map((word) => ({ word, prefix: false }));
  return [{ word: term, prefix: term.length >= 3 && !/\d/.test(term) }];
}

/**
 * The longest prefix the index is queried with: the FTS5 table keeps prefix indexes for 3 and 4
 * characters (`prefix = '3 4'`). A longer prefix ("pressur*") makes FTS5 merge the whole doclist
 * of every matching word before it returns a row, which grows with the index (59–110 ms at
 * 1,000,000 notes); a 3- or 4-character prefix is one doclist, read newest first and only as far
 * as needed.
 */
export const INDEX_PREFIX_CHARS = 4;

/**
 * The words to look a term up with in the index: matchWords, a longer stem cut to its first
 * INDEX_PREFIX_CHARS characters ("pressur" → "pres*"). The index then returns a superset of the
 * records the stem matches; retrieval ranks the hits by the whole stems again.
 */
export function indexWords(term: string): { word: string; prefix: boolean }[] {
  return matchWords(term).map((w) =>
    w.prefix && w.word.length > INDEX_PREFIX_CHARS ? { word: w.word.slice(0, INDEX_PREFIX_CHARS), prefix: true } : w,
  );
}

export interface Sentence {
  text: string;
  /** Offset of `text` in the record's text: `record.slice(start, start + text.length) === text`. */
  start: number;
}

/** Abbreviations after which a full stop does not end a sentence ("Dr. Marsh", "approx. 3 bar"). */
const ABBREVIATIONS = new Set(["dr", "mr", "mrs", "st", "nr", "vs", "approx", "incl", "ca", "fig"]);

/**
 * Sentences of a record, each a verbatim, trimmed slice of it: lines, split after `.`, `!` or `?`
 * when whitespace and then something other than a lower-case letter follow (so "12.5 psi",
 * "F.28", "0.83 in. w.c." and "Dr. Marsh" stay whole).
 */
export function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  for (const line of text.matchAll(/[^\n]+/g)) {
    let from = 0;
    const body = line[0];
    const push = (end: number) => {
      const raw = body.slice(from, end);
      const trimmed = raw.trim();
      if (trimmed.length >= 3) out.push({ text: trimmed, start: line.index + from + (raw.length - raw.trimStart().length) });
    };
    for (const boundary of body.matchAll(/[.!?]+(?=\s+[^\s\p{Ll}])/gu)) {
      const before = /([\p{L}]+)$/u.exec(body.slice(Math.max(from, boundary.index - 8), boundary.index))?.[1]?.toLowerCase();
      // "Dr. Marsh", and initials: "A.O. Smith".
      if (boundary[0] === "." && before !== undefined && (ABBREVIATIONS.has(before) || before.length === 1)) continue;
      const end = boundary.index + boundary[0].length;
      push(end);
      from = end;
    }
    push(body.length);
  }
  return out;
}
