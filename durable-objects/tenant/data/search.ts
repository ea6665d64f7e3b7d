import type { EvidenceKind } from "../../../schemas/common";
import type { Db } from "./db";

/**
 * Full-text search over the tenant's FTS5 index with bounded work.
 *
 * Any user text is a valid query: it is reduced to words (letters, digits), each quoted as an
 * FTS5 string, so quotes, operators, brackets and column filters in the input are just words.
 * A word of at least 3 characters followed by `*` is a prefix query.
 *
 * Why not `ORDER BY rank`: FTS5's bm25() counts every row containing each phrase to compute
 * its IDF, which costs ~1-2 µs per matching row (100+ ms for a word in most of 100,000 notes).
 * Instead, the work per query is bounded by construction:
 *   1. document frequency per word, counted only up to DF_CAP rows;
 *   2. at most CANDIDATE_CAP candidates, newest first (FTS5 walks rowids in order and stops);
 *   3. BM25 over those candidates in JS, with the capped frequencies as IDF.
 * A query whose matches exceed CANDIDATE_CAP is ranked among its newest CANDIDATE_CAP matches
 * (reported as `exhaustive: false`). Numbers behind the caps: docs/decisions.md, docs/benchmarks.md.
 */
export const MAX_QUERY_TERMS = 16;
export const MIN_PREFIX_LENGTH = 3;
export const CANDIDATE_CAP = 300;
export const DF_CAP = 2_000;

export interface QueryTerm {
  word: string;
  prefix: boolean;
}

/** Splits user text into at most MAX_QUERY_TERMS distinct words. Never throws. */
export function parseQuery(input: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  const seen = new Set<string>();
  for (const match of input.matchAll(/([\p{L}\p{N}\p{M}]+)(\*?)/gu)) {
    const word = normalizeWord(match[1] ?? "");
    if (word === "" || word.length > 64) continue;
    const prefix = match[2] === "*" && word.length >= MIN_PREFIX_LENGTH;
    const key = `${word}${prefix ? "*" : ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push({ word, prefix });
    if (terms.length === MAX_QUERY_TERMS) break;
  }
  return terms;
}

/** Case- and accent-folds like the index's `unicode61 remove_diacritics 2` tokenizer. */
export function normalizeWord(word: string): string {
  return word
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

const phrase = (t: QueryTerm): string => `"${t.word}"${t.prefix ? "*" : ""}`;

/** Visibility tokens restrict the match inside FTS5; `null` means the caller may see everything. */
export type ScopeTokens = string[] | null;

function matchExpression(terms: QueryTerm[], joiner: "AND" | "OR", scope: ScopeTokens): string {
  const words = `text : (${terms.map(phrase).join(` ${joiner} `)})`;
  if (scope === null) return words;
  return `${words} AND scope : (${scope.map((s) => `"${s}"`).join(" OR ")})`;
}

export interface SearchRow {
  rowid: number;
  kind: EvidenceKind;
  ref: string;
  job: string | null;
  at: string | null;
  text: string;
}

export interface RankedHit extends SearchRow {
  score: number;
  matchedTerms: number;
}

export interface SearchOutcome {
  hits: RankedHit[];
  exhaustive: boolean;
}

export const searchIndex = {
  /**
   * Ranked search. `mode: "all"` needs every word (falls back to any word when that finds fewer
   * than `limit`); `"any"` ranks records by how many words they contain, then BM25.
   */
  query(db: Db, terms: QueryTerm[], scope: ScopeTokens, limit: number, mode: "all" | "any" = "all"): SearchOutcome {
    if (terms.length === 0 || (scope !== null && scope.length === 0)) return { hits: [], exhaustive: true };
    const df = new Map<string, number>();
    for (const term of terms) df.set(phrase(term), countCapped(db, matchExpression([term], "AND", scope)));
    const total = Math.max(1, indexSize(db));

    const byRowid = new Map<number, SearchRow>();
    let exhaustive = true;
    const collect = (joiner: "AND" | "OR") => {
      const rows = db.all<SearchRow>(
        `SELECT rowid, kind, ref, job, at, text FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
        matchExpression(terms, joiner, scope),
        CANDIDATE_CAP + 1,
      );
      if (rows.length > CANDIDATE_CAP) exhaustive = false;
      for (const row of rows.slice(0, CANDIDATE_CAP)) byRowid.set(row.rowid, row);
    };
    if (mode === "all" || terms.length === 1) collect("AND");
    if (terms.length > 1 && (mode === "any" || byRowid.size < limit)) collect("OR");

    const ranked = rank([...byRowid.values()], terms, df, total);
    return { hits: ranked.slice(0, limit), exhaustive };
  },

  /** Rows in the index, per kind (for coverage checks and tests). */
  countByKind(db: Db): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of db.all<{ kind: string; n: number }>(`SELECT kind, count(*) AS n FROM search_fts GROUP BY kind`))
      out[row.kind] = row.n;
    return out;
  },
};

