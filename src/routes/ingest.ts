import { OpenAPIHono, z } from "@hono/zod-openapi";
import { sha256Hex } from "../../schemas/encoding";
import { IdempotencyKey, IngestBody, IngestResult } from "../../schemas/ingest";
import type { AppEnv } from "../env";
import { callTenant } from "../tenancy/call";
import { json, jsonBody, memberRoute, PROBLEMS, TenantHeader } from "./shared";

/** `POST /v1/ingest`: upserts by the caller's ids, all or nothing, replayable with an Idempotency-Key. */
const IngestHeaders = TenantHeader.extend({ "idempotency-key": IdempotencyKey.optional() });
const IngestOutcome = IngestResult.extend({ replayed: z.boolean() });
type IngestOutcome = z.infer<typeof IngestOutcome>;

export const ingestRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "post",
    path: "/v1/ingest",
    operationId: "ingestRecords",
    tags: ["ingest"],
    summary: "Upsert clients, properties, jobs, notes and events by the caller's ids, all or nothing",
    request: { headers: IngestHeaders, body: jsonBody(IngestBody) },
    responses: {
      200: json(IngestOutcome, "Counts per kind; `replayed` when an Idempotency-Key answered from its first response"),
      409: PROBLEMS[409],
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    const idem = key === undefined ? null : { key, bodyHash: await sha256Hex(JSON.stringify(body)) };
    const result = await callTenant<IngestOutcome>(c, (stub, caller) => stub.ingest(caller, body, idem), { idempotent: false });
    if (result.replayed) c.header("idempotent-replayed", "true");
    return c.json(result, 200);
  },
);
