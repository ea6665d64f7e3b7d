import { z } from "@hono/zod-openapi";
import { EvidenceKind, RecordId } from "./common";

export const SearchQuery = z.strictObject({
  q: z.string().min(1, "is required").max(5_000, "must be at most 5000 characters").openapi({ example: "contactor" }),
  jobId: RecordId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

export const SearchHit = z
  .object({
    ref: z.string().openapi({ example: "note:N-4191" }),
    kind: EvidenceKind,
    jobId: z.string().nullable(),
    snippet: z.string(),
    score: z.number(),
  })
  .openapi("SearchHit");
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResults = z.array(SearchHit).openapi("SearchResults");