/** Counts matches of an FTS expression, stopping at `cap`. */
function countCapped(db: Db, expression: string, cap: number = DF_CAP): number {
  return (
    db.one<{ n: number }>(`SELECT count(*) AS n FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT ?)`, expression, cap)
      ?.n ?? 0
  );
}

/**
 * Rows in the index, for IDF. Counting is a scan of the index (O(rows)), so it is refreshed at
 * most every INDEX_SIZE_TTL_MS per object; IDF needs only its order of magnitude.
 */
const INDEX_SIZE_TTL_MS = 30_000;
const indexSizes = new WeakMap<Db, { n: number; at: number }>();
function indexSize(db: Db): number {
  const cached = indexSizes.get(db);
  const now = Date.now();
  if (cached && now - cached.at < INDEX_SIZE_TTL_MS) return cached.n;
  const n = db.one<{ n: number }>(`SELECT count(*) AS n FROM search_fts`)?.n ?? 0;
  indexSizes.set(db, { n, at: now });
  return n;
}

// BM25 parameters (the usual defaults).
const K1 = 1.2;
const B = 0.75;

function rank(rows: SearchRow[], terms: QueryTerm[], df: Map<string, number>, total: number): RankedHit[] {
  if (rows.length === 0) return [];
  const tokenized = rows.map((row) => tokenize(row.text));
  const avgLength = tokenized.reduce((sum, t) => sum + t.length, 0) / tokenized.length || 1;
  const hits = rows.map((row, i): RankedHit => {
    const tokens = tokenized[i] ?? [];
    let score = 0;
    let matchedTerms = 0;
    for (const term of terms) {
      const tf = tokens.reduce((n, tok) => n + (term.prefix ? (tok.startsWith(term.word) ? 1 : 0) : tok === term.word ? 1 : 0), 0);
      if (tf === 0) continue;
      matchedTerms++;
      const n = df.get(phrase(term)) ?? 1;
      const idf = Math.log(1 + (total - n + 0.5) / (n + 0.5));
      score += idf * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * tokens.length) / avgLength)));
    }
    // Records containing more of the words come first; BM25 orders within the same coverage.
    return { ...row, matchedTerms, score: Math.round((matchedTerms + score / (score + 10)) * 1e4) / 1e4 };
  });
  return hits.filter((h) => h.matchedTerms > 0).sort((a, b) => b.score - a.score || b.rowid - a.rowid);
}

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) out.push(normalizeWord(match[0]));
  return out;
}

/** A short excerpt around the first matching word, at most ~`width` characters. */
export function snippet(text: string, terms: QueryTerm[], width = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= width) return flat;
  let at = -1;
  for (const match of flat.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    const word = normalizeWord(match[0]);
    if (terms.some((t) => (t.prefix ? word.startsWith(t.word) : word === t.word))) {
      at = match.index;
      break;
    }
  }
  const start = Math.max(0, Math.min(at < 0 ? 0 : at - Math.floor(width / 3), flat.length - width));
  const body = flat.slice(start, start + width);
  return `${start > 0 ? "…" : ""}${body}${start + width < flat.length ? "…" : ""}`;
}
