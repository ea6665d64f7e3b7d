import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ExportQuery } from "../../../schemas/export";
import type { AppEnv } from "../../env";
import { callTenant, selectedTenant } from "../../tenancy/call";
import { memberRoute } from "../shared";

/** `GET /v1/admin/export`: everything the tenant owns as an NDJSON download (admin). */
export const NDJSON = "application/x-ndjson";

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

export const exportRoutes = new OpenAPIHono<AppEnv>().openapi(
  memberRoute({
    method: "get",
    path: "/v1/admin/export",
    operationId: "exportTenant",
    tags: ["admin"],
    summary:
      "Everything the tenant owns, streamed as NDJSON: a header, one line per record, a footer with counts and a SHA-256 digest (admin)",
    request: { query: ExportQuery },
    responses: {
      200: {
        description:
          "The export as NDJSON, streamed: a header line, one line per record, a footer with counts, the SHA-256 digest and the audit head. " +
          "Compressed (`Content-Encoding: gzip`) when the client accepts gzip or asks `?encoding=gzip`; `?encoding=identity` forces plain.",
        headers: {
          "content-disposition": { description: '`attachment; filename="<tenant>-<time>.ndjson"`', schema: { type: "string" } },
          "content-encoding": {
            description: "`gzip` when the body is compressed; absent otherwise",
            schema: { type: "string", enum: ["gzip"] },
          },
        },
        content: {
          // Keyed as a plain string: @hono/zod-openapi's typing reads "application/x-ndjson" as a JSON
          // type it cannot return (x-nd + json) and would type the handler as returning never.
          [NDJSON as string]: {
            schema: { type: "string", description: "Lines of JSON separated by `\\n` (schemas/export.ts gives each line's shape)" },
          },
        },
      },
    },
  }),
  async (c) => {
    const { encoding } = c.req.valid("query");
    const stream = await callTenant<ReadableStream<Uint8Array>>(c, (stub, caller) => stub.exportTenant(caller), { idempotent: false });
    const { tenantId } = await selectedTenant(c);
    return download(c, stream, `${tenantId}-${new Date().toISOString().slice(0, 19).replace(/:/g, "")}.ndjson`, encoding);
  },
);
