import { parseOr422 } from "../../schemas/errors";
import { ChunkQuery, type RetrievedChunk } from "../../schemas/search";
import type { Db } from "../tenant/data/db";
import { chunkIndex } from "./data/chunk-index";
import { documents } from "./data/documents";

/**
 * Chunks for the copilot and the brief: the index's best chunks for the given index words, with
 * their whole text (a chunk is at most MAX_CHUNK_CHARS, below the index's RANK_TEXT_CHARS, so the
 * text is the chunk verbatim and quotes are slices of it). The same tables serve the shared library
 * (called over RPC by tenant objects) and a tenant's own documents (called inside its object).
 */
export function retrieveChunks(db: Db, input: unknown): RetrievedChunk[] {
  const query = parseOr422(ChunkQuery, input);
  const { hits } = chunkIndex.search(db, query.terms, query.limit);
  const titles = documents.titles(db, [...new Set(hits.map((h) => h.docId))]);
  return hits.map((h) => ({
    docId: h.docId,
    version: h.version,
    chunkId: h.chunkId,
    title: titles.get(h.docId) ?? h.docId,
    heading: h.heading,
    text: h.text,
    score: h.score,
  }));
}
