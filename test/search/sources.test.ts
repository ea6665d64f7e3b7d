import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectOk, expectProblem, expectValidationAt } from "../helpers/expect-api";
import { basicData, ingestAs, tenantWithCast, uniqueId, type Cast } from "../helpers/world";
import { bindLibrary, chunkRef, uploadLibraryDocument, uploadTenantDocument } from "./knowledge-world";

/**
 * `GET /v1/search?sources=`: records, the tenant's own documents and the shared library in one
 * ranked list; each hit says its source, and chunks carry ref, title, heading and snippet.
 */
let a: Cast;
let b: Cast;
/** A word only this file's records, documents and library document hold. */
const w = `zq${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;
const libraryId = uniqueId("lib")
  .toLowerCase()
  .replace(/[^a-z0-9-]/g, "-");
const documentId = "site-rules";
let libraryChunk: string;
let documentChunk: string;

interface Hit {
  source: string;
  ref: string;
  kind: string;
  jobId: string | null;
  title?: string;
  heading?: string | null;
  snippet: string;
  score: number;
}

const search = async (token: string, tenant: string, query: string) => call<Hit[]>(`/v1/search?${query}`, { token, tenant });

beforeAll(async () => {
  a = await tenantWithCast("srca");
  b = await tenantWithCast("srcb");
  await ingestAs(a.dispatcher, a.tenantId, basicData(a, w));
  await ingestAs(b.dispatcher, b.tenantId, basicData(b, "other"));
  await uploadLibraryDocument({
    id: libraryId,
    title: "Walk-in cooler manual",
    format: "markdown",
    text: `# Walk-in cooler manual\n\n## Defrost\n\nSet the ${w} defrost timer to four cycles a day.\n`,
  });
  await uploadTenantDocument(a.admin, a.tenantId, {
    id: documentId,
    title: "Site rules",
    format: "markdown",
    text: `# Site rules\n\n## Deliveries\n\nThe ${w} loading dock closes at noon.\n`,
  });
  libraryChunk = await chunkRef("library", libraryId, "Defrost", { token: a.admin, tenant: a.tenantId });
  documentChunk = await chunkRef("documents", documentId, "Deliveries", { token: a.admin, tenant: a.tenantId });
});

