import { beforeAll, describe, expect, it } from "vitest";
import { MAX_DOCUMENT_CHARS } from "../../schemas/library";
import { call } from "../helpers/api";
import { expectOk, expectProblem, expectValidationAt } from "../helpers/expect-api";
import { tenantWithCast, uniqueId, type Cast } from "../helpers/world";

/** A tenant's own documents: admins write under /v1/admin/documents, members read under /v1/documents. */
const ADMIN_DOCS = "/v1/admin/documents";
const DOCS = "/v1/documents";

/** A word no other test uses. */
const word = () => `zd${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;

const procedure = (w: string, extra = "") =>
  `# Lockout procedure\n\nIsolate every energy source first.\n\n## Tagging\n\nThe ${w} tag goes on the disconnect.${extra}\n`;

interface AuditEntry {
  action: string;
  target: string | null;
  outcome: string;
  reason: string | null;
  actor: string;
}

async function auditOf(cast: Cast): Promise<AuditEntry[]> {
  return expectOk(await call<{ entries: AuditEntry[] }>("/v1/admin/audit?limit=500", { token: cast.admin })).entries;
}

/** What the tenant holds, as its admin sees it: documents (with every version's chunks), audit writes, usage. */
async function documentState(cast: Cast) {
  const list = expectOk(await call(DOCS, { token: cast.admin })).documents as { id: string; version: number }[];
  const details = [];
  for (const doc of list)
    for (let v = 1; v <= doc.version; v++) details.push(expectOk(await call(`${DOCS}/${doc.id}?version=${v}`, { token: cast.admin })));
  const audit = (await auditOf(cast)).filter((e) => e.outcome === "ok" && e.action.startsWith("document."));
  return { details, audit };
}

let cast: Cast;
let other: Cast;

beforeAll(async () => {
  cast = await tenantWithCast("docs");
  other = await tenantWithCast("docs-other");
});

