import { beforeAll, describe, expect, it } from "vitest";
import { groundDraft, inlineRefs } from "../../durable-objects/tenant/copilot/citations";
import { chunkEvidence, type KnowledgeChunk } from "../../durable-objects/tenant/copilot/knowledge";
import { call } from "../helpers/api";
import { connect } from "../helpers/socket";
import { basicData, ingestAs, tenantWithCast, uniqueId, type Cast } from "../helpers/world";
import { bindLibrary, chunkRef, uploadLibraryDocument, uploadTenantDocument } from "../search/knowledge-world";

/**
 * The copilot over manuals: it answers from the tenant's own documents and the shared library,
 * citing `doc:<docId>#<chunk>` and `kb:<docId>@<version>#<chunk>` with verbatim quotes, over REST
 * and the socket; it declines what nothing supports, never reads another tenant's documents, and
 * answers from records and documents when the library fails or is slow (metered, never a 500).
 */
let a: Cast;
let b: Cast;
const w = `zq${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
const libraryId = uniqueId("chiller")
  .toLowerCase()
  .replace(/[^a-z0-9-]/g, "-");
const LIBRARY_TEXT = `# Chiller ${w} manual\n\n## Oil pressure\n\nThe ${w} chiller trips on low oil pressure below 18 psid. Check the oil filter first.\n`;
const DOCUMENT_TEXT = `# Ladder ${w} rules\n\n## Height\n\nOur ${w} ladders must extend three feet above the roof edge.\n`;
let libraryChunk: string;
let documentChunk: string;

const ask = (token: string, tenant: string, question: string) => call("/v1/copilot/ask", { token, tenant, body: { question } });

beforeAll(async () => {
  a = await tenantWithCast("kna");
  b = await tenantWithCast("knb");
  await ingestAs(a.dispatcher, a.tenantId, basicData(a));
  await ingestAs(b.dispatcher, b.tenantId, basicData(b));
  await uploadLibraryDocument({ id: libraryId, title: `Chiller ${w} manual`, format: "markdown", text: LIBRARY_TEXT });
  await uploadTenantDocument(a.admin, a.tenantId, {
    id: "ladder-rules",
    title: `Ladder ${w} rules`,
    format: "markdown",
    text: DOCUMENT_TEXT,
  });
  libraryChunk = await chunkRef("library", libraryId, "Oil pressure", { token: a.admin, tenant: a.tenantId });
  documentChunk = await chunkRef("documents", "ladder-rules", "Height", { token: a.admin, tenant: a.tenantId });
});

