import {
  DOCUMENT_USAGE,
  MAX_TENANT_DOCUMENTS,
  type TenantDocument,
  type TenantDocumentDetail,
  type TenantDocumentList,
} from "../../../schemas/documents";
import { AppError, parseOr422 } from "../../../schemas/errors";
import type { Preconditions, Tagged } from "../../../schemas/preconditions";
import { DocumentId, DocumentUpload, DocumentVersionQuery, DocumentVersionUpload, type DocumentFormat } from "../../../schemas/library";
import { chunkDocument, type DocumentChunk } from "../../knowledge/chunk";
import { documents } from "../../knowledge/data/documents";
import type { Db } from "../data/db";
import { entityTag, requirePreconditions } from "../etag";
import { usage } from "../data/usage";
import type { CallContext } from "../guard";
import type { Runtime } from "../runtime";

/**
 * `/v1/admin/documents…` and `/v1/documents…`: the tenant's own documents, in its own SQLite, in
 * the shared library's tables and through its data modules (knowledge/data/), chunked by its
 * chunker. Every input is parsed again here (the RPC boundary); a document is chunked before
 * anything is written, and each write is one transaction with its audit entry and usage, so a
 * refused upload writes nothing. Admins write (the guard's `documents.write`), every member but
 * service identities reads (`documents.read`): the tenant's procedures are not job-scoped.
 *
 * A version's ETag is made from its metadata (id, version, title, format, chunk count, times), not
 * from its chunks: a version's chunks never change once stored, so the metadata names the whole
 * representation, and a PUT or DELETE checks its If-Match without reading every chunk.
 */
const notFound = (id: string, version?: number) =>
  new AppError("not_found", `document ${id}${version === undefined ? "" : ` version ${version}`} not found`);

const tagOf = (doc: TenantDocument): string => entityTag("document", doc);
const taggedDoc = <T extends TenantDocument>(value: T, doc: TenantDocument = value): Tagged<T> => ({ value, etag: tagOf(doc) });

/** A path's id that cannot name a document is simply not found. */
function parseId(docId: string): string {
  if (!DocumentId.safeParse(docId).success) throw notFound(String(docId).slice(0, 64));
  return docId;
}

/** What one version of a document holds, chunked and ready to store. */
interface PreparedVersion {
  id: string;
  title: string;
  format: DocumentFormat;
  chunks: DocumentChunk[];
}

/**
 * Stores a prepared version as the indexed one, in one step. Call inside the write's transaction.
 * A big document's "stage, then index in bounded steps on the background queue" replaces this
 * call only: validation before it, and the audit and usage around it, stay as they are.
 */
function storeVersion(c: CallContext, db: Db, prepared: PreparedVersion, version: number): TenantDocument {
  const doc = documents.putVersion(db, { ...prepared, at: c.now }, version);
  const day = c.now.slice(0, 10);
  usage.add(db, day, DOCUMENT_USAGE.uploads, 1);
  usage.add(db, day, DOCUMENT_USAGE.chunks, prepared.chunks.length);
  c.audit({
    action: version === 1 ? "document.create" : "document.version",
    target: `doc:${doc.id}`,
    outcome: "ok",
    reason: `version ${version}, ${prepared.chunks.length} chunks`,
  });
  return doc;
}

export function createDocument(rt: Runtime, c: CallContext, input: unknown): Tagged<TenantDocument> {
  const upload = parseOr422(DocumentUpload, input);
  const id = upload.id ?? `doc-${crypto.randomUUID().slice(0, 8)}`;
  const chunks = chunkDocument(upload.text, upload.format);
  return rt.db.transaction(() => {
    if (documents.get(rt.db, id)) throw new AppError("conflict", `document ${id} exists; PUT a new version instead`);
    if (documents.list(rt.db).length >= MAX_TENANT_DOCUMENTS)
      throw new AppError("conflict", `the tenant holds ${MAX_TENANT_DOCUMENTS} documents (MAX_TENANT_DOCUMENTS); delete one first`);
    return taggedDoc(storeVersion(c, rt.db, { id, title: upload.title, format: upload.format, chunks }, 1));
  });
}

/**
 * A new version. A document that does not exist is "not found" whatever the preconditions; else
 * If-Match / If-None-Match are checked against the current version's tag inside the write's
 * transaction (a stale one writes, audits and meters nothing).
 */
export function putDocumentVersion(
  rt: Runtime,
  c: CallContext,
  docId: string,
  input: unknown,
  preconditions: Preconditions,
): Tagged<TenantDocument> {
  const id = parseId(docId);
  const upload = parseOr422(DocumentVersionUpload, input);
  const chunks = chunkDocument(upload.text, upload.format);
  return rt.db.transaction(() => {
    const current = documents.get(rt.db, id);
    if (!current) throw notFound(id);
    requirePreconditions(preconditions, tagOf(current), `document ${id}`);
    return taggedDoc(storeVersion(c, rt.db, { id, title: upload.title, format: upload.format, chunks }, current.version + 1));
  });
}

export function deleteDocument(rt: Runtime, c: CallContext, docId: string, preconditions: Preconditions): void {
  const id = parseId(docId);
  rt.db.transaction(() => {
    const current = documents.get(rt.db, id);
    if (!current) throw notFound(id);
    requirePreconditions(preconditions, tagOf(current), `document ${id}`);
    if (!documents.remove(rt.db, id)) throw notFound(id);
    c.audit({ action: "document.delete", target: `doc:${id}`, outcome: "ok", reason: `${current.version} versions` });
  });
}

export function listDocuments(rt: Runtime): TenantDocumentList {
  return { documents: documents.list(rt.db) };
}

/** The current version, or an older one (kept, so a citation of it still resolves), with its chunks and that version's tag. */
export function readDocument(rt: Runtime, docId: string, requested?: number): Tagged<TenantDocumentDetail> {
  const id = parseId(docId);
  const { version } = parseOr422(DocumentVersionQuery, { version: requested });
  const doc = version === undefined ? documents.get(rt.db, id) : documents.getVersion(rt.db, id, version);
  if (!doc) throw notFound(id, version);
  return taggedDoc({ ...doc, chunks: documents.chunks(rt.db, id, doc.version) }, doc);
}
