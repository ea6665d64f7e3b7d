import { z } from "@hono/zod-openapi";
import {
  Chunk,
  ChunkId,
  DocumentFormat,
  DocumentId,
  DocumentUpload,
  DocumentVersionUpload,
  LibraryDocument,
  MAX_CHUNK_CHARS,
  MAX_DOCUMENT_CHUNKS,
  MAX_TITLE_CHARS,
} from "./library";

/**
 * A tenant's own documents (procedures, manuals): the shared library's shapes (schemas/library.ts),
 * stored in the tenant's object, cited as `doc:<docId>#<chunk>`. The schemas are the library's
 * under component names of their own, so a client generated from the OpenAPI document keeps the
 * two apart while their fields stay one definition.
 */
export const TenantDocumentUpload = DocumentUpload.extend({
  id: DocumentId.optional().openapi({ description: "Chosen by the tenant's admin; generated when absent" }),
}).openapi("TenantDocumentUpload");
export const TenantDocumentVersionUpload = DocumentVersionUpload.openapi("TenantDocumentVersionUpload");
export const TenantDocument = LibraryDocument.openapi("TenantDocument");
export type TenantDocument = z.infer<typeof TenantDocument>;
export const TenantChunk = Chunk.openapi("TenantDocumentChunk");
export const TenantDocumentDetail = TenantDocument.extend({ chunks: z.array(TenantChunk) }).openapi("TenantDocumentDetail");
export type TenantDocumentDetail = z.infer<typeof TenantDocumentDetail>;
export const TenantDocumentList = z.object({ documents: z.array(TenantDocument) }).openapi("TenantDocumentList");
export type TenantDocumentList = z.infer<typeof TenantDocumentList>;

/**
 * Documents one tenant may hold (every version of one counts once). The list answer and the export
 * read them all at once, so the number is bounded where they are created.
 */
export const MAX_TENANT_DOCUMENTS = 1_000;

/** `doc:<docId>#<chunkId>`: the chunk with that id in the current version, else in the newest older version holding it. */
export const documentRef = (docId: string, chunkId: string): string => `doc:${docId}#${chunkId}`;

/** Usage metrics of document writes (one row per day each, like the copilot's). */
export const DOCUMENT_USAGE = { uploads: "documents.uploads", chunks: "documents.chunks" } as const;

const Stamp = z.string().min(1).max(64);
/** A heading line is not bounded by the chunker; an export line is (1 MiB), so one heading is bounded here. */
const MAX_HEADING_CHARS = 100_000;

/**
 * Export lines: one `document` line per version (oldest first; the last one is the current
 * document), then one `document.chunk` line per chunk of each version, in the order of those
 * lines and of the chunks in their version. An import checks both against each other.
 */
export const ExportDocumentVersion = z.strictObject({
  id: DocumentId,
  version: z.number().int().min(1),
  title: z.string().trim().min(1).max(MAX_TITLE_CHARS),
  format: DocumentFormat,
  chunkCount: z.number().int().min(0).max(MAX_DOCUMENT_CHUNKS),
  /** When this version was uploaded (version 1: when the document was created). */
  createdAt: Stamp,
});
export type ExportDocumentVersion = z.infer<typeof ExportDocumentVersion>;

export const ExportDocumentChunk = z.strictObject({
  docId: DocumentId,
  version: z.number().int().min(1),
  id: ChunkId,
  headingPath: z.array(z.string().max(MAX_HEADING_CHARS)).max(6),
  text: z.string().min(1).max(MAX_CHUNK_CHARS),
});
export type ExportDocumentChunk = z.infer<typeof ExportDocumentChunk>;
