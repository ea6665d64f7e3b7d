import { AppError, parseOr422 } from "../../schemas/errors";
import {
  DocumentId,
  DocumentUpload,
  INDEX_STEP_CHUNKS,
  DocumentVersionUpload,
  libraryRef,
  LibrarySearchQuery,
  type LibraryDocument,
  type LibraryDocumentDetail,
  type LibrarySearchResults,
} from "../../schemas/library";
import type { Db } from "../tenant/data/db";
import { parseQuery, snippet } from "../tenant/data/search";
import { chunkDocument } from "./chunk";
import { chunkIndex } from "./data/chunk-index";
import { documents, libraryAudit, type IndexStepResult } from "./data/documents";

/**
 * What the library does, called by the actor's one-line RPC methods. Every input is parsed again
 * here (the RPC boundary), the document is chunked before anything is written, and each write is
 * one transaction with its audit entry: a refused upload writes nothing. A write indexes the first
 * INDEX_STEP_CHUNKS chunks at once; a bigger document answers `indexing` and the actor's alarm adds
 * the rest in steps of the same size (`indexStep`), so no call holds the library for long.
 */
export interface WriteContext {
  actor: string;
  requestId: string;
  at: string;
}

const notFound = (id: string) => new AppError("not_found", `library document ${id} not found`);

export function createDocument(db: Db, input: unknown, ctx: WriteContext): LibraryDocument {
  const upload = parseOr422(DocumentUpload, input);
  const id = upload.id ?? `doc-${crypto.randomUUID().slice(0, 8)}`;
  const chunks = chunkDocument(upload.text, upload.format);
  return db.transaction(() => {
    if (documents.get(db, id)) throw new AppError("conflict", `library document ${id} exists; PUT a new version instead`);
    const doc = documents.putVersion(db, { id, title: upload.title, format: upload.format, chunks, at: ctx.at }, 1, INDEX_STEP_CHUNKS);
    libraryAudit.append(db, { at: ctx.at, actor: ctx.actor, action: "document.create", docId: id, version: 1, requestId: ctx.requestId });
    return doc;
  });
}

export function putDocumentVersion(db: Db, docId: string, input: unknown, ctx: WriteContext): LibraryDocument {
  const id = parseId(docId);
  const upload = parseOr422(DocumentVersionUpload, input);
  const chunks = chunkDocument(upload.text, upload.format);
  return db.transaction(() => {
    const current = documents.get(db, id);
    if (!current) throw notFound(id);
    const version = current.version + 1;
    const doc = documents.putVersion(
      db,
      { id, title: upload.title, format: upload.format, chunks, at: ctx.at },
      version,
      INDEX_STEP_CHUNKS,
    );
    libraryAudit.append(db, { at: ctx.at, actor: ctx.actor, action: "document.version", docId: id, version, requestId: ctx.requestId });
    return doc;
  });
}

export function deleteDocument(db: Db, docId: string, ctx: WriteContext): void {
  const id = parseId(docId);
  db.transaction(() => {
    if (!documents.remove(db, id)) throw notFound(id);
    libraryAudit.append(db, {
      at: ctx.at,
      actor: ctx.actor,
      action: "document.delete",
      docId: id,
      version: null,
      requestId: ctx.requestId,
    });
  });
}

/** One bounded step of indexing (the alarm's work), in its own transaction. */
export function indexStep(db: Db): IndexStepResult {
  return db.transaction(() => documents.indexStep(db, INDEX_STEP_CHUNKS));
}

export function listDocuments(db: Db): { documents: LibraryDocument[] } {
  return { documents: documents.list(db) };
}

/** The current version, or an older one (kept, so a citation of it still resolves), with its chunks. */
export function readDocument(db: Db, docId: string, version?: number): LibraryDocumentDetail {
  const id = parseId(docId);
  const doc = version === undefined ? documents.get(db, id) : documents.getVersion(db, id, version);
  if (!doc) throw new AppError("not_found", `library document ${id}${version === undefined ? "" : ` version ${version}`} not found`);
  return { ...doc, chunks: documents.chunks(db, id, doc.version) };
}

export function searchLibrary(db: Db, input: unknown): LibrarySearchResults {
  const query = parseOr422(LibrarySearchQuery, input);
  const terms = parseQuery(query.q);
  const { hits, exhaustive } = chunkIndex.search(db, terms, query.limit);
  const titles = documents.titles(db, [...new Set(hits.map((h) => h.docId))]);
  return {
    exhaustive,
    hits: hits.map((h) => ({
      ref: libraryRef(h.docId, h.version, h.chunkId),
      title: titles.get(h.docId) ?? h.docId,
      heading: h.heading,
      snippet: snippet(h.text, terms),
      score: h.score,
    })),
  };
}

/** A path's id that cannot name a document is simply not found. */
function parseId(docId: string): string {
  if (!DocumentId.safeParse(docId).success) throw notFound(String(docId).slice(0, 64));
  return docId;
}
