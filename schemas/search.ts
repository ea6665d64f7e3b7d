import { z } from "@hono/zod-openapi";
import { EvidenceKind, RecordId } from "./common";

/**
 * `GET /v1/search` over three sources: the tenant's records (jobs, notes, events, clients,
 * properties, under the caller's visibility), the tenant's own documents (`doc:<docId>#<chunk>`)
 * and the shared library (`kb:<docId>@<version>#<chunk>`). A document or library hit is a chunk:
 * it carries the document's title and the chunk's heading besides the snippet.
 */
export const SEARCH_SOURCES = ["records", "documents", "library"] as const;
export const SearchSource = z.enum(SEARCH_SOURCES);
export type SearchSource = z.infer<typeof SearchSource>;

/** `records,documents` → the distinct sources named; an unknown name or an empty item is a 422. */
const SourceList = z
  .string()
  .max(200, "must be at most 200 characters")
  .transform((v, ctx) => {
    const names = v.split(",").map((s) => s.trim());
    const sources: SearchSource[] = [];
    for (const name of names) {
      const parsed = SearchSource.safeParse(name);
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: `unknown source "${name.slice(0, 40)}"; sources are ${SEARCH_SOURCES.join(", ")}` });
        return z.NEVER;
      }
      if (!sources.includes(parsed.data)) sources.push(parsed.data);
    }
    return sources;
  })
  .openapi({
    type: "string",
    example: "records,documents,library",
    description:
      "Comma list of `records`, `documents`, `library`; default: every source the caller may read (service identities: records only; with `jobId`: records only)",
  });

export const SearchQuery = z.strictObject({
  q: z.string().min(1, "is required").max(5_000, "must be at most 5000 characters").openapi({ example: "contactor" }),
  jobId: RecordId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  sources: SourceList.optional(),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

/** The same query as the router hands it to the tenant object (sources already a list), parsed again there. */
export const SearchRequest = SearchQuery.extend({ sources: z.array(SearchSource).min(1).max(SEARCH_SOURCES.length).optional() });
export type SearchRequest = z.infer<typeof SearchRequest>;

/** What a hit is: a record's kind, or `chunk` for a passage of a document or of the library. */
export const SearchHitKind = z.enum([...EvidenceKind.options, "chunk"]);
export type SearchHitKind = z.infer<typeof SearchHitKind>;

export const SearchHit = z
  .object({
    source: SearchSource,
    ref: z.string().openapi({ example: "note:N-4191" }),
    kind: SearchHitKind,
    jobId: z.string().nullable(),
    /** A document's or library document's title (absent on records). */
    title: z.string().optional(),
    /** The chunk's innermost heading, null for a chunk under no heading (absent on records). */
    heading: z.string().nullable().optional(),
    snippet: z.string(),
    score: z.number(),
  })
  .openapi("SearchHit");
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResults = z.array(SearchHit).openapi("SearchResults");

/**
 * What the tenant object asks the library for when the copilot or the brief retrieves (an RPC,
 * parsed again by the library): index words, as the copilot queries its own index, and a bound.
 */
export const ChunkQuery = z.strictObject({
  terms: z.array(z.strictObject({ word: z.string().min(1).max(64), prefix: z.boolean() })).max(32),
  limit: z.number().int().min(1).max(50),
});
export type ChunkQuery = z.infer<typeof ChunkQuery>;

/** A chunk as retrieval sees it: its ref's parts, its document's title, its heading path and its text (a verbatim prefix). */
export const RetrievedChunk = z.object({
  docId: z.string(),
  version: z.number().int(),
  chunkId: z.string(),
  title: z.string(),
  heading: z.string().nullable(),
  text: z.string(),
  score: z.number(),
});
export type RetrievedChunk = z.infer<typeof RetrievedChunk>;
