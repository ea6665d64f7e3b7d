import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { knowledgeLibrary } from "../../durable-objects/knowledge/stub";
import { AppError } from "../../schemas/errors";
import {
  DocumentId,
  DocumentUpload,
  DocumentUploadQuery,
  DocumentUrlUpload,
  DocumentVersionQuery,
  DocumentVersionUpload,
  DocumentVersionUrlUpload,
  LibraryDocument,
  LibraryDocumentDetail,
  LibraryDocumentList,
  LibrarySearchQuery,
  LibrarySearchResults,
} from "../../schemas/library";
import type { RpcResult } from "../../schemas/rpc";
import type { AppEnv } from "../env";
import { isPlatformOperator } from "../identity/authenticate";
import { documentUploadBody, INDEXING, readDocumentUpload, UPLOAD_FORMATS, UPLOAD_PROBLEMS } from "../knowledge/upload";
import { actorOf, callTenant } from "../tenancy/call";
import { withRetry } from "../tenancy/retry";
import { json, memberRoute, platformRoute, PROBLEMS } from "./shared";

/**
 * The shared knowledge library (one actor, durable-objects/knowledge/): operators write under
 * `/v1/platform/library/…` (app.ts lets only PLATFORM_ADMIN_SUBJECTS through), and anyone who is a
 * member of a tenant, or an operator, reads under `/v1/library/…` (see `requireReader`). The library
 * holds no tenant data and no tenant object is called: the tenant is selected only to decide who
 * the caller is acting as, exactly as every member route does.
 */
const DocParams = z.object({ docId: DocumentId.openapi({ param: { name: "docId", in: "path" } }) });
const NO_CONTENT = { description: "Deleted, with every version and chunk" };

/** An RPC result of the library as its value, or its error as the AppError it was. */
async function callLibrary<T>(c: Context<AppEnv>, call: () => Promise<RpcResult<T>>, idempotent: boolean): Promise<T> {
  const result = await withRetry(call, idempotent);
  if (result.ok) return result.value;
  throw AppError.fromData(result.error);
}

/**
 * Who may read the library: an operator, or a member of the tenant selected as on every member
 * route (the only membership, or the one `x-tenant-id` names), as the tenant object itself says:
 * its members table (not the directory's 30 s cache), its suspension, its rate limits (a library
 * read costs one like any read) and its roles (service identities, which only ingest, may not).
 * One tenant call per read; the library holds no memberships.
 */
async function requireReader(c: Context<AppEnv>): Promise<void> {
  if (isPlatformOperator(c.get("principal"), c.get("config"))) return;
  await callTenant(c, (stub, caller) => stub.mayReadLibrary(caller), { idempotent: true });
}

/** The JSON upload shapes, registered as components: the upload routes refer to them by name (see documentUploadBody). */
const UPLOAD_COMPONENTS = {
  create: { upload: "LibraryDocumentUpload", url: "LibraryDocumentUrlUpload" },
  version: { upload: "LibraryDocumentVersionUpload", url: "LibraryDocumentVersionUrlUpload" },
};

const app = new OpenAPIHono<AppEnv>();
app.openAPIRegistry.register(UPLOAD_COMPONENTS.create.upload, DocumentUpload);
app.openAPIRegistry.register(UPLOAD_COMPONENTS.create.url, DocumentUrlUpload);
app.openAPIRegistry.register(UPLOAD_COMPONENTS.version.upload, DocumentVersionUpload);
app.openAPIRegistry.register(UPLOAD_COMPONENTS.version.url, DocumentVersionUrlUpload);

