import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AuditPage, AuditQuery, AuditVerification, AuditVerifyQuery } from "../../schemas/audit";
import { RecordId } from "../../schemas/common";
import { sha256Hex } from "../../schemas/encoding";
import { IdempotencyKey, IngestBody, IngestResult } from "../../schemas/ingest";
import { JobContext, JobList, JobListQuery, JobPatch, NoteCreate } from "../../schemas/jobs";
import { Job, Note } from "../../schemas/records";
import { SearchQuery, SearchResults, type SearchHit } from "../../schemas/search";
import type { AppEnv } from "../env";
import { registry } from "../../durable-objects/directory/stubs";
import { callTenant, callerOf, selectTenant, withRetry } from "../tenancy/tenants";
import { BODY_PROBLEMS, json, jsonBody, PROBLEMS, SECURITY, TenantHeader } from "./shared";

type IngestOutcome = IngestResult & { replayed: boolean };
type SearchOutcome = { hits: SearchHit[]; exhaustive: boolean };

/** Tenant routes: select the tenant, call its object with the caller's identity, answer. */
const JobParams = z.object({ id: RecordId.openapi({ param: { name: "id", in: "path" } }) });
const IngestHeaders = TenantHeader.extend({ "idempotency-key": IdempotencyKey.optional() });

export const tenantDataRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/ingest",
      tags: ["ingest"],
      security: SECURITY,
      summary: "Upsert clients, properties, jobs, notes and events by the caller's ids, all or nothing",
      request: { headers: IngestHeaders, body: jsonBody(IngestBody) },
      responses: {
        200: json(
          IngestResult.extend({ replayed: z.boolean() }),
          "Counts per kind; `replayed` when an Idempotency-Key answered from its first response",
        ),
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
      const key = c.req.valid("header")["idempotency-key"];
      const idem = key === undefined ? null : { key, bodyHash: await sha256Hex(JSON.stringify(body)) };
      const selected = await selectTenant(c);
      const result = await callTenant<IngestOutcome>(c, selected, (stub) => stub.ingest(callerOf(c), body, idem), false);
      if (result.replayed) c.header("idempotent-replayed", "true");
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs",
      tags: ["jobs"],
      security: SECURITY,
      summary: "List jobs the caller may see (filters, cursor pagination)",
      request: { headers: TenantHeader, query: JobListQuery },
      responses: { 200: json(JobList, "A page of jobs"), 401: PROBLEMS[401], 403: PROBLEMS[403], 422: PROBLEMS[422], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const selected = await selectTenant(c);
      return c.json(await callTenant<JobList>(c, selected, (stub) => stub.listJobs(callerOf(c), query), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}",
      tags: ["jobs"],
      security: SECURITY,
      summary: "One job",
      request: { headers: TenantHeader, params: JobParams },
      responses: { 200: json(Job, "The job"), 401: PROBLEMS[401], 403: PROBLEMS[403], 404: PROBLEMS[404], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const selected = await selectTenant(c);
      return c.json(await callTenant<Job>(c, selected, (stub) => stub.getJob(callerOf(c), id), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/jobs/{id}",
      tags: ["jobs"],
      security: SECURITY,
      summary: "Change a job (admin, dispatcher)",
      request: { headers: TenantHeader, params: JobParams, body: jsonBody(JobPatch) },
      responses: {
        200: json(Job, "The changed job"),
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const selected = await selectTenant(c);
      return c.json(await callTenant<Job>(c, selected, (stub) => stub.patchJob(callerOf(c), id, patch), false), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/jobs/{id}/notes",
      tags: ["jobs"],
      security: SECURITY,
      summary: "Add a note to a job (HTML is reduced to text)",
      request: { headers: TenantHeader, params: JobParams, body: jsonBody(NoteCreate) },
      responses: {
        201: json(Note, "The note"),
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
      const { id } = c.req.valid("param");
      const note = c.req.valid("json");
      const selected = await selectTenant(c);
      return c.json(await callTenant<Note>(c, selected, (stub) => stub.addNote(callerOf(c), id, note), false), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}/context",
      tags: ["jobs"],
      security: SECURITY,
      summary: "Everything a technician needs about a job, with evidence refs (audited)",
      request: { headers: TenantHeader, params: JobParams },
      responses: {
        200: json(JobContext, "The job's context"),
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const selected = await selectTenant(c);
      return c.json(await callTenant<JobContext>(c, selected, (stub) => stub.jobContext(callerOf(c), id), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/search",
      tags: ["search"],
      security: SECURITY,
      summary: "Full-text search over what the caller may read; any text is a valid query, `word*` (3+ characters) is a prefix",
      request: { headers: TenantHeader, query: SearchQuery },
      responses: {
        200: json(SearchResults, "Ranked hits"),
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const selected = await selectTenant(c);
      const result = await callTenant<SearchOutcome>(c, selected, (stub) => stub.search(callerOf(c), query), true);
      // Broad queries are ranked among their newest matches; say so without changing the body's shape.
      c.header("x-search-exhaustive", String(result.exhaustive));
      return c.json(result.hits, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/audit",
      tags: ["admin"],
      security: SECURITY,
      summary: "Audit log page (admin, auditor)",
      request: { headers: TenantHeader, query: AuditQuery },
      responses: {
        200: json(AuditPage, "Entries after `after`"),
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const selected = await selectTenant(c);
      return c.json(await callTenant<AuditPage>(c, selected, (stub) => stub.auditPage(callerOf(c), query), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/audit/verify",
      tags: ["admin"],
      security: SECURITY,
      summary: "Verify the audit hash chain (admin, auditor), up to 5,000 entries per call from `from`; continue with `nextFrom`",
      request: { headers: TenantHeader, query: AuditVerifyQuery },
      responses: { 200: json(AuditVerification, "Verification result"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const selected = await selectTenant(c);
      // The head anchored outside the tenant's object: a rewrite inside the object cannot match it.
      const anchor = await withRetry(() => registry(c.env).auditAnchor(selected.tenantId), true);
      return c.json(await callTenant<AuditVerification>(c, selected, (stub) => stub.auditVerify(callerOf(c), query, anchor), true), 200);
    },
  );
