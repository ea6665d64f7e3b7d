import { z } from "@hono/zod-openapi";
import { IsoDateTime } from "./common";

/**
 * The knowledge library's contract: documents uploaded as Markdown or plain text, split into chunks
 * with stable ids, cited as `kb:<docId>@<version>#<chunk>`. The same shapes will serve a tenant's
 * own documents (`doc:<docId>#<chunk>`). Every limit names itself in the 4xx that enforces it.
 */

/** Characters (UTF-16 code units, as JavaScript counts them) of one document's text: ~2 MB of ASCII. */
export const MAX_DOCUMENT_CHARS = 2_000_000;
/** Chunks one document may split into; a document beyond it is refused, nothing written. */
export const MAX_DOCUMENT_CHUNKS = 2_000;
/** A chunk's size cap (characters); far below SQLite's 2 MB row limit, and small enough to quote. */
export const MAX_CHUNK_CHARS = 2_000;
export const MAX_TITLE_CHARS = 200;
/**
 * Bytes of a raw upload (Markdown, text or PDF in the body) or of a document fetched from a URL: a
 * 300-page manual with figures is 5-15 MB. A JSON body keeps MAX_BODY_BYTES.
 */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** Bytes a PDF's compressed streams may inflate to, all together: a zip bomb is refused before PDF.js reads it. */
export const MAX_PDF_INFLATED_BYTES = 64 * 1024 * 1024;
/** Pages of one PDF. */
export const MAX_PDF_PAGES = 2_000;
/** Time to extract a PDF's text, checked between pages. */
export const PDF_EXTRACT_TIMEOUT_MS = 20_000;
/** Chunks added to the full-text index per step: one step inline with the upload, the rest one step per alarm. */
export const INDEX_STEP_CHUNKS = 200;

export const DocumentFormat = z
  .enum(["markdown", "text"])
  .openapi({ description: "How the text is split: Markdown headings, or blank lines" });
export type DocumentFormat = z.infer<typeof DocumentFormat>;

/** `[a-z0-9]` then `[a-z0-9-]`: safe in a path, a citation ref and a log line. */
export const DocumentId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be 1-64 characters of a-z, 0-9 and '-', starting with a letter or digit")
  .openapi({ example: "rtu-service-manual" });

export const DocumentUpload = z
  .strictObject({
    id: DocumentId.optional().openapi({ description: "Chosen by the operator; generated when absent" }),
    title: z
      .string()
      .trim()
      .min(1, "is required")
      .max(MAX_TITLE_CHARS, `must be at most ${MAX_TITLE_CHARS} characters`)
      .openapi({ example: "RTU service manual" }),
    format: DocumentFormat.openapi({ example: "markdown" }),
    text: z
      .string()
      .max(MAX_DOCUMENT_CHARS, `must be at most ${MAX_DOCUMENT_CHARS} characters (MAX_DOCUMENT_CHARS)`)
      .refine((t) => t.trim() !== "", "must contain text")
      .openapi({
        description: `Markdown or plain text, at most ${MAX_DOCUMENT_CHARS} characters and ${MAX_DOCUMENT_CHUNKS} chunks`,
        example: "# Compressor\n\nFit a hard-start kit when the compressor hums but does not start.",
      }),
  })
  .openapi("LibraryDocumentUpload");
export type DocumentUpload = z.infer<typeof DocumentUpload>;

/** An upload fetched by the Worker from `url` (https; the format follows the answer's Content-Type). */
export const DocumentUrlUpload = z
  .strictObject({
    id: DocumentUpload.shape.id,
    title: DocumentUpload.shape.title,
    url: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .max(2_048, "must be at most 2048 characters")
      .openapi({ example: "https://manuals.example.com/rtu-service-manual.pdf" }),
  })
  .openapi("LibraryDocumentUrlUpload");
export type DocumentUrlUpload = z.infer<typeof DocumentUrlUpload>;

/** A raw upload's title and id, in the query (the body is the document). */
export const DocumentUploadQuery = z.strictObject({
  title: z
    .string()
    .optional()
    .openapi({ description: "Required with a raw body (text/markdown, text/plain, application/pdf); not with JSON" }),
  id: DocumentId.optional().openapi({ description: "With a raw body on POST: the id; generated when absent" }),
});

/** A new version of an existing document: the id is the path's. */
export const DocumentVersionUpload = DocumentUpload.omit({ id: true }).openapi("LibraryDocumentVersionUpload");
export type DocumentVersionUpload = z.infer<typeof DocumentVersionUpload>;
export const DocumentVersionUrlUpload = DocumentUrlUpload.omit({ id: true }).openapi("LibraryDocumentVersionUrlUpload");

/** Indexing of the current version: `indexing` while its chunks are added to the search index in steps. */
export const IndexingStatus = z
  .enum(["indexing", "ready"])
  .openapi({ description: "`ready`: the version is searchable (an older version: readable, never searched); `indexing`: not yet" });
export type IndexingStatus = z.infer<typeof IndexingStatus>;

export const LibraryDocument = z
  .object({
    id: DocumentId,
    title: z.string(),
    version: z.number().int().min(1),
    format: DocumentFormat,
    chunkCount: z.number().int().min(0),
    status: IndexingStatus,
    /** Chunks of this version in the search index so far (`chunkCount` when ready). */
    indexedChunks: z.number().int().min(0),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .openapi("LibraryDocument");
export type LibraryDocument = z.infer<typeof LibraryDocument>;

export const LibraryDocumentList = z.object({ documents: z.array(LibraryDocument) }).openapi("LibraryDocumentList");
export type LibraryDocumentList = z.infer<typeof LibraryDocumentList>;

export const ChunkId = z.string().regex(/^[a-z0-9]{8,16}$/);

export const Chunk = z
  .object({
    id: ChunkId.openapi({ example: "k3f9a2c1d0" }),
    /** Headings above the chunk, outermost first (Markdown); empty for plain text. */
    headingPath: z.array(z.string()),
    /** A verbatim slice of the uploaded text. */
    text: z.string(),
  })
  .openapi("LibraryChunk");
export type Chunk = z.infer<typeof Chunk>;

export const LibraryDocumentDetail = LibraryDocument.extend({ chunks: z.array(Chunk) }).openapi("LibraryDocumentDetail");
export type LibraryDocumentDetail = z.infer<typeof LibraryDocumentDetail>;

export const DocumentVersionQuery = z.strictObject({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .openapi({ description: "An older version (kept so its citations resolve); default: current" }),
});

export const LibrarySearchQuery = z.strictObject({
  q: z.string().min(1, "is required").max(5_000, "must be at most 5000 characters").openapi({ example: "compressor hard start" }),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
export type LibrarySearchQuery = z.infer<typeof LibrarySearchQuery>;

export const LibraryHit = z
  .object({
    ref: z.string().openapi({ example: "kb:rtu-service-manual@2#k3f9a2c1d0" }),
    title: z.string(),
    heading: z.string().nullable(),
    snippet: z.string(),
    score: z.number(),
  })
  .openapi("LibraryHit");
export type LibraryHit = z.infer<typeof LibraryHit>;

export const LibrarySearchResults = z.object({ hits: z.array(LibraryHit), exhaustive: z.boolean() }).openapi("LibrarySearchResults");
export type LibrarySearchResults = z.infer<typeof LibrarySearchResults>;

export const libraryRef = (docId: string, version: number, chunkId: string): string => `kb:${docId}@${version}#${chunkId}`;
