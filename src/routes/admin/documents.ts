import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  TenantDocument,
  TenantDocumentUpload,
  TenantDocumentUrlUpload,
  TenantDocumentVersionUpload,
  TenantDocumentVersionUrlUpload,
} from "../../../schemas/documents";
import { DocumentUploadQuery } from "../../../schemas/library";
import type { AppEnv } from "../../env";
import { documentUploadBody, INDEXING, readDocumentUpload, UPLOAD_FORMATS, UPLOAD_PROBLEMS } from "../../knowledge/upload";
import { callTenant } from "../../tenancy/call";
import { ConditionalHeaders, preconditionsOf, taggedJson, taggedResponse } from "../conditional";
import { DocParams } from "../documents";
import { memberRoute, PROBLEMS } from "../shared";

/** The JSON upload shapes, registered as components: the upload routes refer to them by name (see documentUploadBody). */
const UPLOAD_COMPONENTS = {
  create: { upload: "TenantDocumentUpload", url: "TenantDocumentUrlUpload" },
  version: { upload: "TenantDocumentVersionUpload", url: "TenantDocumentVersionUrlUpload" },
};
const app = new OpenAPIHono<AppEnv>();
app.openAPIRegistry.register(UPLOAD_COMPONENTS.create.upload, TenantDocumentUpload);
app.openAPIRegistry.register(UPLOAD_COMPONENTS.create.url, TenantDocumentUrlUpload);
app.openAPIRegistry.register(UPLOAD_COMPONENTS.version.upload, TenantDocumentVersionUpload);
app.openAPIRegistry.register(UPLOAD_COMPONENTS.version.url, TenantDocumentVersionUrlUpload);

/** A 202's pointer to the task indexing the rest (RFC 8631's `monitor`: GET it for progress). */
function linkTask(c: Context<AppEnv>, taskId: string | undefined): void {
  if (taskId) c.header("link", `</v1/admin/tasks/${taskId}>; rel="monitor"`);
}

/**
 * A URL is fetched, or a raw body read and parsed, only once the tenant object has said the caller
 * may write documents (a denial audited there), so no other member can make the Worker fetch or
 * parse anything; a JSON text upload, already read, is checked by the write itself.
 */
const readAdminUpload = (c: Context<AppEnv>, kind: "create" | "version") =>
  readDocumentUpload(c, kind, async () => {
    await callTenant(c, (stub, caller) => stub.mayWriteDocuments(caller), { idempotent: true });
  });

/**
 * `/v1/admin/documents…`: the tenant's admins upload, version and delete the tenant's own
 * documents (Markdown, text, PDF, or from a URL), chunked and indexed in the tenant's object, audited, counted in
 * the tenant's usage. Members read them under `/v1/documents…`. A new version or a deletion with
 * `If-Match` happens only if the current version is still the one read.
 */
export const adminDocumentRoutes = app
  .openapi(
    memberRoute({
      method: "post",
      path: "/v1/admin/documents",
      operationId: "createTenantDocument",
      tags: ["documents"],
      summary: "Upload a tenant document (Markdown, text, PDF, or from a URL): version 1, chunked and indexed (admin)",
      request: { query: DocumentUploadQuery, body: documentUploadBody(UPLOAD_COMPONENTS.create, UPLOAD_FORMATS) },
      responses: {
        201: taggedJson(TenantDocument, "Created and searchable"),
        202: taggedJson(TenantDocument, `${INDEXING}, or the \`document-index\` task the \`Link\` header names (rel=monitor)`),
        409: PROBLEMS[409],
        ...UPLOAD_PROBLEMS,
      },
    }),
    async (c) => {
      const body = await readAdminUpload(c, "create");
      const doc = await callTenant(c, (stub, caller) => stub.createDocument(caller, body), { idempotent: false });
      c.header("location", `/v1/documents/${doc.value.id}`);
      linkTask(c, doc.taskId);
      return doc.value.status === "ready" ? taggedResponse(c, doc, 201) : taggedResponse(c, doc, 202);
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
      request: {
        params: DocParams,
        query: DocumentUploadQuery,
        headers: ConditionalHeaders,
        body: documentUploadBody(UPLOAD_COMPONENTS.version, UPLOAD_FORMATS),
      },
      responses: {
        200: taggedJson(TenantDocument, "The new version, searchable"),
        202: taggedJson(TenantDocument, `${INDEXING}, or the \`document-index\` task the \`Link\` header names (rel=monitor)`),
        412: PROBLEMS[412],
        ...UPLOAD_PROBLEMS,
      },
    }),
    async (c) => {
      const { docId } = c.req.valid("param");
      const body = await readAdminUpload(c, "version");
      const pre = preconditionsOf(c);
      // Never retried: every PUT that commits makes a version.
      const doc = await callTenant(c, (stub, caller) => stub.putDocumentVersion(caller, docId, body, pre), { idempotent: false });
      linkTask(c, doc.taskId);
      return doc.value.status === "ready" ? taggedResponse(c, doc, 200) : taggedResponse(c, doc, 202);
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
