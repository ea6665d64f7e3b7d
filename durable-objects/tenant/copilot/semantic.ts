import type { Db } from "../data/db";
import type { JobRow } from "../data/jobs";
import type { RankedHit, ScopeTokens } from "../data/search";
import { usage } from "../data/usage";
import { vectors } from "../data/vectors";
import { searchScope, type Visibility } from "../visibility";
import { embedTexts, namespaceOf, type SemanticServices } from "./embeddings";

/**
 * A question's vector hits, under the caller's visibility: the question is embedded, the tenant's
 * namespace is queried with the caller's scope tokens as a metadata filter (the same tokens the
 * full-text query uses, one per record, stored as the vector's `scope`), and every hit is read
 * back from the full-text index and checked against the same tokens again before it may become
 * evidence: a wrong filter, a stale vector or a bug in a stand-in can never put a record the
 * caller may not read into an answer.
 *
 * Bounded: the whole lookup (embedding and queries) has SEMANTIC_TIMEOUT_MS; a failure or a
 * timeout answers no hits and `degraded: true`, and the question is answered from the full-text
 * index alone (the answer is only ever built from records actually read, so it says nothing false).
 */
export const SEMANTIC_TIMEOUT_MS = 1_500;
/** Vector hits fused with the full-text ones (Vectorize allows 100 without metadata returned). */
export const VECTOR_TOP_K = 20;
/** Vectorize refuses a filter of 2,048 bytes or more of compact JSON. */
export const MAX_FILTER_BYTES = 2_000;
/**
 * A scope too large for one filter is split over at most this many queries (run together); about
 * 190 tokens fit in one (`"j12345",` is 9 bytes), so a technician with up to ~760 jobs, clients
 * and properties is covered. A larger scope is answered from the full-text index alone.
 */
export const MAX_SCOPE_QUERIES = 4;

export interface SemanticOutcome {
  hits: RankedHit[];
  embedCalls: number;
  embedTokens: number;
  queries: number;
  /** The services failed or were too slow: the answer came from the full-text index alone. */
  degraded: boolean;
}

const NOTHING: SemanticOutcome = { hits: [], embedCalls: 0, embedTokens: 0, queries: 0, degraded: false };

type ScopeFilter = { scope: { $in: string[] } } | undefined;

/**
 * The metadata filters that together cover a scope: one unfiltered query for a caller who sees
 * everything, none for an empty scope, chunks of tokens each under MAX_FILTER_BYTES; null when
 * more than MAX_SCOPE_QUERIES would be needed.
 */
export function scopeFilters(scope: ScopeTokens): ScopeFilter[] | null {
  if (scope === null) return [undefined];
  const filters: ScopeFilter[] = [];
  // Compact JSON of {"scope":{"$in":[…]}}: 20 bytes, plus each (ASCII) token quoted, comma-separated.
  const EMPTY_FILTER_BYTES = JSON.stringify({ scope: { $in: [] } }).length;
  let chunk: string[] = [];
  let bytes = EMPTY_FILTER_BYTES;
  for (const token of scope) {
    const adds = token.length + 2 + (chunk.length > 0 ? 1 : 0);
    if (chunk.length > 0 && bytes + adds > MAX_FILTER_BYTES) {
      filters.push({ scope: { $in: chunk } });
      chunk = [];
      bytes = EMPTY_FILTER_BYTES;
    }
    bytes += token.length + 2 + (chunk.length > 0 ? 1 : 0);
    chunk.push(token);
  }
  if (chunk.length > 0) filters.push({ scope: { $in: chunk } });
  return filters.length > MAX_SCOPE_QUERIES ? null : filters;
}

export async function semanticHits(
  db: Db,
  services: SemanticServices,
  tenantId: string,
  question: string,
  visibility: Visibility,
  job: JobRow | null,
  timeoutMs = SEMANTIC_TIMEOUT_MS,
): Promise<SemanticOutcome> {
  const scope = searchScope(visibility, job);
  const filters = scopeFilters(scope);
  if (filters === null || filters.length === 0 || question.trim() === "") return NOTHING;
  const spent = { embedCalls: 1, embedTokens: Math.ceil(question.length / 4), queries: 0 };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`semantic lookup over ${timeoutMs} ms`)), timeoutMs);
  let matches: { id: string; score: number }[];
  try {
    const lookup = (async () => {
      const {
        vectors: [vector = []],
      } = await embedTexts(services.ai, [question], controller.signal);
      spent.queries = filters.length;
      const options = { topK: VECTOR_TOP_K, namespace: namespaceOf(tenantId), returnMetadata: "none" as const, returnValues: false };
      const answers = await Promise.all(filters.map((filter) => services.index.query(vector, filter ? { ...options, filter } : options)));
      // The binding's answer is parsed, not trusted: a malformed one yields no hits, never a failure.
      return answers.flatMap((a) => (Array.isArray(a?.matches) ? a.matches : []));
    })();
    matches = await Promise.race([lookup, aborted(controller.signal)]);
  } catch (error) {
    console.warn(
      JSON.stringify({ level: "warn", msg: "semantic lookup failed; answering from full-text", tenant: tenantId, error: String(error) }),
    );
    return { ...NOTHING, ...spent, degraded: true };
  } finally {
    clearTimeout(timer);
  }

  const best = new Map<string, number>();
  for (const m of matches as unknown[]) {
    const { id, score } = (m ?? {}) as { id?: unknown; score?: unknown };
    if (typeof id === "string" && typeof score === "number" && Number.isFinite(score))
      best.set(id, Math.max(best.get(id) ?? -Infinity, score));
  }
  const ranked = [...best.entries()].sort((a, b) => b[1] - a[1]).slice(0, VECTOR_TOP_K);
  const found = vectors.rowsByVectorId(
    db,
    ranked.map(([id]) => id),
  );
  const rows = new Map(found.map((r) => [r.vectorId, r]));
  const allowed = scope === null ? null : new Set(scope);
  const hits: RankedHit[] = [];
  for (const [id, score] of ranked) {
    const row = rows.get(id);
    // The same check as the full-text query's: the record's one scope token among the caller's.
    if (!row || (allowed !== null && !allowed.has(row.scope))) continue;
    const { vectorId: _, ...searchRow } = row;
    hits.push({ ...searchRow, score, matchedTerms: 0 });
  }
  return { hits, ...spent, degraded: false };
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}

/** A question's semantic work, counted per tenant and day with the copilot's usage (inside its transaction). */
export function meterSemantic(db: Db, day: string, outcome: SemanticOutcome): void {
  if (outcome.embedCalls === 0 && !outcome.degraded) return;
  usage.add(db, day, "semantic.embed_calls", outcome.embedCalls);
  usage.add(db, day, "semantic.embed_texts", outcome.embedCalls);
  usage.add(db, day, "semantic.embed_tokens", outcome.embedTokens);
  usage.add(db, day, "semantic.queries", outcome.queries);
  if (outcome.degraded) usage.add(db, day, "semantic.degraded", 1);
}
