import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  AdminMemberCreate,
  AdminMemberPatch,
  MemberList,
  MemberSelector,
  IndexCoverage,
  MetricsQuery,
  MetricsReport,
  Task,
  TaskParams,
  type MemberChangeOutcome,
} from "../../schemas/admin";
import { SettingsPut, SettingsView } from "../../schemas/settings";
import { UserId, type Role } from "../../schemas/common";
import { ExportQuery, ImportResult } from "../../schemas/export";
import { AppError } from "../../schemas/errors";
import { ProviderKeyList, ProviderKeyParams, ProviderKeyPut, ProviderKeyView } from "../../schemas/provider-keys";
import { Member } from "../../schemas/identity";
import type { AppEnv } from "../env";
import { callTenant, callerOf, listMembership, selectTenant, unlistMembership, withRetry, type SelectedTenant } from "../tenancy/tenants";
import { registry } from "../../durable-objects/directory/stubs";
import { flushMetrics } from "../tenancy/metrics";
import { BODY_PROBLEMS, json, jsonBody, PROBLEMS, SECURITY, TenantHeader } from "./shared";

/**
 * Tenant administration. The tenant's object decides (it is the authority on members and
 * settings); for member changes the router then brings the directory index in line, so the
 * member's next request is routed (or refused) accordingly.
 */
const MemberParams = z.object({ userId: UserId.openapi({ param: { name: "userId", in: "path" } }) });

/** Brings the directory index in line with a member change the tenant object made. */
async function reindexMember(c: Context<AppEnv>, selected: SelectedTenant, outcome: MemberChangeOutcome, removed: boolean): Promise<void> {
  const { issuer, subject, role } = outcome.member;
  if (removed) await unlistMembership(c.env, { issuer, subject }, selected.tenantId);
  else if (outcome.previous === null || outcome.previous.role !== role) {
    const tenantName = await nameOf(c, selected);
    await listMembership(c.env, { issuer, subject }, { tenantId: selected.tenantId, role, region: selected.region, tenantName });
  }
}

const memberChange = (c: Context<AppEnv>, subject: string, issuer: string | undefined) => ({
  subject,
  ...(issuer === undefined ? {} : { issuer }),
  defaultIssuer: c.get("config").defaultIssuer,
});

const NDJSON = "application/x-ndjson";

/**
 * The export as a download. With gzip accepted, `Content-Encoding: gzip` is set and the runtime
 * compresses the stream as it goes (encodeBody "automatic"): Cloudflare's edge normalises
 * Accept-Encoding on the way in, so only the runtime knows what the client itself accepts.
 */
function download(c: Context<AppEnv>, body: ReadableStream<Uint8Array>, filename: string, encoding: ExportQuery["encoding"]): Response {
  const headers = new Headers({
    "content-type": NDJSON,
    "content-disposition": `attachment; filename="${filename}"`,
    vary: "accept-encoding",
  });
  const gzip = encoding === "gzip" || (encoding === undefined && /\bgzip\b/i.test(c.req.header("accept-encoding") ?? ""));
  if (gzip) headers.set("content-encoding", "gzip");
  return new Response(body, { headers });
}

async function nameOf(c: Context<AppEnv>, selected: SelectedTenant): Promise<string> {
  const known = selected.memberships.find((m) => m.tenantId === selected.tenantId);
  return known?.tenantName ?? (await withRetry(() => registry(c.env).getTenant(selected.tenantId), true))?.name ?? selected.tenantId;
}

