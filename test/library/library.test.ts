import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { knowledgeLibrary } from "../../durable-objects/knowledge/stub";
import type { KnowledgeLibrary } from "../../durable-objects/knowledge/library-object";
import { MAX_DOCUMENT_CHARS } from "../../schemas/library";
import { call } from "../helpers/api";
import { libraryState, uniqueWord } from "../helpers/library";
import { expectOk, expectProblem, expectValidationAt } from "../helpers/expect-api";
import { putSettings, untilRateWindowHasRoom } from "../helpers/settings";
import { userToken } from "../helpers/tokens";
import { addMember, operatorToken, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

const DOCS = "/v1/platform/library/documents";

const word = uniqueWord;

function manual(w: string, extra = ""): string {
  return `# Furnace manual\n\nGeneral safety first.\n\n## Ignition\n\nThe ${w} igniter glows before the gas valve opens.${extra}\n`;
}

let operator: string;
let cast: Cast;
let stranger: string;

beforeAll(async () => {
  operator = await operatorToken();
  cast = await tenantWithCast("lib");
  stranger = await userToken(uniqueId("nobody"));
});

describe("the shared knowledge library", () => {
  it("lets an operator upload, and any member search it with kb: citations and read the chunks", async () => {
    const w = word();
    const id = uniqueId("furnace");
    const created = expectOk(
      await call(DOCS, { token: operator, body: { id, title: "Furnace manual", format: "markdown", text: manual(w) } }),
      201,
    );
    expect(created).toMatchObject({ id, title: "Furnace manual", version: 1, format: "markdown", chunkCount: 2 });

    for (const token of [cast.technician, cast.auditor, cast.admin]) {
      const found = expectOk(await call(`/v1/library/search?q=${w}`, { token }));
      expect(found.hits).toHaveLength(1);
      const doc = expectOk(await call(`/v1/library/documents/${id}`, { token }));
      const ignition = doc.chunks.find((c: { headingPath: string[] }) => c.headingPath.at(-1) === "Ignition");
      expect(found.hits[0]).toMatchObject({ ref: `kb:${id}@1#${ignition.id}`, title: "Furnace manual", heading: "Ignition" });
      expect(found.hits[0].snippet).toContain(w);
      expect(ignition.text).toBe(`## Ignition\n\nThe ${w} igniter glows before the gas valve opens.`);
    }
    // Heading words are searchable too; the list shows the document.
    expect(expectOk(await call(`/v1/library/search?q=${w}+ignition`, { token: cast.technician })).hits[0].heading).toBe("Ignition");
    expect(expectOk(await call(DOCS, { token: operator })).documents.map((d: { id: string }) => d.id)).toContain(id);
  });

  it("keeps writes to platform operators: members of any role get 403 and nothing is written", async () => {
    const before = await libraryState();
    const id = uniqueId("denied");
    for (const token of [cast.admin, cast.dispatcher, cast.technician, stranger]) {
      expectProblem(await call(DOCS, { token, body: { id, title: "T", format: "text", text: "x" } }), 403, "forbidden");
      expectProblem(
        await call(`${DOCS}/${id}`, { token, method: "PUT", body: { title: "T", format: "text", text: "x" } }),
        403,
        "forbidden",
      );
      expectProblem(await call(`${DOCS}/${id}`, { token, method: "DELETE" }), 403, "forbidden");
      expectProblem(await call(DOCS, { token }), 403, "forbidden");
    }
    // Naming a tenant changes nothing.
    expectProblem(
      await call(DOCS, { token: cast.admin, tenant: cast.tenantId, body: { id, title: "T", format: "text", text: "x" } }),
      403,
      "forbidden",
    );
    expect(await libraryState()).toEqual(before);
  });

  it("selects the reader's tenant like every member route, and refuses non-members and service identities", async () => {
    expectProblem(await call(`/v1/library/search?q=furnace`, { token: stranger }), 403, "not_a_member");
    expectProblem(await call(`/v1/library/documents/anything`, { token: stranger }), 403, "not_a_member");
    expectProblem(await call(`/v1/library/search?q=furnace`), 401, "unauthenticated");
    // A service identity only ingests.
    expectProblem(await call(`/v1/library/search?q=furnace`, { token: cast.service }), 403, "forbidden");
    // A tenant header that is not one of the caller's is refused; its own is accepted.
    const other = await tenantWithCast("lib-other");
    expectProblem(await call(`/v1/library/search?q=furnace`, { token: cast.technician, tenant: other.tenantId }), 403, "not_a_member");
    expectOk(await call(`/v1/library/search?q=furnace`, { token: cast.technician, tenant: cast.tenantId }));
    // Member of two tenants: names one, as on every member route.
    await addMember(other.tenantId, cast.subjects.otherTechnician, "technician");
    expectProblem(await call(`/v1/library/search?q=furnace`, { token: cast.otherTechnician }), 400, "bad_request");
    expectOk(await call(`/v1/library/search?q=furnace`, { token: cast.otherTechnician, tenant: other.tenantId }));
    // The operator may read without any tenant.
    expectOk(await call(`/v1/library/search?q=furnace`, { token: operator }));
  });

  it("asks the reader's tenant: a suspended tenant's members are refused, and reads count against its rate limits", async () => {
    const reader = await tenantWithCast("lib-reader");
    expectOk(await call(`/v1/library/search?q=furnace`, { token: reader.technician }));
    // Suspended: refused at once, although the directory still lists the member.
    expect((await call(`/v1/platform/tenants/${reader.tenantId}/suspend`, { method: "POST", token: operator })).status).toBe(200);
    expectProblem(await call(`/v1/library/search?q=furnace`, { token: reader.technician }), 403, "tenant_suspended");
    expectProblem(await call(`/v1/library/documents/anything`, { token: reader.technician }), 403, "tenant_suspended");
    expect((await call(`/v1/platform/tenants/${reader.tenantId}/resume`, { method: "POST", token: operator })).status).toBe(200);
    // A library read costs one like any read: over the user's limit, 429 with Retry-After. The
    // dispatcher has made no call yet (the technician's above, refused ones included, count in
    // their own window).
    await untilRateWindowHasRoom(20);
    await putSettings(reader.admin, reader.tenantId, { rateLimits: { tenantPerMinute: 1_000, userPerMinute: 2 } });
    expectOk(await call(`/v1/library/search?q=furnace`, { token: reader.dispatcher }));
    expectOk(await call(`/v1/library/search?q=compressor`, { token: reader.dispatcher }));
    const limited = await call(`/v1/library/search?q=furnace`, { token: reader.dispatcher });
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers every bad upload with a 4xx naming the problem, and writes nothing", async () => {
    const before = await libraryState();
    const good = { id: uniqueId("bad"), title: "T", format: "markdown", text: "# H\n\nbody" };
    const cases: [unknown, string][] = [
      [{ ...good, text: "" }, "text"],
      [{ ...good, text: "  \n\n  " }, "text"],
      [{ ...good, text: "x".repeat(MAX_DOCUMENT_CHARS + 1) }, "text"],
      [{ ...good, format: "pdf" }, "format"],
      [{ ...good, format: "html" }, "format"],
      [{ ...good, title: "" }, "title"],
      [{ ...good, id: "Bad Id!" }, "id"],
      [{ ...good, extra: 1 }, "extra"],
      [{ title: "T", format: "text" }, "text"],
    ];
    for (const [body, path] of cases) expectValidationAt(await call(DOCS, { token: operator, body }), path);
    const big = expectProblem(
      await call(DOCS, { token: operator, body: { ...good, text: "x".repeat(MAX_DOCUMENT_CHARS + 1) } }),
      422,
      "validation_failed",
    );
    expect(JSON.stringify(big)).toContain("MAX_DOCUMENT_CHARS");
    // Too many chunks: 2,001 headed sections, each its own chunk.
    const sections = Array.from({ length: 2_001 }, (_, n) => `# S${n}\n\nb`).join("\n\n");
    const tooMany = expectProblem(await call(DOCS, { token: operator, body: { ...good, text: sections } }), 422, "validation_failed");
    expect(tooMany.detail).toContain("MAX_DOCUMENT_CHUNKS");
    expectProblem(
      await call(DOCS, { token: operator, rawBody: "{not json", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    expectProblem(
      await call(DOCS, { token: operator, rawBody: "<doc/>", headers: { "content-type": "application/xml" } }),
      415,
      "unsupported_media_type",
    );
    // Plain text is an upload format (test/library/upload.test.ts): without its title in the query, a 422.
    expectValidationAt(await call(DOCS, { token: operator, rawBody: "text", headers: { "content-type": "text/plain" } }), "title");
    // A new version with bad input leaves the document as it was.
    const id = uniqueId("keep");
    expectOk(await call(DOCS, { token: operator, body: { ...good, id } }), 201);
    const mid = await libraryState();
    expectValidationAt(
      await call(`${DOCS}/${id}`, { token: operator, method: "PUT", body: { title: "T", format: "text", text: "" } }),
      "text",
    );
    expectProblem(
      await call(`${DOCS}/${id}`, { token: operator, method: "PUT", body: { title: "T", format: "markdown", text: sections } }),
      422,
      "validation_failed",
    );
    expect(await libraryState()).toEqual(mid);
    expect(expectOk(await call(`${DOCS}/${id}`, { token: operator })).version).toBe(1);
    expect(mid.audit).toBe(before.audit + 1);
  });

  it("refuses a second upload under the same id (409) and a bad query (422)", async () => {
    const id = uniqueId("dup");
    const body = { id, title: "T", format: "text", text: "first" };
    expectOk(await call(DOCS, { token: operator, body }), 201);
    expectProblem(await call(DOCS, { token: operator, body }), 409, "conflict");
    expectValidationAt(await call(`/v1/library/search`, { token: cast.technician }), "q");
    expectValidationAt(await call(`/v1/library/search?q=x&limit=0`, { token: cast.technician }), "limit");
    expectValidationAt(await call(`/v1/library/documents/${id}?version=0`, { token: cast.technician }), "version");
    // Any text is a valid query: operators and quotes are words.
    expectOk(await call(`/v1/library/search?q=${encodeURIComponent('"NEAR( text:*')}`, { token: cast.technician }));
  });

  it("replaces a version on PUT: search cites the new one, the old one stays readable with ?version=", async () => {
    const [w1, w2] = [word(), word()];
    const id = uniqueId("versioned");
    const v1 = expectOk(await call(DOCS, { token: operator, body: { id, title: "Manual", format: "markdown", text: manual(w1) } }), 201);
    const oldRef = expectOk(await call(`/v1/library/search?q=${w1}`, { token: cast.technician })).hits[0].ref;
    const v2 = expectOk(
      await call(`${DOCS}/${id}`, { token: operator, method: "PUT", body: { title: "Manual v2", format: "markdown", text: manual(w2) } }),
    );
    expect(v2).toMatchObject({ id, version: 2, title: "Manual v2", createdAt: v1.createdAt });
    expect(expectOk(await call(`/v1/library/search?q=${w1}`, { token: cast.technician })).hits).toEqual([]);
    const hit = expectOk(await call(`/v1/library/search?q=${w2}`, { token: cast.technician })).hits[0];
    expect(hit.ref).toMatch(new RegExp(`^kb:${id}@2#[0-9a-f]{12}$`));
    // The unchanged first chunk keeps its id across versions.
    const current = expectOk(await call(`/v1/library/documents/${id}`, { token: cast.technician }));
    const old = expectOk(await call(`/v1/library/documents/${id}?version=1`, { token: cast.technician }));
    expect(old).toMatchObject({ version: 1, title: "Manual" });
    expect(current.chunks[0].id).toBe(old.chunks[0].id);
    const oldChunk = oldRef.split("#")[1];
    expect(old.chunks.find((c: { id: string }) => c.id === oldChunk).text).toContain(w1);
    expectProblem(await call(`/v1/library/documents/${id}?version=3`, { token: cast.technician }), 404, "not_found");
    expectProblem(
      await call(`${DOCS}/${uniqueId("missing")}`, { token: operator, method: "PUT", body: { title: "T", format: "text", text: "x" } }),
      404,
      "not_found",
    );
  });

  it("deletes a document with every version (204), audits each write, and 404s after", async () => {
    const w = word();
    const id = uniqueId("gone");
    expectOk(await call(DOCS, { token: operator, body: { id, title: "Gone", format: "text", text: `The ${w} part.` } }), 201);
    expectOk(
      await call(`${DOCS}/${id}`, {
        token: operator,
        method: "PUT",
        body: { title: "Gone", format: "text", text: `The ${w} part, again.` },
      }),
    );
    const deleted = await call(`${DOCS}/${id}`, { token: operator, method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expectProblem(await call(`/v1/library/documents/${id}`, { token: cast.technician }), 404, "not_found");
    expectProblem(await call(`/v1/library/documents/${id}?version=1`, { token: cast.technician }), 404, "not_found");
    expect(expectOk(await call(`/v1/library/search?q=${w}`, { token: cast.technician })).hits).toEqual([]);
    expectProblem(await call(`${DOCS}/${id}`, { token: operator, method: "DELETE" }), 404, "not_found");
    const audit = await runInDurableObject(knowledgeLibrary(env), async (instance: KnowledgeLibrary) => instance.auditEntries());
    if (!audit.ok) throw new Error("audit read failed");
    const mine = audit.value.filter((e) => e.docId === id);
    expect(mine.map((e) => [e.action, e.version, e.actor])).toEqual([
      ["document.create", 1, expect.stringContaining("ops-1")],
      ["document.version", 2, expect.stringContaining("ops-1")],
      ["document.delete", null, expect.stringContaining("ops-1")],
    ]);
  });

  it("stores HTML and script as text and answers it only as JSON", async () => {
    const id = uniqueId("html");
    const text = "# Panel\n\n<script>alert('x')</script><img src=x onerror=alert(1)>";
    expectOk(await call(DOCS, { token: operator, body: { id, title: "<b>Panel</b>", format: "markdown", text } }), 201);
    const res = await call(`/v1/library/documents/${id}`, { token: cast.technician });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body.chunks[0].text).toBe(text);
    expect(res.body.title).toBe("<b>Panel</b>");
  });
});
