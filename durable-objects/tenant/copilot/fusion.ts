import type { RankedHit } from "../data/search";

/**
 * Fusing the full-text ranking with the vector ranking into one list of hits. Two ways, both kept
 * so they can be measured against each other (test/copilot/semantic-fusion.test.ts):
 *   - reciprocal rank fusion (Cormack et al., SIGIR 2009): Σ 1 / (RRF_K + rank) over the lists a
 *     hit is in; only ranks count, so the two lists' scores need no common scale;
 *   - a weighted sum of each list's scores normalised by its best (BM25-with-coverage for
 *     full-text, cosine similarity for vectors): FTS_WEIGHT and 1 − FTS_WEIGHT.
 * The fused list keeps the full-text score scale the rest of retrieval works with (anchors are
 * ranked by it): fused values are scaled so the best hit gets the best full-text score (1 when
 * only vectors found anything), and a hit keeps the index's `matchedTerms`.
 */
export type FusionMethod = "rrf" | "weighted";

export const RRF_K = 60;
export const FTS_WEIGHT = 0.6;
/**
 * The method in use. Measured on the quality set (test/copilot/semantic-fusion.test.ts, with a
 * lexical stand-in embedding, so the figures show the mechanics, not semantics): weighted
 * precision 0.982 / recall 0.903 / declined 0.976, RRF 0.966 / 0.903 / 0.976, FTS alone
 * 0.974 / 0.895 / 0.976 (docs/decisions.md, "Fusion").
 */
export const FUSION: FusionMethod = "weighted";

export function fuseHits(fts: RankedHit[], vector: RankedHit[], limit: number, method: FusionMethod = FUSION): RankedHit[] {
  if (vector.length === 0) return fts.slice(0, limit);
  const fused = new Map<number, { hit: RankedHit; value: number; ftsRank: number }>();
  const bestFts = Math.max(...fts.map((h) => h.score), 0);
  const bestVector = Math.max(...vector.map((h) => h.score), 0);
  const value = (score: number, best: number, rank: number, weight: number) =>
    method === "rrf" ? 1 / (RRF_K + rank + 1) : best > 0 ? weight * (Math.max(0, score) / best) : 0;

  fts.forEach((hit, rank) => fused.set(hit.rowid, { hit, value: value(hit.score, bestFts, rank, FTS_WEIGHT), ftsRank: rank }));
  vector.forEach((hit, rank) => {
    const add = value(hit.score, bestVector, rank, 1 - FTS_WEIGHT);
    const seen = fused.get(hit.rowid);
    if (seen) seen.value += add;
    else fused.set(hit.rowid, { hit: { ...hit, matchedTerms: 0 }, value: add, ftsRank: Number.MAX_SAFE_INTEGER });
  });

  const ordered = [...fused.values()].sort((a, b) => b.value - a.value || a.ftsRank - b.ftsRank || b.hit.rowid - a.hit.rowid);
  const top = ordered[0]?.value ?? 0;
  const scale = bestFts > 0 ? bestFts : 1;
  return ordered.slice(0, limit).map(({ hit, value: v }) => ({ ...hit, score: top > 0 ? Math.round((v / top) * scale * 1e4) / 1e4 : 0 }));
}
