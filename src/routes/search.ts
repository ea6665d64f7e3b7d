import { OpenAPIHono } from "@hono/zod-openapi";
import { SearchQuery, SearchResults, type SearchHit } from "../../schemas/search";
import type { AppEnv } from "../env";
import { callTenant } from "../tenancy/call";
import { json, memberRoute, PROBLEMS } from "./shared";

/** `GET /v1/search`: full-text search over what the caller may read. */
type SearchOutcome = { hits: SearchHit[]; exhaustive: boolean };

export const searchRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "get",
    path: "/v1/search",
    operationId: "searchRecords",
    tags: ["search"],
    summary: "Full-text search over what the caller may read; any text is a valid query, `word*` (3+ characters) is a prefix",
    request: { query: SearchQuery },
    responses: { 200: json(SearchResults, "Ranked hits"), 404: PROBLEMS[404] },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const result = await callTenant<SearchOutcome>(c, (stub, caller) => stub.search(caller, query), { idempotent: true });
    // Broad queries are ranked among their newest matches; say so without changing the body's shape.
    c.header("x-search-exhaustive", String(result.exhaustive));
    return c.json(result.hits, 200);
  },
);
