import { parseOr422 } from "../../../schemas/errors";
import { SearchQuery, type SearchHit } from "../../../schemas/search";
import { parseQuery, searchIndex, snippet } from "../data/search";
import { requireVisibleJob, type CallContext } from "../guard";
import type { Runtime } from "../runtime";
import { searchScope } from "../visibility";

/**
 * `GET /v1/search`: full-text search over what the caller may read. The caller's visibility is a
 * filter inside the FTS5 query (not applied after it), and a `jobId` narrows to that job's
 * evidence, after the same visibility check as `GET /v1/jobs/:id`.
 */
export function search(rt: Runtime, c: CallContext, query: SearchQuery): { hits: SearchHit[]; exhaustive: boolean } {
  const q = parseOr422(SearchQuery, query);
  const job = q.jobId === undefined ? null : requireVisibleJob(rt.db, c, q.jobId, "search");
  const terms = parseQuery(q.q);
  const outcome = searchIndex.query(rt.db, terms, searchScope(c.visibility(), job), q.limit);
  return {
    exhaustive: outcome.exhaustive,
    hits: outcome.hits.map((h) => ({
      ref: `${h.kind}:${h.ref}`,
      kind: h.kind,
      jobId: h.job,
      snippet: snippet(h.text, terms),
      score: h.score,
    })),
  };
}
