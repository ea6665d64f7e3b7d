import { OpenAPIHono, z } from "@hono/zod-openapi";
import { TenantDocumentDetail, TenantDocumentList } from "../../schemas/documents";
import { DocumentId, DocumentVersionQuery } from "../../schemas/library";
import type { AppEnv } from "../env";
import { callTenant } from "../tenancy/call";
import { ConditionalHeaders, conditionalRead, NOT_MODIFIED, taggedJson } from "./conditional";
import { json, memberRoute, PROBLEMS } from "./shared";

/**
 * `/v1/documents…`: the tenant's own documents, read by every member but service identities (the
 * tenant object decides, `documents.read`); written by admins under `/v1/admin/documents…`
 * (routes/admin/documents.ts). Chunks are cited as `doc:<docId>#<chunk>`.
 */
export const DocParams = z.object({ docId: DocumentId.openapi({ param: { name: "docId", in: "path" } }) });

export const documentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/documents",
      operationId: "listTenantDocuments",
      tags: ["documents"],
      summary: "The tenant's own documents (current versions) (every member but service identities)",
      responses: { 200: json(TenantDocumentList, "Every document of the tenant") },
    }),
    async (c) => c.json(await callTenant(c, (stub, caller) => stub.listDocuments(caller), { idempotent: true }), 200),
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/documents/{docId}",
      operationId: "getTenantDocument",
      tags: ["documents"],
      summary:
        "A tenant document with its chunks (the current version, or `version`, so an old citation resolves), with that version's ETag; 304 when If-None-Match matches",
      request: { params: DocParams, query: DocumentVersionQuery, headers: ConditionalHeaders },
      responses: { 200: taggedJson(TenantDocumentDetail, "The document"), 304: NOT_MODIFIED, 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { docId } = c.req.valid("param");
      const { version } = c.req.valid("query");
      const doc = await callTenant(c, (stub, caller) => stub.readDocument(caller, docId, version), { idempotent: true });
      return conditionalRead(c, doc, `document ${docId}`);
    },
  );
