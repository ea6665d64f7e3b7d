import { OpenAPIHono, z } from "@hono/zod-openapi";
import { RecordId } from "../../schemas/common";
import { sha256Hex } from "../../schemas/encoding";
import { IdempotencyKey } from "../../schemas/ingest";
import { JobContext, JobList, JobListQuery, JobPatch, NoteCreate } from "../../schemas/jobs";
import type { Tagged } from "../../schemas/preconditions";
import { Job, Note } from "../../schemas/records";
import type { AppEnv } from "../env";
import { callTenant } from "../tenancy/call";
import { ConditionalHeaders, conditionalRead, NOT_MODIFIED, preconditionsOf, taggedJson, taggedResponse } from "./conditional";
import { json, jsonBody, memberRoute, PROBLEMS, TenantHeader } from "./shared";

/** `/v1/jobs…`: the jobs the caller may see, one job, its change, its notes and its context. */
const JobParams = z.object({ id: RecordId.openapi({ param: { name: "id", in: "path" } }) });
const NoteHeaders = TenantHeader.extend({ "idempotency-key": IdempotencyKey.optional() });

export const jobRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/jobs",
      operationId: "listJobs",
      tags: ["jobs"],
      summary: "List jobs the caller may see (filters, cursor pagination)",
      request: { query: JobListQuery },
      responses: { 200: json(JobList, "A page of jobs") },
    }),
    async (c) => {
      const query = c.req.valid("query");
      return c.json(await callTenant<JobList>(c, (stub, caller) => stub.listJobs(caller, query), { idempotent: true }), 200);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/jobs/{id}",
      operationId: "getJob",
      tags: ["jobs"],
      summary: "One job, with its ETag; 304 when If-None-Match matches",
      request: { params: JobParams, headers: ConditionalHeaders },
      responses: { 200: taggedJson(Job, "The job"), 304: NOT_MODIFIED, 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const job = await callTenant<Tagged<Job>>(c, (stub, caller) => stub.getJob(caller, id), { idempotent: true });
      return conditionalRead(c, job, `job ${id}`);
    },
  )
  .openapi(
    memberRoute({
      method: "patch",
      path: "/v1/jobs/{id}",
      operationId: "patchJob",
      tags: ["jobs"],
      summary: "Change a job (admin, dispatcher); with If-Match only if unchanged since read; assignees by list or by operation",
      request: { params: JobParams, headers: ConditionalHeaders, body: jsonBody(JobPatch) },
      responses: { 200: taggedJson(Job, "The changed job"), 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const pre = preconditionsOf(c);
      const job = await callTenant<Tagged<Job>>(c, (stub, caller) => stub.patchJob(caller, id, patch, pre), { idempotent: false });
      return taggedResponse(c, job, 200);
    },
  )
  .openapi(
    memberRoute({
      method: "post",
      path: "/v1/jobs/{id}/notes",
      operationId: "addJobNote",
      tags: ["jobs"],
      summary:
        "Add a note to a job (HTML is reduced to text); with an Idempotency-Key, a retried send answers the first note again and writes nothing",
      request: { params: JobParams, headers: NoteHeaders, body: jsonBody(NoteCreate) },
      responses: {
        201: json(Note, "The note (the first one again, with `Idempotent-Replayed: true`, when the key was used with the same note)"),
        409: PROBLEMS[409],
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const note = c.req.valid("json");
      const key = c.req.valid("header")["idempotency-key"];
      // The job is part of what the key stands for: the same key for another job's note is a conflict.
      const idem = key === undefined ? null : { key, bodyHash: await sha256Hex(JSON.stringify({ note: id, ...note })) };
      const { replayed, ...created } = await callTenant<Note & { replayed: boolean }>(
        c,
        (stub, caller) => stub.addNote(caller, id, note, idem),
        { idempotent: idem !== null },
      );
      if (replayed) c.header("idempotent-replayed", "true");
      return c.json(created, 201);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/jobs/{id}/context",
      operationId: "getJobContext",
      tags: ["jobs"],
      summary: "Everything a technician needs about a job, with evidence refs (audited)",
      request: { params: JobParams },
      responses: { 200: json(JobContext, "The job's context") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await callTenant<JobContext>(c, (stub, caller) => stub.jobContext(caller, id), { idempotent: true }), 200);
    },
  );