export const libraryRoutes = app
  .openapi(
    platformRoute({
      method: "post",
      path: "/v1/platform/library/documents",
      operationId: "createLibraryDocument",
      tags: ["library"],
      summary: "Upload a document (Markdown, text, PDF, or from a URL) to the shared library: version 1, chunked and indexed",
      request: { query: DocumentUploadQuery, body: documentUploadBody(UPLOAD_COMPONENTS.create, UPLOAD_FORMATS) },
      responses: {
        201: json(LibraryDocument, "Created and searchable"),
        202: json(LibraryDocument, INDEXING),
        409: PROBLEMS[409],
        ...UPLOAD_PROBLEMS,
      },
    }),
    async (c) => {
      const body = await readDocumentUpload(c, "create");
      const doc = await callLibrary(c, () => knowledgeLibrary(c.env).createDocument(body, actorOf(c), c.get("requestId")), false);
      return doc.status === "ready" ? c.json(doc, 201) : c.json(doc, 202);
    },
  )
  .openapi(
    platformRoute({
      method: "get",
      path: "/v1/platform/library/documents",
      operationId: "listLibraryDocuments",
      tags: ["library"],
      summary: "List the library's documents (current versions)",
      responses: { 200: json(LibraryDocumentList, "Every document") },
    }),
    async (c) => c.json(await callLibrary(c, () => knowledgeLibrary(c.env).listDocuments(), true), 200),
  )
  .openapi(
    platformRoute({
      method: "get",
      path: "/v1/platform/library/documents/{docId}",
      operationId: "getLibraryDocumentAsOperator",
      tags: ["library"],
      summary: "A document with its chunks (the current version, or `version`)",
      request: { params: DocParams, query: DocumentVersionQuery },
      responses: { 200: json(LibraryDocumentDetail, "The document") },
    }),
    async (c) => {
      const { docId } = c.req.valid("param");
      const { version } = c.req.valid("query");
      return c.json(await callLibrary(c, () => knowledgeLibrary(c.env).readDocument(docId, version), true), 200);
    },
  )
  .openapi(
    platformRoute({
      method: "put",
      path: "/v1/platform/library/documents/{docId}",
      operationId: "putLibraryDocumentVersion",
      tags: ["library"],
      summary:
        "Upload a new version (same formats as the upload): it replaces the indexed one, also one still indexing; older versions stay readable with `?version=`",
      request: { params: DocParams, query: DocumentUploadQuery, body: documentUploadBody(UPLOAD_COMPONENTS.version, UPLOAD_FORMATS) },
      responses: { 200: json(LibraryDocument, "The new version, searchable"), 202: json(LibraryDocument, INDEXING), ...UPLOAD_PROBLEMS },
    }),
    async (c) => {
      const { docId } = c.req.valid("param");
      const body = await readDocumentUpload(c, "version");
      const doc = await callLibrary(
        c,
        () => knowledgeLibrary(c.env).putDocumentVersion(docId, body, actorOf(c), c.get("requestId")),
        false,
      );
      return doc.status === "ready" ? c.json(doc, 200) : c.json(doc, 202);
    },
  )
  .openapi(
    platformRoute({
      method: "delete",
      path: "/v1/platform/library/documents/{docId}",
      operationId: "deleteLibraryDocument",
      tags: ["library"],
      summary: "Delete a document with every version (its citations no longer resolve)",
      request: { params: DocParams },
      responses: { 204: NO_CONTENT },
    }),
    async (c) => {
      const { docId } = c.req.valid("param");
      await callLibrary(c, () => knowledgeLibrary(c.env).deleteDocument(docId, actorOf(c), c.get("requestId")), true);
      return c.body(null, 204);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/library/search",
      operationId: "searchLibrary",
      tags: ["library"],
      summary: "Full-text search of the shared library; each hit cites `kb:<docId>@<version>#<chunk>`",
      request: { query: LibrarySearchQuery },
      responses: { 200: json(LibrarySearchResults, "Ranked chunks of current versions") },
    }),
    async (c) => {
      await requireReader(c);
      const query = c.req.valid("query");
      return c.json(await callLibrary(c, () => knowledgeLibrary(c.env).search(query), true), 200);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/library/documents/{docId}",
      operationId: "getLibraryDocument",
      tags: ["library"],
      summary: "A library document with its chunks (the current version, or `version`, so an old citation resolves)",
      request: { params: DocParams, query: DocumentVersionQuery },
      responses: { 200: json(LibraryDocumentDetail, "The document") },
    }),
    async (c) => {
      await requireReader(c);
      const { docId } = c.req.valid("param");
      const { version } = c.req.valid("query");
      return c.json(await callLibrary(c, () => knowledgeLibrary(c.env).readDocument(docId, version), true), 200);
    },
  );
