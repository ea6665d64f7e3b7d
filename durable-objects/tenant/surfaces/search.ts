import type { Role } from "../../../schemas/common";
import { AppError, parseOr422 } from "../../../schemas/errors";
import type { LibrarySearchResults } from "../../../schemas/library";
import type { RpcResult } from "../../../schemas/rpc";
import { SEARCH_SOURCES, SearchRequest, type SearchHit, type SearchSource } from "../../../schemas/search";
import { documentRef, withinLibraryBudget } from "../copilot/knowledge";
import { chunkIndex } from "../../knowledge/data/chunk-index";
import { documents } from "../../knowledge/data/documents";
import { knowledgeLibrary } from "../../knowledge/stub";
import { parseQuery, searchIndex, snippet, type QueryTerm } from "../data/search";
import { requireVisibleJob, type CallContext } from "../guard";
import type { Runtime } from "../runtime";
import { can, searchScope } from "../visibility";

/**
 * `GET /v1/search`: full-text search over the sources the caller names (default: every source
 * they may read). Records: the caller's visibility is a filter inside the FTS5 query (not applied
 * after it), and a `jobId` narrows to that job's evidence, after the same visibility check as
 * `GET /v1/jobs/:id`. Documents: the tenant's own, in this object. Library: the shared
 * `KnowledgeLibrary` object, bounded by LIBRARY_TIMEOUT_MS; when it fails or is slow the answer is
 * the other sources', marked not exhaustive and `degraded`.
 *
 * Merging: each source ranks by the same BM25 (`rank` in data/search.ts: the number of query words
 * a hit has, plus a BM25 part in [0, 1)), with the same constant corpus size, so scores are on one
 * scale and the hits are merged by score; on a tie records come first, then documents, then the
 * library (the tenant's own before shared text). Each source is asked for `limit` hits and the
 * merged list is cut to `limit`; `exhaustive` holds only when every source asked was exhaustive.
 */
export interface SearchOutcome {
  hits: SearchHit[];
  exhaustive: boolean;
  /** Sources that were asked and did not answer (the library, when slow or failing). */
  degraded: SearchSource[];
}

/**
 * Who reads what: records under the caller's visibility; the tenant's documents with
 * `documents.read`; the library every member but service identities (as `GET /v1/library/…`).
 */
export function readableSources(role: Role): SearchSource[] {
  return SEARCH_SOURCES.filter((s) => (s === "documents" ? can(role, "documents.read") : s === "library" ? role !== "service" : true));
}

export async function search(rt: Runtime, c: CallContext, query: SearchRequest): Promise<SearchOutcome> {
  const q = parseOr422(SearchRequest, query);
  // A job the caller may not see is "not found" whatever the sources (as in REST).
  const job = q.jobId === undefined ? null : requireVisibleJob(rt.db, c, q.jobId, "search");
  const readable = readableSources(c.role);
  const refused = (q.sources ?? []).filter((s) => !readable.includes(s));
  if (refused.length > 0) throw new AppError("forbidden", `${c.role} identities do not read ${refused.join(", ")}`);
  // A job's evidence is records: with `jobId` the default is records only.
  const sources = q.sources ?? (q.jobId === undefined ? readable : ["records"]);
  const terms = parseQuery(q.q);
  // The library is another object: its call starts first, so it overlaps the local searches.
  const library = sources.includes("library") ? libraryHits(rt.env, q.q, q.limit) : null;
  const hits: SearchHit[] = [];
  let exhaustive = true;
  if (sources.includes("records")) {
    const outcome = searchIndex.query(rt.db, terms, searchScope(c.visibility(), job), q.limit);
    exhaustive &&= outcome.exhaustive;
    for (const h of outcome.hits)
      hits.push({
        source: "records",
        ref: `${h.kind}:${h.ref}`,
        kind: h.kind,
        jobId: h.job,
        snippet: snippet(h.text, terms),
        score: h.score,
      });
  }
  if (sources.includes("documents")) {
    const outcome = documentHits(rt, terms, q.limit);
    exhaustive &&= outcome.exhaustive;
    hits.push(...outcome.hits);
  }
  const degraded: SearchSource[] = [];
  if (library) {
    const outcome = await library;
    if (outcome === null) degraded.push("library");
    exhaustive &&= outcome?.exhaustive ?? false;
    hits.push(...(outcome?.hits ?? []));
  }
  const order = (s: SearchSource) => SEARCH_SOURCES.indexOf(s);
  hits.sort((a, b) => b.score - a.score || order(a.source) - order(b.source));
  return { hits: hits.slice(0, q.limit), exhaustive, degraded };
}

function documentHits(rt: Runtime, terms: QueryTerm[], limit: number): { hits: SearchHit[]; exhaustive: boolean } {
  const { hits, exhaustive } = chunkIndex.search(rt.db, terms, limit);
  const titles = documents.titles(rt.db, [...new Set(hits.map((h) => h.docId))]);
  return {
    exhaustive,
    hits: hits.map((h) => ({
      source: "documents",
      ref: documentRef(h.docId, h.chunkId),
      kind: "chunk",
      jobId: null,
      title: titles.get(h.docId) ?? h.docId,
      heading: h.heading,
      snippet: snippet(h.text, terms),
      score: h.score,
    })),
  };
}

/** The library's hits (its own search, the same one `GET /v1/library/search` runs), or null when it fails or is slow. */
async function libraryHits(env: Env, q: string, limit: number): Promise<{ hits: SearchHit[]; exhaustive: boolean } | null> {
  const search = async (): Promise<RpcResult<LibrarySearchResults>> => knowledgeLibrary(env).search({ q, limit: Math.min(limit, 50) });
  const outcome = await withinLibraryBudget(search);
  if ("value" in outcome && outcome.value.ok) {
    const { hits, exhaustive } = outcome.value.value;
    return { exhaustive, hits: hits.map((h) => ({ source: "library", kind: "chunk", jobId: null, ...h })) };
  }
  const error = "failed" in outcome ? outcome.failed : "the library refused the query";
  console.warn(JSON.stringify({ level: "warn", msg: "knowledge library unavailable; searching records and documents", error }));
  return null;
}
