import { OpenAPIHono, z } from "@hono/zod-openapi";
import { JobBrief } from "../../schemas/brief";
import { RecordId } from "../../schemas/common";
import type { AppEnv } from "../env";
import { callTenant } from "../tenancy/call";
import { json, memberRoute } from "./shared";

/** `GET /v1/jobs/:id/brief`: the pre-arrival brief (the socket's `brief` streams the same one). */
const JobParams = z.object({ id: RecordId.openapi({ param: { name: "id", in: "path" } }) });

export const jobBriefRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "get",
    path: "/v1/jobs/{id}/brief",
    operationId: "getJobBrief",
    tags: ["jobs", "copilot"],
    summary: "A job's pre-arrival brief: what it is, getting in, earlier visits, open follow-ups, safety, customer preferences",
    description:
      "Every sentence is a fixed template around one verbatim quote of a record the caller may read, and cites it " +
      "(`citation.quote` is a substring of that record's text); a section no record speaks to says so in one uncited " +
      "sentence. Extractive and deterministic (no model is called). Same visibility as the job (a job the caller may " +
      "not see is 404), rate-limit cost and usage metering as a copilot question; audited.",
    request: { params: JobParams },
    responses: { 200: json(JobBrief, "The brief") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await callTenant<JobBrief>(c, (stub, caller) => stub.brief(caller, id), { idempotent: true }), 200);
  },
);
