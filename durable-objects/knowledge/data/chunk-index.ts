import type { Db } from "../../tenant/data/db";
import { CANDIDATE_CAP, DF_CAP, phrase, RANK_TEXT_CHARS, rank, type QueryTerm } from "../../tenant/data/search";

/**
 * Full-text search over document chunks (`kb_chunks_fts`, one row per indexed chunk of a current
 * version, rowid = the chunk's pk; a version still being indexed in steps is not searched), bounded like the tenant index (docs/decisions.md §6): capped document
 * frequencies, at most CANDIDATE_CAP candidates newest first, BM25 in JS by the tenant index's
 * own `rank`. Independent of the library actor: any object holding these tables can use it.
 */
export interface ChunkHit {
  rowid: number;
  docId: string;
  version: number;
  chunkId: string;
  heading: string | null;
  text: string;
  score: number;
}

/** BM25's N, a constant for the same reason as the tenant index's (relative rarity is enough). */
const IDF_CORPUS = 1_000_000;

/** Candidates of fully indexed versions only: a document half-way through its steps is not searched yet. */
const CANDIDATES = `SELECT kb_chunks_fts.rowid AS rowid,
    kb_chunks_fts.heading || char(10) || substr(kb_chunks_fts.text, 1, ${RANK_TEXT_CHARS}) AS text
  FROM kb_chunks_fts JOIN kb_chunks c ON c.pk = kb_chunks_fts.rowid
  JOIN kb_documents d ON d.id = c.doc_id AND d.version = c.version AND d.indexed_count >= d.chunk_count
  WHERE kb_chunks_fts MATCH ? ORDER BY kb_chunks_fts.rowid DESC LIMIT ?`;
const COUNT = `SELECT count(*) AS n FROM (SELECT rowid FROM kb_chunks_fts WHERE kb_chunks_fts MATCH ? LIMIT ?)`;
const DETAILS = `SELECT pk, doc_id, version, id, heading_path FROM kb_chunks WHERE pk IN (SELECT value FROM json_each(?))`;

export const chunkIndex = {
  /** Adds chunks (by pk) to the index. */
  add(db: Db, rows: { pk: number; text: string; headingPath: string[] }[]): void {
    for (const row of rows)
      db.run(`INSERT INTO kb_chunks_fts (rowid, text, heading) VALUES (?, ?, ?)`, row.pk, row.text, row.headingPath.join(" / "));
  },

  /** Removes one version's chunks from the index. */
  removeVersion(db: Db, docId: string, version: number): void {
    db.run(`DELETE FROM kb_chunks_fts WHERE rowid IN (SELECT pk FROM kb_chunks WHERE doc_id = ? AND version = ?)`, docId, version);
  },

  /** Removes a document's chunks (every version) from the index. */
  removeDocument(db: Db, docId: string): void {
    db.run(`DELETE FROM kb_chunks_fts WHERE rowid IN (SELECT pk FROM kb_chunks WHERE doc_id = ?)`, docId);
  },

  /** Chunks with every word first, filled with chunks with any word; at most `limit`. */
  search(db: Db, terms: QueryTerm[], limit: number): { hits: ChunkHit[]; exhaustive: boolean } {
    if (terms.length === 0) return { hits: [], exhaustive: true };
    const candidates = new Map<number, { rowid: number; text: string }>();
    let exhaustive = true;
    const collect = (joiner: "AND" | "OR") => {
      const rows = db.all<{ rowid: number; text: string }>(CANDIDATES, terms.map(phrase).join(` ${joiner} `), CANDIDATE_CAP + 1);
      if (rows.length > CANDIDATE_CAP) exhaustive = false;
      for (const row of rows.slice(0, CANDIDATE_CAP)) candidates.set(row.rowid, row);
    };
    collect("AND");
    if (terms.length > 1 && candidates.size < limit) collect("OR");
    const df = new Map(terms.map((t) => [phrase(t), db.one<{ n: number }>(COUNT, phrase(t), DF_CAP)?.n ?? 0]));
    const ranked = rank([...candidates.values()], terms, df, IDF_CORPUS).slice(0, limit);
    if (ranked.length === 0) return { hits: [], exhaustive };
    const details = new Map(
      db
        .all<{ pk: number; doc_id: string; version: number; id: string; heading_path: string }>(
          DETAILS,
          JSON.stringify(ranked.map((r) => r.rowid)),
        )
        .map((d) => [d.pk, d]),
    );
    const hits = ranked.flatMap((r): ChunkHit[] => {
      const d = details.get(r.rowid);
      if (!d) return [];
      const path = parseHeadingPath(d.heading_path);
      const text = r.text.slice(r.text.indexOf("\n") + 1);
      return [{ rowid: r.rowid, docId: d.doc_id, version: d.version, chunkId: d.id, heading: path.at(-1) ?? null, text, score: r.score }];
    });
    return { hits, exhaustive };
  },
};

/** A stored heading path (a JSON array of strings); anything else reads as no heading. */
export function parseHeadingPath(stored: string): string[] {
  try {
    const value: unknown = JSON.parse(stored);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : [];
  } catch {
    return [];
  }
}
