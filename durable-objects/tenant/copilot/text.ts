import { normalizeWord } from "../data/search";

/**
 * Small language helpers for the copilot: content words of a question, a light stemmer, and
 * sentence splitting that keeps every sentence a verbatim substring of its record (citations
 * quote records exactly, so nothing here may rewrite text).
 */
const STOPWORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between both but by can " +
    "could did do does doing done down during each few for from further had has have having he her here hers him his how i if " +
    "in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own same she " +
    "should so some such than that the their theirs them then there these they this those through to too under until up very " +
    "was we were what when where which while who whom why will with would you your yours tell show give find know please " +
    "last time times previous previously recent recently latest ever anything something thing things get got say said " +
    "use uses used using number kind type property site record records note notes reading readings"
  ).split(" "),
);

/** Strips a few English suffixes so "replaced"/"replacing"/"replaces" meet "replace". */
export function stem(word: string): string {
  for (const suffix of ["ing", "ed", "es", "s"]) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  }
  return word;
}

export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) out.push(normalizeWord(match[0]));
  return out;
}

/** Distinct stemmed content words of a question, in order (at most 12). */
export function contentTerms(question: string): string[] {
  const seen = new Set<string>();
  for (const word of words(question)) {
    if (STOPWORDS.has(word) || (word.length < 2 && !/\d/.test(word))) continue;
    seen.add(stem(word));
    if (seen.size === 12) break;
  }
  return [...seen];
}

export interface Sentence {
  text: string;
  /** Offset of `text` in the record's text: `record.slice(start, start + text.length) === text`. */
  start: number;
}

/**
 * Sentences of a record, each a verbatim, trimmed slice of it: lines, split after `.`, `!` or `?`
 * when whitespace follows (so "12.5 psi" and "F.28" stay whole).
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
    for (const boundary of body.matchAll(/[.!?]+(?=\s+\S)/g)) {
      const end = boundary.index + boundary[0].length;
      push(end);
      from = end;
    }
    push(body.length);
  }
  return out;
}