export const adminRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/metrics",
      tags: ["admin"],
      security: SECURITY,
      summary: "Per-route request counts, server errors, 429s and p50/p95 latency over the last hour or day (admin, auditor)",
      request: { headers: TenantHeader, query: MetricsQuery },
      responses: { 200: json(MetricsReport, "Metrics"), 401: PROBLEMS[401], 403: PROBLEMS[403], 422: PROBLEMS[422], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const selected = await selectTenant(c);
      await flushMetrics(c.env, selected.tenantId);
      return c.json(await callTenant<MetricsReport>(c, selected, (stub) => stub.metricsReport(callerOf(c), query), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/reindex",
      tags: ["admin"],
      security: SECURITY,
      summary: "Rebuild the full-text index in the background (202 with the task; follow it at /v1/admin/tasks/{id}) (admin)",
      request: { headers: TenantHeader },
      responses: { 202: json(Task, "Queued (or the reindex already waiting)"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const selected = await selectTenant(c);
      const task = await callTenant<Task>(c, selected, (stub) => stub.requestReindex(callerOf(c)), false);
      c.header("location", `/v1/admin/tasks/${task.id}`);
      return c.json(task, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/tasks/{id}",
      tags: ["admin"],
      security: SECURITY,
      summary: "A background task and its progress (admin, auditor)",
      request: { headers: TenantHeader, params: TaskParams },
      responses: { 200: json(Task, "The task"), 401: PROBLEMS[401], 403: PROBLEMS[403], 404: PROBLEMS[404], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const selected = await selectTenant(c);
      return c.json(await callTenant<Task>(c, selected, (stub) => stub.task(callerOf(c), id), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/index/coverage",
      tags: ["admin"],
      security: SECURITY,
      summary: "Records and full-text index rows per kind, and recent background tasks (admin, auditor)",
      request: { headers: TenantHeader },
      responses: { 200: json(IndexCoverage, "Coverage"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const selected = await selectTenant(c);
      return c.json(await callTenant<IndexCoverage>(c, selected, (stub) => stub.indexCoverage(callerOf(c)), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/provider-keys",
      tags: ["admin"],
      security: SECURITY,
      summary: "Stored provider keys: provider, mask, fingerprint, KEK version, times; never the key (admin)",
      request: { headers: TenantHeader },
      responses: { 200: json(ProviderKeyList, "Keys"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const selected = await selectTenant(c);
      return c.json(await callTenant<ProviderKeyList>(c, selected, (stub) => stub.providerKeyList(callerOf(c)), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/admin/provider-keys/{provider}",
      tags: ["admin"],
      security: SECURITY,
      summary: "Store (201) or replace (200) the tenant's key for a provider, encrypted with AES-GCM; the copilot uses it (admin)",
      request: { headers: TenantHeader, params: ProviderKeyParams, body: jsonBody(ProviderKeyPut) },
      responses: {
        201: json(ProviderKeyView, "Stored"),
        200: json(ProviderKeyView, "Replaced"),
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const body = c.req.valid("json");
      const selected = await selectTenant(c);
      const result = await callTenant<{ created: boolean; key: ProviderKeyView }>(
        c,
        selected,
        (stub) => stub.providerKeyPut(callerOf(c), provider, body),
        true,
      );
      return c.json(result.key, result.created ? 201 : 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/admin/provider-keys/{provider}",
      tags: ["admin"],
      security: SECURITY,
      summary: "Delete the tenant's key for a provider; the deployment's key is used again (admin)",
      request: { headers: TenantHeader, params: ProviderKeyParams },
      responses: { 204: { description: "Deleted" }, 401: PROBLEMS[401], 403: PROBLEMS[403], 404: PROBLEMS[404], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const selected = await selectTenant(c);
      await callTenant(c, selected, (stub) => stub.providerKeyDelete(callerOf(c), provider), false);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/export",
      tags: ["admin"],
      security: SECURITY,
      summary:
        "Everything the tenant owns, streamed as NDJSON: a header, one line per record, a footer with counts and a SHA-256 digest (admin)",
      request: { headers: TenantHeader, query: ExportQuery },
      responses: {
        // The body is a stream, not a typed JSON response: described here, not schema-typed.
        200: { description: "application/x-ndjson: header, record lines, footer (gzip when accepted; `?encoding=identity` forces plain)" },
        422: PROBLEMS[422],
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const { encoding } = c.req.valid("query");
      const selected = await selectTenant(c);
      const stream = await callTenant<ReadableStream<Uint8Array>>(c, selected, (stub) => stub.exportTenant(callerOf(c)), false);
      return download(c, stream, `${selected.tenantId}-${new Date().toISOString().slice(0, 19).replace(/:/g, "")}.ndjson`, encoding);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/import",
      tags: ["admin"],
      security: SECURITY,
      summary:
        "Import an export into this tenant, which must hold no records (409 otherwise); streamed, validated line by line, all or nothing (admin)",
      request: { headers: TenantHeader, body: { required: true, content: { [NDJSON]: { schema: z.string() } } } },
      responses: {
        200: json(ImportResult, "Imported"),
        409: PROBLEMS[409],
        400: BODY_PROBLEMS[400],
        413: BODY_PROBLEMS[413],
        415: BODY_PROBLEMS[415],
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== NDJSON)
        throw new AppError("unsupported_media_type", `this route accepts ${NDJSON} bodies only (gzip with Content-Encoding: gzip)`);
      const raw = c.req.raw.body;
      if (raw === null) throw new AppError("validation_failed", "the request has no body: send an export file");
      const encoding = (c.req.header("content-encoding") ?? "identity").trim().toLowerCase();
      if (encoding !== "identity" && encoding !== "gzip")
        throw new AppError("unsupported_media_type", "Content-Encoding must be gzip or absent");
      const body = encoding === "gzip" ? raw.pipeThrough(new DecompressionStream("gzip")) : raw;
      const selected = await selectTenant(c);
      const outcome = await callTenant<ImportResult & { written: { issuer: string; subject: string; role: Role }[] }>(
        c,
        selected,
        (stub) => stub.importTenant(callerOf(c), body),
        false,
      );
      const tenantName = await nameOf(c, selected);
      for (const m of outcome.written) {
        await listMembership(c.env, m, { tenantId: selected.tenantId, role: m.role, region: selected.region, tenantName });
      }
      const { written: _written, ...result } = outcome;
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/members",
      tags: ["admin"],
      security: SECURITY,
      summary: "The tenant's members (admin, auditor)",
      request: { headers: TenantHeader },
      responses: { 200: json(MemberList, "Members"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const selected = await selectTenant(c);
      return c.json(await callTenant<MemberList>(c, selected, (stub) => stub.adminMembers(callerOf(c)), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/members",
      tags: ["admin"],
      security: SECURITY,
      summary: "Add a member (admin); 409 when the identity is a member already",
      request: { headers: TenantHeader, body: jsonBody(AdminMemberCreate) },
      responses: {
        201: json(Member, "Added"),
        409: PROBLEMS[409],
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const selected = await selectTenant(c);
      const outcome = await callTenant<MemberChangeOutcome>(
        c,
        selected,
        (stub) => stub.adminAddMember(callerOf(c), body, c.get("config").defaultIssuer),
        false,
      );
      await reindexMember(c, selected, outcome, false);
      return c.json(outcome.member, 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/admin/members/{userId}",
      tags: ["admin"],
      security: SECURITY,
      summary: "Change a member's role, status or e-mail (admin); suspension and role changes close the member's sockets",
      request: { headers: TenantHeader, params: MemberParams, query: MemberSelector, body: jsonBody(AdminMemberPatch) },
      responses: {
        200: json(Member, "The member as changed"),
        409: PROBLEMS[409],
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { issuer } = c.req.valid("query");
      const patch = c.req.valid("json");
      const selected = await selectTenant(c);
      const outcome = await callTenant<MemberChangeOutcome>(
        c,
        selected,
        (stub) => stub.adminPatchMember(callerOf(c), memberChange(c, userId, issuer), patch),
        false,
      );
      await reindexMember(c, selected, outcome, false);
      return c.json(outcome.member, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/admin/members/{userId}",
      tags: ["admin"],
      security: SECURITY,
      summary: "Remove a member (admin): refused from their next request on, sockets closed; never the last admin",
      request: { headers: TenantHeader, params: MemberParams, query: MemberSelector },
      responses: {
        204: { description: "Removed" },
        409: PROBLEMS[409],
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { issuer } = c.req.valid("query");
      const selected = await selectTenant(c);
      const outcome = await callTenant<MemberChangeOutcome>(
        c,
        selected,
        (stub) => stub.adminRemoveMember(callerOf(c), memberChange(c, userId, issuer)),
        false,
      );
      await reindexMember(c, selected, outcome, true);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/settings",
      tags: ["admin"],
      security: SECURITY,
      summary: "The tenant's settings in effect, and the platform's defaults and bounds (admin, auditor)",
      request: { headers: TenantHeader },
      responses: { 200: json(SettingsView, "Settings"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const selected = await selectTenant(c);
      return c.json(await callTenant<SettingsView>(c, selected, (stub) => stub.getSettings(callerOf(c)), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/admin/settings",
      tags: ["admin"],
      security: SECURITY,
      summary: "Replace the settings (admin): omitted fields fall back to the platform's defaults",
      request: { headers: TenantHeader, body: jsonBody(SettingsPut) },
      responses: {
        200: json(SettingsView, "Settings in effect"),
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const selected = await selectTenant(c);
      return c.json(await callTenant<SettingsView>(c, selected, (stub) => stub.putSettings(callerOf(c), body), true), 200);
    },
  );
