import { beforeAll, describe, expect, it } from "vitest";
import { demoLibrary, demoTenantDocuments, type DemoDocument } from "../../scripts/demo-library.mjs";
import { call } from "../helpers/api";
import { expectOk } from "../helpers/expect-api";
import type { DemoTenantId } from "../helpers/demo";
import { operatorToken, tenantWithCast, uniqueId, type Cast } from "../helpers/world";
import { HELD_OUT_KNOWLEDGE_ANSWERABLE, HELD_OUT_KNOWLEDGE_HIDDEN } from "../copilot/sets/held-out-knowledge";

/**
 * The demo's knowledge content (scripts/demo-library.mjs), uploaded the way `npm start` uploads it
 * (the library by the operator, each tenant's own document by its admin), and the held-out
 * knowledge questions' refs checked against what the routes answer: every ref names a chunk of the
 * uploaded document and every fact is in the text of a chunk the case may cite. An edit to the
 * content that moves a chunk fails here, not as a silent miss in the quality suite.
 *
 * Documents are uploaded under test ids (the library is one object shared by the test files): a
 * chunk's id depends on its heading path and text only, not on the document's id.
 */

interface Chunk {
  id: string;
  text: string;
}

/** The chunks of each demo document, by ref prefix (`kb:<docId>@1` or `doc:<docId>`), as the routes answer them. */
const uploaded = new Map<string, Chunk[]>();

async function upload(doc: DemoDocument, route: string, read: (id: string) => string, token: string, prefix: string) {
  const id = uniqueId(doc.id.slice(0, 40));
  expect(expectOk(await call(route, { token, body: { ...doc, id } }), 201)).toMatchObject({ version: 1, title: doc.title });
  const detail = expectOk(await call(read(id), { token }));
  uploaded.set(prefix, detail.chunks as Chunk[]);
}

/** A held-out ref's chunk: its document's prefix must be a demo document, its chunk id one of that document's chunks. */
function chunkOf(ref: string): Chunk | undefined {
  const cut = ref.lastIndexOf("#");
  return uploaded.get(ref.slice(0, cut))?.find((c) => c.id === ref.slice(cut + 1));
}

const casts = {} as Record<DemoTenantId, Cast>;

beforeAll(async () => {
  const operator = await operatorToken();
  for (const doc of demoLibrary())
    await upload(doc, "/v1/platform/library/documents", (id) => `/v1/platform/library/documents/${id}`, operator, `kb:${doc.id}@1`);
  for (const [tenant, docs] of Object.entries(demoTenantDocuments()) as [DemoTenantId, DemoDocument[]][]) {
    casts[tenant] = await tenantWithCast(tenant);
    for (const doc of docs) await upload(doc, "/v1/admin/documents", (id) => `/v1/documents/${id}`, casts[tenant].admin, `doc:${doc.id}`);
  }
});

describe("the demo's knowledge content", () => {
  it("uploads as npm start uploads it: five manuals in the library and one document of each demo tenant's own", () => {
    expect(demoLibrary()).toHaveLength(5);
    expect([...uploaded.keys()].filter((k) => k.startsWith("doc:"))).toEqual(["doc:rooftop-access", "doc:backflow-test-reporting"]);
    for (const chunks of uploaded.values()) expect(chunks.length).toBeGreaterThan(3);
  });

  it("holds every held-out knowledge question's refs, and each fact in a chunk the question may cite", () => {
    const tenantDocs = demoTenantDocuments();
    for (const c of HELD_OUT_KNOWLEDGE_ANSWERABLE) {
      const where = `${c.tenant}: ${c.question}`;
      for (const ref of [...c.anyOf, ...(c.allOf ?? []).flat()]) {
        expect(chunkOf(ref), `${where}: ${ref}`).toBeDefined();
        // A tenant's own document is asked about only as a member of that tenant.
        if (ref.startsWith("doc:"))
          expect(
            tenantDocs[c.tenant].map((d) => `doc:${d.id}`),
            where,
          ).toContain(ref.slice(0, ref.indexOf("#")));
      }
      const text = c.anyOf
        .map((ref) => chunkOf(ref)?.text ?? "")
        .join("\n")
        .toLowerCase();
      for (const fact of c.facts) expect(text, `${where}: ${fact}`).toContain(fact.toLowerCase());
    }
    expect(HELD_OUT_KNOWLEDGE_ANSWERABLE.length).toBeGreaterThanOrEqual(20);
  });

  it("keeps each hidden question's secret in the other tenant's document only", () => {
    for (const h of HELD_OUT_KNOWLEDGE_HIDDEN) {
      const holders = [...uploaded].filter(([, chunks]) => chunks.some((c) => c.text.includes(h.secret))).map(([prefix]) => prefix);
      const own = demoTenantDocuments()[h.tenant].map((d) => `doc:${d.id}`);
      expect(holders.length, h.question).toBeGreaterThan(0);
      for (const holder of holders) {
        expect(holder.startsWith("doc:"), `${h.secret} is in the library`).toBe(true);
        expect(own, `${h.secret} is in ${h.tenant}'s own document`).not.toContain(holder);
      }
    }
  });

  it("answers a technician's library search with the demo manual's chunk", async () => {
    const res = expectOk(await call("/v1/library/search?q=flame+rollout&limit=50", { token: casts["acme-hvac"].technician }));
    const rollout = uploaded.get("kb:rtu-service-manual@1")!.find((c) => c.text.startsWith("## E4 flame rollout"))!;
    expect(res.hits.map((h: { ref: string }) => h.ref.slice(h.ref.lastIndexOf("#") + 1))).toContain(rollout.id);
  });
});
