import { OpenAPIHono } from "@hono/zod-openapi";
import { SearchQuery, SearchResults, type SearchHit, type SearchSource } from "../../schemas/search";
import type { AppEnv } from "../env";
import { callTenant } from "../tenancy/call";
import { json, memberRoute, PROBLEMS } from "./shared";

/** `GET /v1/search`: full-text search over the caller's records, the tenant's documents and the shared library. */
type SearchOutcome = { hits: SearchHit[]; exhaustive: boolean; degraded: SearchSource[] };

export const searchRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "get",
    path: "/v1/search",
    operationId: "searchRecords",
    tags: ["search"],
    summary:
      "Full-text search over what the caller may read (records, the tenant's documents, the shared library: `sources`); any text is a valid query, `word*` (3+ characters) is a prefix",
    request: { query: SearchQuery },
    responses: { 200: json(SearchResults, "Ranked hits of every source asked, merged by score"), 404: PROBLEMS[404] },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const result = await callTenant<SearchOutcome>(c, (stub, caller) => stub.search(caller, query), { idempotent: true });
    // Broad queries are ranked among their newest matches; say so without changing the body's shape.
    c.header("x-search-exhaustive", String(result.exhaustive));
    // A source that did not answer in time (the library): the hits are the other sources'.
    if (result.degraded.length > 0) c.header("x-search-degraded", result.degraded.join(","));
    return c.json(result.hits, 200);
  },
);
