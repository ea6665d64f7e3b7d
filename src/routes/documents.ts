import { OpenAPIHono, z } from "@hono/zod-openapi";
import { TenantDocumentDetail, TenantDocumentList } from "../../schemas/documents";
import { DocumentId, DocumentVersionQuery } from "../../schemas/library";
import type { AppEnv } from "../env";
import { callTenant } from "../tenancy/call";
import { json, memberRoute } from "./shared";

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
      summary: "A tenant document with its chunks (the current version, or `version`, so an old citation resolves)",
      request: { params: DocParams, query: DocumentVersionQuery },
      responses: { 200: json(TenantDocumentDetail, "The document") },
    }),
    async (c) => {
      const { docId } = c.req.valid("param");
      const { version } = c.req.valid("query");
      return c.json(await callTenant(c, (stub, caller) => stub.readDocument(caller, docId, version), { idempotent: true }), 200);
    },
  );
