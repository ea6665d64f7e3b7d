import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Role } from "../../../schemas/common";
import { AppError } from "../../../schemas/errors";
import { ImportResult } from "../../../schemas/export";
import type { AppEnv } from "../../env";
import { callTenant, selectedTenant, selectedTenantName } from "../../tenancy/call";
import { listMembership } from "../../tenancy/directory";
import { json, memberRoute, PROBLEMS } from "../shared";
import { NDJSON } from "./export";

/**
 * `POST /v1/admin/import`: an export streamed into an empty tenant, validated line by line, all or
 * nothing (admin). The members it wrote are then listed in the directory.
 */
type ImportOutcome = ImportResult & { written: { issuer: string; subject: string; role: Role }[] };

export const importRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "post",
    path: "/v1/admin/import",
    operationId: "importTenant",
    tags: ["admin"],
    summary:
      "Import an export into this tenant, which must hold no records (409 otherwise); streamed, validated line by line, all or nothing (admin)",
    request: { body: { required: true, content: { [NDJSON]: { schema: z.string() } } } },
    responses: { 200: json(ImportResult, "Imported"), 409: PROBLEMS[409] },
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
    const outcome = await callTenant<ImportOutcome>(c, (stub, caller) => stub.importTenant(caller, body), { idempotent: false });
    const { tenantId, region } = await selectedTenant(c);
    const tenantName = await selectedTenantName(c);
    for (const m of outcome.written) await listMembership(c.env, m, { tenantId, role: m.role, region, tenantName });
    const { written: _written, ...result } = outcome;
    return c.json(result, 200);
  },
);
