import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkIndex } from "../../durable-objects/knowledge/data/chunk-index";
import { Db } from "../../durable-objects/tenant/data/db";
import { parseQuery } from "../../durable-objects/tenant/data/search";
import { INDEX_STEP_CHUNKS } from "../../schemas/library";
import { call } from "../helpers/api";
import { expectOk, expectProblem } from "../helpers/expect-api";
import { hits, serve, uniqueWord } from "../helpers/library";
import { makePdf, wrap } from "../helpers/pdf";
import { tenantObject } from "../helpers/storage";
import { tenantWithCast, uniqueId, type Cast } from "../helpers/world";

/**
 * A tenant's documents take every upload form the library takes (one reader, src/knowledge/upload.ts):
 * raw Markdown, text and PDF with `?title=`, or a URL the Worker fetches; only an admin's upload is
 * read at all; a big document answers 202 and is indexed by the tenant's `document-index` task.
 */
const ADMIN_DOCS = "/v1/admin/documents";

let cast: Cast;

beforeAll(async () => {
  cast = await tenantWithCast("docs-up");
});

const raw = (token: string, type: string, body: string | Uint8Array, query: string, method = "POST", path = ADMIN_DOCS) =>
  call(`${path}?${query}`, {
    token,
    method,
    rawBody: typeof body === "string" ? new TextEncoder().encode(body) : body,
    headers: { "content-type": type },
  });

/** The tenant's own full-text index, searched in the object (the search route's sources are tested elsewhere). */
const indexed = (tenantId: string, word: string) =>
  runInDurableObject(tenantObject(tenantId), (_i, state) => chunkIndex.search(new Db(state.storage), parseQuery(word), 10).hits);

/** Runs the tenant's alarm until no task waits; returns how many runs it took. */
async function drain(tenantId: string, maxRuns = 20): Promise<number> {
  for (let runs = 0; runs < maxRuns; runs++) {
    const waiting = await runInDurableObject(
      tenantObject(tenantId),
      (_i, state) => state.storage.sql.exec(`SELECT count(*) AS n FROM tasks WHERE status IN ('queued', 'running')`).one().n as number,
    );
    if (waiting === 0) return runs;
    await runDurableObjectAlarm(tenantObject(tenantId));
  }
  throw new Error(`tasks still waiting after ${maxRuns} alarm runs`);
}

describe("tenant document uploads", () => {
  it("takes raw Markdown and text with ?title= from an admin, and a new version the same way", async () => {
    const [w1, w2] = [uniqueWord(), uniqueWord()];
    const id = uniqueId("raw");
    const created = expectOk(
      await raw(cast.admin, "text/markdown", `# Valves\n\nThe ${w1} valve is on the left.\n`, `title=Valves&id=${id}`),
      201,
    );
    expect(created).toMatchObject({ id, title: "Valves", format: "markdown", version: 1, status: "ready" });
    const next = expectOk(await raw(cast.admin, "text/plain", `The ${w2} valve moved.`, `title=Valves+v2`, "PUT", `${ADMIN_DOCS}/${id}`));
    expect(next).toMatchObject({ id, version: 2, format: "text", status: "ready" });
    const read = expectOk(await call(`/v1/documents/${id}`, { token: cast.technician }));
    expect(read.chunks.map((c: { text: string }) => c.text)).toEqual([`The ${w2} valve moved.`]);
    expect(await indexed(cast.tenantId, w2)).toHaveLength(1);
    expect(await indexed(cast.tenantId, w1)).toHaveLength(0);
  });

  it("reads no upload of a member who is not an admin: 403 before a URL is fetched, nothing written", async () => {
    const name = uniqueId("tech-fetch");
    const url = await serve(name, { headers: { "content-type": "text/markdown" }, body: "# Never\n\nfetched" });
    for (const token of [cast.technician, cast.dispatcher, cast.auditor]) {
      expectProblem(await call(ADMIN_DOCS, { token, body: { title: "From a URL", url } }), 403, "forbidden");
      expectProblem(await raw(token, "text/markdown", "# Tech\n\nupload", "title=Tech"), 403, "forbidden");
    }
    expect(await hits(name)).toBe(0);
    expect(expectOk(await call("/v1/documents", { token: cast.admin })).documents.map((d: { title: string }) => d.title)).not.toContain(
      "Tech",
    );
  });

  it("fetches an admin's document from a URL the deployment admits", async () => {
    const w = uniqueWord();
    const url = await serve(uniqueId("admin-fetch"), { headers: { "content-type": "text/plain" }, body: `Fetched ${w} procedure.` });
    const doc = expectOk(await call(ADMIN_DOCS, { token: cast.admin, body: { title: "Fetched", url } }), 201);
    expect(doc).toMatchObject({ title: "Fetched", format: "text", status: "ready" });
    expect(await indexed(cast.tenantId, w)).toHaveLength(1);
  });

  it("indexes a big PDF in bounded steps on the tenant's queue: 202, a document-index task with progress, then searchable", async () => {
    const [first, last] = [uniqueWord(), uniqueWord()];
    const PAGES = 150;
    const paragraph = (w: string, n: number) =>
      `Step ${n}: ${w} ` + "Isolate the unit, verify zero energy, and record the reading on the service sheet. ".repeat(7);
    const pages = Array.from({ length: PAGES }, (_, i) => {
      const w = i === 0 ? first : i === PAGES - 1 ? last : `page${i + 1}`;
      return [...wrap(paragraph(w, 1)), "", "", ...wrap(paragraph(w, 2))];
    });
    const id = uniqueId("big");
    const res = await raw(cast.admin, "application/pdf", await makePdf(pages, { compress: true }), `title=Big&id=${id}`);
    const accepted = expectOk(res, 202);
    const taskId = /^<\/v1\/admin\/tasks\/(task-[^>]+)>; rel="monitor"$/.exec(res.headers.get("link") ?? "")?.[1];
    expect(accepted).toMatchObject({ id, status: "indexing", indexedChunks: INDEX_STEP_CHUNKS });
    expect(accepted.chunkCount).toBeGreaterThan(INDEX_STEP_CHUNKS);
    // Until the task ran, the document is not searched (a version is searched once all of it is in).
    expect(await indexed(cast.tenantId, first)).toHaveLength(0);
    expect(expectOk(await call(`/v1/admin/tasks/${taskId}`, { token: cast.admin }))).toMatchObject({
      kind: "document-index",
      status: "queued",
    });

    expect(await drain(cast.tenantId)).toBeGreaterThanOrEqual(1);
    const done = expectOk(await call(`/v1/admin/tasks/${taskId}`, { token: cast.admin }));
    expect(done).toMatchObject({
      status: "done",
      progress: { done: accepted.chunkCount - INDEX_STEP_CHUNKS, total: accepted.chunkCount - INDEX_STEP_CHUNKS },
    });
    const ready = expectOk(await call(`/v1/documents/${id}`, { token: cast.technician }));
    expect(ready).toMatchObject({ status: "ready", indexedChunks: accepted.chunkCount });
    expect((await indexed(cast.tenantId, last))[0]).toMatchObject({ docId: id, heading: `Page ${PAGES}` });
    expect((await indexed(cast.tenantId, first))[0]).toMatchObject({ docId: id, heading: "Page 1" });
  });
});