describe("the copilot over the library and the tenant's documents", () => {
  it("cites a library chunk as kb:<docId>@<version>#<chunk> with a verbatim quote", async () => {
    for (const token of [a.technician, a.dispatcher, a.auditor, b.technician]) {
      const tenant = token === b.technician ? b.tenantId : a.tenantId;
      const res = await ask(token, tenant, `At what oil pressure does the ${w} chiller trip?`);
      expect(res.status).toBe(200);
      expect(res.body.grounded).toBe(true);
      const citation = res.body.citations.find((c: { ref: string }) => c.ref === libraryChunk);
      expect(citation).toMatchObject({ ref: libraryChunk, kind: "library", jobId: null });
      expect(LIBRARY_TEXT).toContain(citation.quote);
      expect(res.body.answer).toContain("18 psid");
      expect(res.body.answer).toContain(`[${libraryChunk}]`);
      expect(res.body.usage.degraded).toBe(false);
    }
  });

  it("cites the tenant's own document as doc:<docId>#<chunk>, and never another tenant's", async () => {
    const res = await ask(a.technician, a.tenantId, `How far above the roof edge must our ${w} ladders extend?`);
    expect(res.status).toBe(200);
    expect(res.body.grounded).toBe(true);
    const citation = res.body.citations.find((c: { ref: string }) => c.ref === documentChunk);
    expect(citation).toMatchObject({ kind: "document", jobId: null });
    expect(DOCUMENT_TEXT).toContain(citation.quote);
    expect(res.body.answer).toContain("three feet");
    // Tenant B asks the same: A's document is not B's to read.
    const other = await ask(b.technician, b.tenantId, `How far above the roof edge must our ${w} ladders extend?`);
    expect(other.status).toBe(200);
    expect(other.text).not.toContain("three feet");
    expect(other.text).not.toContain("doc:ladder-rules");
    // The stored thread keeps the citation as given.
    const thread = await call(`/v1/copilot/threads/${res.body.threadId}`, { token: a.technician, tenant: a.tenantId });
    expect(thread.body.messageList[1].citations.map((c: { ref: string }) => c.ref)).toContain(documentChunk);
  });

  it("still declines what nothing supports, manuals loaded", async () => {
    const res = await ask(a.dispatcher, a.tenantId, `What warranty does the ${w} chiller compressor carry?`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ grounded: false, citations: [], confidence: 0 });
    expect(res.body.answer).toContain("could not find anything");
  });

  it("answers over the socket with the same citations, the deltas adding up to the answer", async () => {
    const client = await connect(a.technician);
    client.send({ type: "ask", id: "k1", question: `At what oil pressure does the ${w} chiller trip?` });
    const outcome = await client.outcome("k1");
    expect(outcome.type).toBe("answer");
    expect(outcome.citations.map((c: { ref: string }) => c.ref)).toContain(libraryChunk);
    expect(
      client
        .of("delta", "k1")
        .map((d) => d.text)
        .join(""),
    ).toBe(outcome.answer);
    client.close();
  });

  for (const mode of ["fail", "stall"] as const) {
    it(`answers from records and documents when the library ${mode === "fail" ? "fails" : "is slow"}: degraded, metered, never a 500`, async () => {
      await bindLibrary(a.tenantId, mode);
      try {
        const started = Date.now();
        const doc = await ask(a.technician, a.tenantId, `How far above the roof edge must our ${w} ladders extend?`);
        expect(doc.status).toBe(200);
        expect(doc.body.citations.map((c: { ref: string }) => c.ref)).toContain(documentChunk);
        const lib = await ask(a.technician, a.tenantId, `At what oil pressure does the ${w} chiller trip?`);
        expect(lib.status).toBe(200);
        expect(lib.text).not.toContain("kb:");
        expect(Date.now() - started).toBeLessThan(5_000);
        const record = await ask(a.technician, a.tenantId, "What was replaced on the condenser fan?");
        expect(record.body.citations[0]).toMatchObject({ ref: "note:N1" });
      } finally {
        await bindLibrary(a.tenantId, "real");
      }
    });
  }

  it("meters the library's calls and the degraded ones", async () => {
    const usage = await call("/v1/admin/usage?days=1", { token: a.admin, tenant: a.tenantId });
    expect(usage.status).toBe(200);
    const [day] = usage.body.library;
    expect(day.calls).toBeGreaterThanOrEqual(12);
    expect(day.degraded).toBe(6);
  });

  it("accepts doc: and kb: refs inline in a model's text, and nothing that merely looks like them", () => {
    expect(inlineRefs("Oil [kb:chiller-1@2#a1b2c3d4e5f6] and [doc:ladder-rules#0a1b2c3d4e5f] and [note:N1].")).toEqual([
      "kb:chiller-1@2#a1b2c3d4e5f6",
      "doc:ladder-rules#0a1b2c3d4e5f",
      "note:N1",
    ]);
    expect(inlineRefs("[kb:Chiller@x#1] [doc:a b#c] [kb:x#abc] [doc:x@1#abcdefgh]")).toEqual([]);
  });

  it("keeps a model's kb: or doc: citation only for a chunk retrieved for this question, with a verbatim quote", () => {
    const chunk: KnowledgeChunk = {
      source: "library",
      ref: "kb:chiller-1@2#a1b2c3d4e5f6",
      docId: "chiller-1",
      version: 2,
      chunkId: "a1b2c3d4e5f6",
      title: "Chiller manual",
      heading: "Oil pressure",
      text: "The chiller trips on low oil pressure below 18 psid. Check the oil filter first.",
      score: 2.5,
      matchedTerms: 2,
    };
    const evidence = [chunkEvidence(chunk)];
    const draft = {
      text: "It trips below 18 psid [kb:chiller-1@2#a1b2c3d4e5f6] [kb:chiller-1@1#a1b2c3d4e5f6] [doc:other-tenant#a1b2c3d4e5f6].",
      claims: [
        { ref: "kb:chiller-1@2#a1b2c3d4e5f6", quote: "made up words" },
        // An older version, and another tenant's document: never given, so dropped.
        { ref: "kb:chiller-1@1#a1b2c3d4e5f6", quote: "The chiller trips" },
        { ref: "doc:other-tenant#a1b2c3d4e5f6", quote: "The chiller trips" },
      ],
      declined: false,
      confidence: 0.9,
      model: null,
      tokensIn: 1,
      tokensOut: 1,
    };
    const { citations, grounded } = groundDraft(draft, evidence);
    expect(grounded).toBe(true);
    expect(citations).toEqual([
      {
        ref: "kb:chiller-1@2#a1b2c3d4e5f6",
        kind: "library",
        jobId: null,
        quote: "The chiller trips on low oil pressure below 18 psid.",
      },
    ]);
    const none = groundDraft({ ...draft, claims: draft.claims.slice(1) }, evidence);
    expect(none).toEqual({ citations: [], grounded: false });
  });
});