describe("tenant documents", () => {
  it("lets an admin upload a document (201) that every member but service identities reads with its chunks", async () => {
    const w = word();
    const id = uniqueId("lockout");
    const res = await call(ADMIN_DOCS, {
      token: cast.admin,
      body: { id, title: "Lockout procedure", format: "markdown", text: procedure(w) },
    });
    const created = expectOk(res, 201);
    expect(created).toMatchObject({ id, title: "Lockout procedure", version: 1, format: "markdown", chunkCount: 2 });
    expect(res.headers.get("location")).toBe(`${DOCS}/${id}`);

    for (const token of [cast.admin, cast.dispatcher, cast.technician, cast.otherTechnician, cast.auditor]) {
      const doc = expectOk(await call(`${DOCS}/${id}`, { token }));
      expect(doc).toMatchObject({ ...created, chunks: expect.any(Array) });
      const tagging = doc.chunks.find((c: { headingPath: string[] }) => c.headingPath.at(-1) === "Tagging");
      expect(tagging).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{12}$/),
        text: `## Tagging\n\nThe ${w} tag goes on the disconnect.`,
      });
      expect(tagging.headingPath).toEqual(["Lockout procedure", "Tagging"]);
      expect(expectOk(await call(DOCS, { token })).documents).toContainEqual(created);
    }
    expectProblem(await call(`${DOCS}/${id}`, { token: cast.service }), 403, "forbidden");
    expectProblem(await call(DOCS, { token: cast.service }), 403, "forbidden");
  });

  it("generates an id when none is given", async () => {
    const created = expectOk(
      await call(ADMIN_DOCS, { token: cast.admin, body: { title: "Untitled", format: "text", text: "One paragraph." } }),
      201,
    );
    expect(created.id).toMatch(/^doc-[0-9a-f]{8}$/);
    expect(expectOk(await call(`${DOCS}/${created.id}`, { token: cast.technician })).chunks).toEqual([
      { id: expect.any(String), headingPath: [], text: "One paragraph." },
    ]);
  });

  it("keeps writes to admins: dispatchers, technicians, auditors and service identities get 403 and nothing is written", async () => {
    const id = uniqueId("kept");
    expectOk(await call(ADMIN_DOCS, { token: cast.admin, body: { id, title: "Kept", format: "text", text: "As it was." } }), 201);
    const before = await documentState(cast);
    const fresh = uniqueId("denied");
    for (const token of [cast.dispatcher, cast.technician, cast.auditor, cast.service]) {
      expectProblem(await call(ADMIN_DOCS, { token, body: { id: fresh, title: "T", format: "text", text: "x" } }), 403, "forbidden");
      expectProblem(
        await call(`${ADMIN_DOCS}/${id}`, { token, method: "PUT", body: { title: "T", format: "text", text: "x" } }),
        403,
        "forbidden",
      );
      expectProblem(await call(`${ADMIN_DOCS}/${id}`, { token, method: "DELETE" }), 403, "forbidden");
    }
    expect(await documentState(cast)).toEqual(before);
    // Each denial is in the audit log.
    const denied = (await auditOf(cast)).filter((e) => e.outcome === "denied" && e.action === "documents.write");
    expect(denied.length).toBeGreaterThanOrEqual(12);
  });

  it("is invisible to another tenant: 404 by id (never 403), absent from its list, its writes 404", async () => {
    const w = word();
    const id = uniqueId("secret");
    expectOk(await call(ADMIN_DOCS, { token: cast.admin, body: { id, title: "Secret", format: "markdown", text: procedure(w) } }), 201);
    for (const token of [other.admin, other.dispatcher, other.technician, other.auditor]) {
      expectProblem(await call(`${DOCS}/${id}`, { token }), 404, "not_found");
      expectProblem(await call(`${DOCS}/${id}?version=1`, { token }), 404, "not_found");
      expect(JSON.stringify(expectOk(await call(DOCS, { token })))).not.toContain(id);
    }
    expectProblem(
      await call(`${ADMIN_DOCS}/${id}`, { token: other.admin, method: "PUT", body: { title: "Mine", format: "text", text: "x" } }),
      404,
      "not_found",
    );
    expectProblem(await call(`${ADMIN_DOCS}/${id}`, { token: other.admin, method: "DELETE" }), 404, "not_found");
    // The other tenant may use the same id for a document of its own; neither sees the other's.
    expectOk(await call(ADMIN_DOCS, { token: other.admin, body: { id, title: "Other's", format: "text", text: "Theirs." } }), 201);
    expect(expectOk(await call(`${DOCS}/${id}`, { token: cast.technician })).title).toBe("Secret");
    expect(expectOk(await call(`${DOCS}/${id}`, { token: other.technician })).title).toBe("Other's");
    // A member naming the other tenant is refused as on every member route.
    expectProblem(await call(`${DOCS}/${id}`, { token: cast.technician, tenant: other.tenantId }), 403, "not_a_member");
  });

  it("answers every bad upload with a 4xx naming the problem, and writes nothing", async () => {
    const before = await documentState(cast);
    const good = { id: uniqueId("bad"), title: "T", format: "markdown", text: "# H\n\nbody" };
    const cases: [unknown, string][] = [
      [{ ...good, text: "" }, "text"],
      [{ ...good, text: "  \n\n  " }, "text"],
      [{ ...good, text: "x".repeat(MAX_DOCUMENT_CHARS + 1) }, "text"],
      [{ ...good, format: "pdf" }, "format"],
      [{ ...good, title: "" }, "title"],
      [{ ...good, title: "t".repeat(201) }, "title"],
      [{ ...good, id: "Bad Id!" }, "id"],
      [{ ...good, extra: 1 }, "extra"],
      [{ title: "T", format: "text" }, "text"],
    ];
    for (const [body, path] of cases) expectValidationAt(await call(ADMIN_DOCS, { token: cast.admin, body }), path);
    const sections = Array.from({ length: 2_001 }, (_, n) => `# S${n}\n\nb`).join("\n\n");
    const tooMany = expectProblem(
      await call(ADMIN_DOCS, { token: cast.admin, body: { ...good, text: sections } }),
      422,
      "validation_failed",
    );
    expect(tooMany.detail).toContain("MAX_DOCUMENT_CHUNKS");
    expectProblem(
      await call(ADMIN_DOCS, { token: cast.admin, rawBody: "{not json", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    expectProblem(
      await call(ADMIN_DOCS, { token: cast.admin, rawBody: "text", headers: { "content-type": "application/xml" } }),
      415,
      "unsupported_media_type",
    );
    expect(await documentState(cast)).toEqual(before);
  });

  it("refuses a second upload under the same id (409), unknown ids (404) and bad versions (422)", async () => {
    const id = uniqueId("dup");
    const body = { id, title: "T", format: "text", text: "first" };
    expectOk(await call(ADMIN_DOCS, { token: cast.admin, body }), 201);
    const before = await documentState(cast);
    expectProblem(await call(ADMIN_DOCS, { token: cast.admin, body: { ...body, text: "second" } }), 409, "conflict");
    const missing = uniqueId("missing");
    expectProblem(await call(`${DOCS}/${missing}`, { token: cast.technician }), 404, "not_found");
    expectProblem(await call(`${DOCS}/${id}?version=2`, { token: cast.technician }), 404, "not_found");
    expectProblem(await call(`${DOCS}/NOT-A-DOC-ID`, { token: cast.technician }), 404, "not_found");
    expectValidationAt(await call(`${DOCS}/${id}?version=0`, { token: cast.technician }), "version");
    expectValidationAt(await call(`${DOCS}/${id}?version=x`, { token: cast.technician }), "version");
    expectValidationAt(await call(`${DOCS}/${id}?other=1`, { token: cast.technician }), "other");
    expectProblem(
      await call(`${ADMIN_DOCS}/${missing}`, { token: cast.admin, method: "PUT", body: { title: "T", format: "text", text: "x" } }),
      404,
      "not_found",
    );
    expectProblem(await call(`${ADMIN_DOCS}/${missing}`, { token: cast.admin, method: "DELETE" }), 404, "not_found");
    expect(await documentState(cast)).toEqual(before);
  });

  it("makes a PUT the current version (200), keeps older ones readable with ?version=, and audits each write", async () => {
    const [w1, w2] = [word(), word()];
    const id = uniqueId("versioned");
    const v1 = expectOk(
      await call(ADMIN_DOCS, { token: cast.admin, body: { id, title: "Procedure", format: "markdown", text: procedure(w1) } }),
      201,
    );
    const v2 = expectOk(
      await call(`${ADMIN_DOCS}/${id}`, {
        token: cast.admin,
        method: "PUT",
        body: { title: "Procedure v2", format: "markdown", text: procedure(w2) },
      }),
      200,
    );
    expect(v2).toMatchObject({ id, version: 2, title: "Procedure v2", createdAt: v1.createdAt, chunkCount: 2 });
    const current = expectOk(await call(`${DOCS}/${id}`, { token: cast.technician }));
    const old = expectOk(await call(`${DOCS}/${id}?version=1`, { token: cast.technician }));
    expect(current).toMatchObject({ version: 2, title: "Procedure v2" });
    expect(old).toMatchObject({ version: 1, title: "Procedure", updatedAt: v1.updatedAt });
    // The unchanged first section keeps its chunk id across versions; the edited one does not.
    expect(current.chunks[0].id).toBe(old.chunks[0].id);
    expect(current.chunks[1].id).not.toBe(old.chunks[1].id);
    expect(old.chunks[1].text).toContain(w1);
    expect(expectOk(await call(DOCS, { token: cast.technician })).documents).toContainEqual(v2);

    expect((await call(`${ADMIN_DOCS}/${id}`, { token: cast.admin, method: "DELETE" })).status).toBe(204);
    expectProblem(await call(`${DOCS}/${id}`, { token: cast.technician }), 404, "not_found");
    expectProblem(await call(`${DOCS}/${id}?version=1`, { token: cast.technician }), 404, "not_found");
    expect(JSON.stringify(expectOk(await call(DOCS, { token: cast.technician })))).not.toContain(id);

    const mine = (await auditOf(cast)).filter((e) => e.target === `doc:${id}`);
    expect(mine.map((e) => [e.action, e.outcome, e.reason])).toEqual([
      ["document.create", "ok", "version 1, 2 chunks"],
      ["document.version", "ok", "version 2, 2 chunks"],
      ["document.delete", "ok", "2 versions"],
    ]);
    expect(mine.every((e) => e.actor.endsWith(cast.subjects.admin))).toBe(true);
  });

  it("counts each uploaded version and its chunks in the tenant's usage, and refused uploads not at all", async () => {
    const fresh = await tenantWithCast("docs-usage");
    const id = uniqueId("metered");
    expectOk(await call(ADMIN_DOCS, { token: fresh.admin, body: { id, title: "M", format: "markdown", text: procedure(word()) } }), 201);
    expectOk(
      await call(`${ADMIN_DOCS}/${id}`, {
        token: fresh.admin,
        method: "PUT",
        body: { title: "M", format: "text", text: "One.\n\nTwo.\n\nThree." },
      }),
    );
    expectProblem(await call(ADMIN_DOCS, { token: fresh.admin, body: { id, title: "M", format: "text", text: "again" } }), 409, "conflict");
    expectValidationAt(
      await call(`${ADMIN_DOCS}/${id}`, { token: fresh.admin, method: "PUT", body: { title: "M", format: "text", text: "" } }),
      "text",
    );
    const report = expectOk(await call("/v1/admin/usage", { token: fresh.auditor }));
    expect(report.documents).toEqual([{ day: new Date().toISOString().slice(0, 10), uploads: 2, chunks: 3 }]);
    // Document metrics are not copilot requests of some provider.
    expect(report.days).toEqual([]);
  });

  it("tags every version (ETag), answers 304 to If-None-Match, and writes with a stale If-Match nothing (412)", async () => {
    const id = uniqueId("tagged");
    const created = await call(ADMIN_DOCS, { token: cast.admin, body: { id, title: "Tagged", format: "text", text: "First." } });
    expectOk(created, 201);
    const tag1 = created.headers.get("etag");
    expect(tag1).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const read = await call(`${DOCS}/${id}`, { token: cast.technician });
    expect(read.headers.get("etag")).toBe(tag1);
    const unchanged = await call(`${DOCS}/${id}`, { token: cast.technician, headers: { "if-none-match": tag1! } });
    expect([unchanged.status, unchanged.text, unchanged.headers.get("etag")]).toEqual([304, "", tag1]);

    const put = await call(`${ADMIN_DOCS}/${id}`, {
      token: cast.admin,
      method: "PUT",
      headers: { "if-match": tag1! },
      body: { title: "Tagged", format: "text", text: "Second." },
    });
    expect(expectOk(put).version).toBe(2);
    const tag2 = put.headers.get("etag");
    expect(tag2).not.toBe(tag1);
    expect((await call(`${DOCS}/${id}`, { token: cast.technician })).headers.get("etag")).toBe(tag2);
    // An old version keeps its own tag.
    expect((await call(`${DOCS}/${id}?version=1`, { token: cast.technician })).headers.get("etag")).toBe(tag1);

    const before = await documentState(cast);
    const stalePut = { title: "Tagged", format: "text", text: "Lost update." };
    expectProblem(
      await call(`${ADMIN_DOCS}/${id}`, { token: cast.admin, method: "PUT", headers: { "if-match": tag1! }, body: stalePut }),
      412,
      "precondition_failed",
    );
    expectProblem(
      await call(`${ADMIN_DOCS}/${id}`, { token: cast.admin, method: "PUT", headers: { "if-none-match": "*" }, body: stalePut }),
      412,
      "precondition_failed",
    );
    expectProblem(
      await call(`${ADMIN_DOCS}/${id}`, { token: cast.admin, method: "DELETE", headers: { "if-match": tag1! } }),
      412,
      "precondition_failed",
    );
    expect(await documentState(cast)).toEqual(before);
    // A document that is not there is "not found", whatever the preconditions.
    expectProblem(
      await call(`${ADMIN_DOCS}/${uniqueId("none")}`, { token: cast.admin, method: "DELETE", headers: { "if-match": tag2! } }),
      404,
      "not_found",
    );
    expect((await call(`${ADMIN_DOCS}/${id}`, { token: cast.admin, method: "DELETE", headers: { "if-match": tag2! } })).status).toBe(204);
  });
});