describe("search over records, documents and the library", () => {
  it("searches every source a member may read by default, each hit saying its source", async () => {
    for (const token of [a.admin, a.dispatcher, a.technician, a.auditor]) {
      const res = await search(token, a.tenantId, `q=${w}*&limit=50`);
      const hits = expectOk(res);
      expect(res.headers.get("x-search-degraded")).toBeNull();
      expect(new Set(hits.map((h) => h.source))).toEqual(new Set(["records", "documents", "library"]));
      const library = hits.find((h) => h.source === "library");
      expect(library).toMatchObject({ ref: libraryChunk, kind: "chunk", jobId: null, title: "Walk-in cooler manual", heading: "Defrost" });
      expect(library?.snippet).toContain(w);
      const document = hits.find((h) => h.source === "documents");
      expect(document).toMatchObject({ ref: documentChunk, kind: "chunk", jobId: null, title: "Site rules", heading: "Deliveries" });
      expect(document?.snippet).toContain(w);
      for (const h of hits.filter((x) => x.source === "records")) {
        expect(h.ref).toMatch(/^(job|note|event|client|property):/);
        expect(h.title).toBeUndefined();
      }
      // One ranking: by score, best first.
      const scores = hits.map((h) => h.score);
      expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    }
  });

  it("keeps the records' visibility: a technician's records hits are their own jobs' only", async () => {
    const hits = expectOk(await search(a.technician, a.tenantId, `q=${w}*&limit=50&sources=records`));
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.map((h) => h.ref)).not.toContain("note:N2");
    expect(hits.map((h) => h.ref)).not.toContain("job:J2");
    const dispatcher = expectOk(await search(a.dispatcher, a.tenantId, `q=${w}*&limit=50&sources=records`));
    expect(dispatcher.map((h) => h.ref)).toContain("note:N2");
  });

  it("searches only the sources named, each once", async () => {
    const only = async (sources: string) =>
      new Set(expectOk(await search(a.dispatcher, a.tenantId, `q=${w}*&limit=50&sources=${sources}`)).map((h) => h.source));
    expect(await only("library")).toEqual(new Set(["library"]));
    expect(await only("documents")).toEqual(new Set(["documents"]));
    expect(await only("records,documents")).toEqual(new Set(["records", "documents"]));
    expect(await only("library,records,library")).toEqual(new Set(["records", "library"]));
  });

  it("caps the merged list at limit", async () => {
    const hits = expectOk(await search(a.dispatcher, a.tenantId, `q=${w}*&limit=2`));
    expect(hits).toHaveLength(2);
  });

  it("answers 422 for an unknown or empty source, and writes nothing", async () => {
    for (const sources of ["manuals", "records,manuals", "records,,library", "", "RECORDS"]) {
      const res = await search(a.dispatcher, a.tenantId, `q=${w}*&sources=${sources}`);
      expectValidationAt(res, "sources");
    }
  });

  it("with jobId searches that job's records by default", async () => {
    const hits = expectOk(await search(a.dispatcher, a.tenantId, `q=${w}*&jobId=J1&limit=50`));
    expect(hits.length).toBeGreaterThan(0);
    expect(new Set(hits.map((h) => h.source))).toEqual(new Set(["records"]));
    // Named sources are searched as asked.
    const named = expectOk(await search(a.dispatcher, a.tenantId, `q=${w}*&jobId=J1&limit=50&sources=records,library`));
    expect(new Set(named.map((h) => h.source))).toEqual(new Set(["records", "library"]));
    // A job the caller may not see is "not found", whatever the sources.
    for (const sources of ["records", "library", "documents,library"])
      expectProblem(await search(a.technician, a.tenantId, `q=${w}*&jobId=J2&sources=${sources}`), 404, "not_found");
  });

  it("never shows a document of tenant A in tenant B's search", async () => {
    for (const token of [b.admin, b.dispatcher, b.technician]) {
      const hits = expectOk(await search(token, b.tenantId, `q=${w}*&limit=50`));
      expect(hits.filter((h) => h.source === "documents")).toEqual([]);
      expect(hits.map((h) => h.ref)).not.toContain(documentChunk);
      expect(hits.filter((h) => h.source === "records")).toEqual([]);
      // The library is shared.
      expect(hits.map((h) => h.ref)).toContain(libraryChunk);
    }
    const named = expectOk(await search(b.admin, b.tenantId, `q=${w}*&sources=documents`));
    expect(named).toEqual([]);
  });

  it("refuses service identities as before (they ingest only)", async () => {
    expectProblem(await search(a.service, a.tenantId, `q=${w}*`), 403, "forbidden");
    expectProblem(await search(a.service, a.tenantId, `q=${w}*&sources=library`), 403, "forbidden");
  });

  for (const mode of ["stall", "fail"] as const) {
    it(`answers from records and documents when the library ${mode === "stall" ? "does not answer" : "fails"} (degraded, never a 500)`, async () => {
      await bindLibrary(a.tenantId, mode);
      try {
        const started = Date.now();
        const res = await search(a.dispatcher, a.tenantId, `q=${w}*&limit=50`);
        const hits = expectOk(res);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(res.headers.get("x-search-degraded")).toBe("library");
        expect(res.headers.get("x-search-exhaustive")).toBe("false");
        expect(new Set(hits.map((h) => h.source))).toEqual(new Set(["records", "documents"]));
      } finally {
        await bindLibrary(a.tenantId, "real");
      }
      const res = await search(a.dispatcher, a.tenantId, `q=${w}*&limit=50`);
      expect(res.headers.get("x-search-degraded")).toBeNull();
    });
  }
});
