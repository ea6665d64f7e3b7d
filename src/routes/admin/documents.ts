import { OpenAPIHono } from "@hono/zod-openapi";
import { TenantDocument, TenantDocumentUpload, TenantDocumentVersionUpload } from "../../../schemas/documents";
import type { AppEnv } from "../../env";
import { callTenant } from "../../tenancy/call";
import { ConditionalHeaders, preconditionsOf, taggedJson, taggedResponse } from "../conditional";
import { DocParams } from "../documents";
import { jsonBody, memberRoute, PROBLEMS } from "../shared";

/**
 * `/v1/admin/documents…`: the tenant's admins upload, version and delete the tenant's own
 * documents (Markdown or text), chunked and indexed in the tenant's object, audited, counted in
 * the tenant's usage. Members read them under `/v1/documents…`. A new version or a deletion with
 * `If-Match` happens only if the current version is still the one read.
 */
export const adminDocumentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "post",
      path: "/v1/admin/documents",
      operationId: "createTenantDocument",
      tags: ["documents"],
      summary: "Upload a tenant document (Markdown or text): version 1, chunked and indexed (admin)",
      request: { body: jsonBody(TenantDocumentUpload) },
      responses: { 201: taggedJson(TenantDocument, "Created"), 409: PROBLEMS[409] },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const doc = await callTenant(c, (stub, caller) => stub.createDocument(caller, body), { idempotent: false });
      c.header("location", `/v1/documents/${doc.value.id}`);
      return taggedResponse(c, doc, 201);
    },
  )
  .openapi(
    memberRoute({
      method: "put",
      path: "/v1/admin/documents/{docId}",
      operationId: "putTenantDocumentVersion",
      tags: ["documents"],
      summary:
        "Upload a new version: it replaces the indexed one; older versions stay readable with `?version=`; with If-Match only if the current version is still the one read (admin)",
      request: { params: DocParams, headers: ConditionalHeaders, body: jsonBody(TenantDocumentVersionUpload) },
      responses: { 200: taggedJson(TenantDocument, "The new version"), 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { docId } = c.req.valid("param");
      const body = c.req.valid("json");
      const pre = preconditionsOf(c);
      // Never retried: every PUT that commits makes a version.
      const doc = await callTenant(c, (stub, caller) => stub.putDocumentVersion(caller, docId, body, pre), { idempotent: false });
      return taggedResponse(c, doc, 200);
    },
  )
  .openapi(
    memberRoute({
      method: "delete",
      path: "/v1/admin/documents/{docId}",
      operationId: "deleteTenantDocument",
      tags: ["documents"],
      summary: "Delete a tenant document with every version (its citations no longer resolve); with If-Match only if unchanged (admin)",
      request: { params: DocParams, headers: ConditionalHeaders },
      responses: { 204: { description: "Deleted, with every version and chunk" }, 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { docId } = c.req.valid("param");
      const pre = preconditionsOf(c);
      await callTenant(c, (stub, caller) => stub.deleteDocument(caller, docId, pre), { idempotent: false });
      return c.body(null, 204);
    },
  );
