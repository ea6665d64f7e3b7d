import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EVIDENCE_LIMIT, searchHits } from "../../durable-objects/tenant/copilot/index-hits";
import { retrieveEvidence } from "../../durable-objects/tenant/copilot/retrieval";
import { contentTerms, indexWords, INDEX_PREFIX_CHARS, matchWords } from "../../durable-objects/tenant/copilot/text";
import { Db } from "../../durable-objects/tenant/data/db";
import { searchScope, visibilityFor } from "../../durable-objects/tenant/visibility";
import { tenantObject } from "../helpers/storage";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";

describe("copilot index query", () => {
  it("cuts stems longer than the index's prefix indexes, and keeps the whole stems for ranking", () => {
    expect(contentTerms("What pressure did the compressor show on RTU-2?")).toEqual(["pressur", "compressor", "rtu-2"]);
    expect(indexWords("pressur")).toEqual([{ word: "pres", prefix: true }]);
    expect(matchWords("pressur")).toEqual([{ word: "pressur", prefix: true }]);
    expect(indexWords("compressor")).toEqual([{ word: "comp", prefix: true }]);
    // Stems the prefix indexes already answer, tags and words with digits are queried as they are.
    expect(indexWords("leak")).toEqual([{ word: "leak", prefix: true }]);
    expect(indexWords("fan")).toEqual([{ word: "fan", prefix: true }]);
    expect(indexWords("rtu-2")).toEqual([
      { word: "rtu", prefix: false },
      { word: "2", prefix: false },
    ]);
    expect(indexWords("sn0031003")).toEqual([{ word: "sn0031003", prefix: false }]);
    for (const term of ["pressur", "replac", "condenser", "temperatur"]) {
      for (const w of indexWords(term)) expect(w.word.length).toBeLessThanOrEqual(INDEX_PREFIX_CHARS);
    }
  });

  it("ranks the hits by whole stems: a record that only shares the cut prefix is no hit", async () => {
    const cast = await tenantWithCast("copret");
    const data = basicData(cast);
    // Newer than the real answer and sharing "pres*" and "comp*" with the question, but neither stem.
    const decoys = Array.from({ length: 20 }, (_, i) => ({
      id: `N${100 + i}`,
      clientId: "C2",
      body: `Presented the completed quote ${i} to the owner`,
      createdAt: `2026-11-${String(i + 1).padStart(2, "0")}T10:00:00Z`,
    }));
    data.notes = [
      ...(data.notes ?? []),
      { id: "N10", jobId: "J1", body: "Suction pressures were 118 psig on the compressor", createdAt: "2026-09-01T10:00:00Z" },
      { id: "N11", jobId: "J2", body: "Compressor contactor pitted", createdAt: "2026-09-02T10:00:00Z" },
      ...decoys,
    ];
    await ingestAs(cast.dispatcher, cast.tenantId, data);

    await runInDurableObject(tenantObject(cast.tenantId), (_instance, state) => {
      const db = new Db(state.storage);
      const visibility = visibilityFor(db, "dispatcher", cast.subjects.dispatcher);
      const terms = contentTerms("What pressure did the compressor show?");
      const { hits } = searchHits(db, terms, searchScope(visibility, null));
      // J1's description says "Compressor cycling": a real match, below the note with both words.
      expect(hits[0]?.ref).toBe("N10");
      expect(hits.map((h) => h.ref).sort()).toEqual(["J1", "N10", "N11"]);
      expect(hits.map((h) => h.matchedTerms)).toEqual([2, 1, 1]);
      expect(hits.length).toBeLessThanOrEqual(EVIDENCE_LIMIT);

      const { evidence } = retrieveEvidence(db, "What pressure did the compressor show?", visibility, null);
      expect(evidence[0]?.ref).toBe("note:N10");
      for (const d of decoys) expect(evidence.map((e) => e.ref)).not.toContain(`note:${d.id}`);
    });
  });
});
