import { MAX_QUERY_TERMS, searchIndex, tokenize, type QueryTerm, type RankedHit, type ScopeTokens } from "../data/search";
import type { Db } from "../data/db";
import { isAnswerPart, isConcept } from "./lexicon";
import { indexWords, matchWords } from "./text";

/**
 * The index's hits for a question: its terms as index words (prefixes asked of FTS5, whole stems
 * to rank by again), for the records' index (retrieval.ts) and the document chunks' (knowledge.ts).
 */

/** Record hits a question keeps (the strongest of them anchor more evidence, retrieval.ts). */
export const EVIDENCE_LIMIT = 16;

/** Index hits asked for, before they are ranked by whole stems and cut to EVIDENCE_LIMIT. */
export const HIT_POOL = 3 * EVIDENCE_LIMIT;

/**
 * The index's best hits for a question's terms. The index is queried with prefixes of at most
 * INDEX_PREFIX_CHARS characters (text.ts: longer ones cost a full doclist merge per word), which
 * match a superset of what the stems match ("pres*" also meets "present"). So HIT_POOL hits are
 * asked for and ranked again as the index ranks, but by the whole stems: records with more of the
 * question's words first (a hit none of them matches is dropped, as the stem query would not
 * have found it), then the index's BM25 part; the best EVIDENCE_LIMIT are kept.
 */
export function searchHits(db: Db, terms: string[], scope: ScopeTokens): { hits: RankedHit[] } {
  const { query, wanted } = indexQuery(terms);
  const outcome = searchIndex.query(db, query, scope, HIT_POOL);
  const hits: RankedHit[] = [];
  for (const h of outcome.hits) {
    const restemmed = byStems(h, wanted);
    if (restemmed) hits.push({ ...h, ...restemmed });
  }
  hits.sort((a, b) => b.score - a.score || b.rowid - a.rowid);
  return { hits: hits.slice(0, EVIDENCE_LIMIT) };
}

/**
 * A question's terms as index words: `query`, the prefixes the index is asked for, and `wanted`,
 * the whole stems a hit is ranked by again (concepts and answer parts are matched by the ranking,
 * never asked of an index). Shared by the records' index and the document chunks' (knowledge.ts).
 */
export function indexQuery(terms: string[]): { query: QueryTerm[]; wanted: QueryTerm[] } {
  const want: QueryTerm[] = [];
  const words = terms.filter((t) => !isConcept(t) && !isAnswerPart(t));
  for (const term of words) for (const w of matchWords(term)) if (!want.some((q) => q.word === w.word)) want.push(w);
  const query: QueryTerm[] = [];
  for (const term of words) for (const w of indexWords(term)) if (!query.some((q) => q.word === w.word)) query.push(w);
  return { query: query.slice(0, MAX_QUERY_TERMS), wanted: want.slice(0, MAX_QUERY_TERMS) };
}

/**
 * A hit ranked again by the whole stems: how many of them its text has, plus the index's BM25 part
 * (its score is coverage plus a BM25 part in [0, 1)); null when it has none of them (the stem query
 * would not have found it).
 */
export function byStems(hit: { text: string; score: number }, wanted: QueryTerm[]): { score: number; matchedTerms: number } | null {
  const tokens = tokenize(hit.text);
  const matched = wanted.filter((w) => tokens.some((t) => (w.prefix ? t.startsWith(w.word) : t === w.word))).length;
  if (matched === 0) return null;
  const bm25 = hit.score - Math.floor(hit.score);
  return { matchedTerms: matched, score: Math.round((matched + bm25) * 1e4) / 1e4 };
}
