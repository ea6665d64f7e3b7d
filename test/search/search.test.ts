import { beforeAll, describe, expect, it } from "vitest";
import type { IngestBody } from "../../schemas/ingest";
import { call } from "../helpers/api";
import { expectProblem, refsOf, search, type Hit } from "../helpers/expect-api";
import { ingestAs, tenantWithCast, type Cast } from "../helpers/world";

/**
 * One tenant for the whole file (searches do not write). Record texts avoid the words j1, c1, p1,
 * scope and text, so a hit on those could only come from the internal scope column.
 */
function searchData(cast: Cast): IngestBody {
  return {
    clients: [
      { id: "C1", name: "Harbor Bakery", email: "owner@harbor.example", phone: "555 0100" },
      { id: "C2", name: "Summit Offices" },
    ],
    properties: [
      { id: "P1", clientId: "C1", address: "12 Quay Street", label: "Bakery kitchen" },
      { id: "P2", clientId: "C2", address: "400 Ridge Road" },
      { id: "P3", clientId: "C1", address: "7 Mill Lane warehouse" },
    ],
    jobs: [
      {
        id: "J1",
        clientId: "C1",
        propertyId: "P1",
        title: "Walk-in cooler warm",
        description: "Compressor short cycling",
        status: "scheduled",
        assignees: [cast.subjects.technician],
      },
      {
        id: "J2",
        clientId: "C2",
        propertyId: "P2",
        title: "Rooftop unit service",
        description: "Quarterly maintenance",
        status: "in_progress",
      },
      { id: "J3", clientId: "C1", propertyId: "P3", title: "Warehouse heater", status: "scheduled" },
    ],
    notes: [
      { id: "N1", jobId: "J1", body: "Replaced the condenser fan motor", createdAt: "2026-10-01T10:00:00Z" },
      {
        id: "N2",
        jobId: "J1",
        body: "Condenser coil cleaned; condenser fan motor bearings and fan blades checked",
        createdAt: "2026-10-02T10:00:00Z",
      },
      { id: "N3", jobId: "J1", body: "Condenser looks dirty", createdAt: "2026-10-03T10:00:00Z" },
      { id: "N4", jobId: "J2", body: "Rooftop access through the east stairwell, gate code 4411" },
      { id: "N5", clientId: "C1", body: "Owner prefers calls before 7am; shared gate with the café next door" },
      { id: "N6", propertyId: "P1", body: "Kitchen ladder behind the flour store, shared gate" },
      { id: "N7", propertyId: "P2", body: "Ladder in the loading dock, shared gate" },
      { id: "N8", jobId: "J3", body: "Heater pilot light out, shared gate" },
      { id: "N9", jobId: "J2", body: "Cafe counter fridge hums" },
      { id: "N10", jobId: "J3", body: "Keys are at the co-op office" },
      { id: "N11", propertyId: "P3", body: "Warehouse forklift charging bay, shared gate" },
    ],
    events: [
      { id: "E1", jobId: "J1", type: "arrived", at: "2026-10-01T09:00:00Z", data: { crew: "refrigeration crew" } },
      { id: "E2", jobId: "J2", type: "departed", at: "2026-10-02T09:00:00Z", data: { crew: "rooftop crew" } },
    ],
  };
}

let cast: Cast;
beforeAll(async () => {
  cast = await tenantWithCast("search");
  await ingestAs(cast.dispatcher, cast.tenantId, searchData(cast));
});

const find = (q: string, extra: { jobId?: string; limit?: number } = {}): Promise<Hit[]> => search(cast.dispatcher, q, extra);

describe("search finds every kind of record by its words", () => {
  it.each([
    ["notes", "forklift", "note:N11"],
    ["events by type", "departed", "event:E2"],
    ["events by data", "refrigeration", "event:E1"],
    ["jobs by title", "cooler", "job:J1"],
    ["jobs by description", "quarterly", "job:J2"],
    ["clients by name", "summit", "client:C2"],
    ["clients by e-mail", "owner@harbor.example", "client:C1"],
    ["properties by address", "ridge road", "property:P2"],
    ["properties by label", "kitchen", "property:P1"],
  ])("finds %s (%s)", async (_what, q, ref) => {
    const hits = await find(q, { limit: 100 });
    expect(refsOf(hits)).toContain(ref);
    const hit = hits.find((h) => h.ref === ref);
    expect(hit?.score).toBeGreaterThan(0);
  });

  it("finds nothing for a word no record has", async () => {
    expect(await find("xylophone")).toEqual([]);
  });

  it("answers records with exactly source, ref, kind, jobId, snippet and score, ref being kind:id", async () => {
    const hits = await find("shared gate condenser ladder rooftop crew kitchen bakery", { limit: 100 });
    expect(hits.length).toBeGreaterThan(10);
    const kinds = new Set<string>();
    for (const hit of hits) {
      expect(Object.keys(hit).sort()).toEqual(["jobId", "kind", "ref", "score", "snippet", "source"]);
      expect(hit).toHaveProperty("source", "records");
      expect(["job", "note", "event", "client", "property"]).toContain(hit.kind);
      expect(hit.ref).toMatch(new RegExp(`^${hit.kind}:[A-Za-z0-9._:-]+$`));
      expect(typeof hit.snippet).toBe("string");
      expect(hit.snippet.length).toBeGreaterThan(0);
      expect(typeof hit.score).toBe("number");
      expect(hit.jobId === null || typeof hit.jobId === "string").toBe(true);
      kinds.add(hit.kind);
    }
    expect([...kinds].sort()).toEqual(["client", "event", "job", "note", "property"]);
    const byRef = new Map(hits.map((h) => [h.ref, h]));
    expect(byRef.get("note:N1")?.jobId).toBe("J1");
    expect(byRef.get("event:E2")?.jobId).toBe("J2");
    expect(byRef.get("job:J2")?.jobId).toBe("J2");
    expect(byRef.get("note:N5")?.jobId).toBeNull();
    expect(byRef.get("client:C1")?.jobId).toBeNull();
    expect(byRef.get("property:P1")?.jobId).toBeNull();
    // Ranked: scores never increase down the list.
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
  });

  it("ranks a record containing more of the query's words higher", async () => {
    const hits = refsOf(await find("condenser fan motor bearings"));
    expect(hits.slice(0, 3)).toEqual(["note:N2", "note:N1", "note:N3"]);
    const two = refsOf(await find("condenser dirty"));
    expect(two[0]).toBe("note:N3");
    expect(two).toEqual(expect.arrayContaining(["note:N1", "note:N2"]));
  });

  it("respects limit", async () => {
    const all = await find("shared gate", { limit: 100 });
    // Five records carry both words; N4 only "gate" and ranks last.
    expect(all.length).toBe(6);
    expect(all[5]?.ref).toBe("note:N4");
    expect(refsOf(await find("shared gate", { limit: 2 }))).toEqual(refsOf(all.slice(0, 2)));
    expect((await find("shared gate", { limit: 1 })).length).toBe(1);
    expect((await find("shared gate")).length).toBe(6);
    expect((await find("condens*", { limit: 2 })).length).toBe(2);
    expectProblem(await call("/v1/search?q=gate&limit=0", { token: cast.dispatcher }), 422, "validation_failed");
    expectProblem(await call("/v1/search?q=gate&limit=101", { token: cast.dispatcher }), 422, "validation_failed");
    expectProblem(await call("/v1/search?q=gate&limit=ten", { token: cast.dispatcher }), 422, "validation_failed");
    expectProblem(await call("/v1/search", { token: cast.dispatcher }), 422, "validation_failed");
    expectProblem(await call("/v1/search?q=", { token: cast.dispatcher }), 422, "validation_failed");
  });
});

describe("jobId narrows to that job's evidence", () => {
  it("returns the job, its notes and events, its client and property and their notes, and nothing else", async () => {
    // A query keeps at most 8 words (MAX_QUERY_TERMS): cover the fixture's words in two queries.
    const union = async (queries: string[], jobId: string) => {
      const refs = new Set<string>();
      for (const q of queries) for (const ref of refsOf(await find(q, { jobId, limit: 100 }))) refs.add(ref);
      return [...refs];
    };
    const hits = await union(["shared gate condenser cooler crew bakery", "quay kitchen ladder warehouse heater rooftop"], "J1");
    expect(hits.sort()).toEqual(
      ["client:C1", "event:E1", "job:J1", "note:N1", "note:N2", "note:N3", "note:N5", "note:N6", "property:P1"].sort(),
    );

    const j2 = await union(["shared gate rooftop crew ladder", "summit ridge condenser cafe"], "J2");
    expect(j2.sort()).toEqual(["client:C2", "event:E2", "job:J2", "note:N4", "note:N7", "note:N9", "property:P2"].sort());
  });

  it("answers 404 for a job the caller may not see, exactly as for a missing job", async () => {
    const hidden = await call("/v1/search?q=rooftop&jobId=J2", { token: cast.technician });
    const missing = await call("/v1/search?q=rooftop&jobId=NOPE", { token: cast.technician });
    const h = expectProblem(hidden, 404, "not_found");
    const m = expectProblem(missing, 404, "not_found");
    expect(h.detail.replace("J2", "<id>")).toBe(m.detail.replace("NOPE", "<id>"));
    expectProblem(await call("/v1/search?q=rooftop&jobId=NOPE", { token: cast.dispatcher }), 404, "not_found");
    expect(refsOf(await search(cast.technician, "condenser", { jobId: "J1" }))).toContain("note:N1");
  });

  it("does not widen a technician's view to a sibling job of the same client", async () => {
    const hits = refsOf(await search(cast.technician, "shared gate heater warehouse forklift co", { limit: 100 }));
    expect(hits.sort()).toEqual(["note:N5", "note:N6"]);
  });
});

describe("prefix queries", () => {
  it("treats a word of 3+ characters ending in * as a prefix", async () => {
    const hits = refsOf(await find("condens*", { limit: 100 }));
    expect(hits.sort()).toEqual(["note:N1", "note:N2", "note:N3"]);
    expect(refsOf(await find("refrig*"))).toEqual(["event:E1"]);
    expect(refsOf(await find("cond"))).toEqual([]);
  });

  it("treats a 2-character word with * as the plain word", async () => {
    const hits = refsOf(await find("co*", { limit: 100 }));
    expect(hits).toEqual(["note:N10"]);
  });

  it("answers a lone * with an empty list", async () => {
    expect(await find("*")).toEqual([]);
    expect(await find("* * **")).toEqual([]);
  });
});

describe("hostile query strings", () => {
  const cases: [string, string, string | "nothing"][] = [
    ["an unbalanced quote", '"condenser', "note:N1"],
    ["balanced quotes", '"condenser fan"', "note:N1"],
    ["an unbalanced bracket", "(condenser", "note:N1"],
    ["a closing bracket", "condenser)", "note:N1"],
    ["braces", "{condenser}", "note:N1"],
    ["operators only (matched as the words and, or, not)", "AND OR NOT", "note:N2"],
    ["operators around a word", "condenser AND OR NOT", "note:N1"],
    ["NEAR", "NEAR(condenser fan)", "note:N1"],
    ["NEAR with a distance", "NEAR(condenser fan, 2)", "note:N1"],
    ["a column filter", "text:condenser", "note:N1"],
    ["the internal column filter", "scope:j1", "nothing"],
    ["a braced column filter", "{text}:x", "nothing"],
    ["a braced column filter with a word", "{text scope}:condenser", "note:N1"],
    ["an initial-token marker", "^condenser", "note:N1"],
    ["a minus", "-condenser", "note:N1"],
    ["a plus", "+condenser", "note:N1"],
    ["SQL", "' OR 1=1 --", "nothing"],
    ["SQL with a word", "condenser'; DROP TABLE notes; --", "note:N1"],
    ["a NUL byte", "\u0000condenser", "note:N1"],
    ["emoji", "🔥 condenser 🧊", "note:N1"],
    ["emoji only", "🔥🧊", "nothing"],
    ["a star inside a word (cond* is a prefix)", "cond*enser", "note:N1"],
    ["a double star", "condens**", "note:N1"],
    ["right-to-left text", "مكثف condenser", "note:N1"],
    ["percent and ampersand", "condenser%20& fan=1", "note:N1"],
    ["a backslash", "condenser\\", "note:N1"],
  ];

  it.each(cases)("%s (%j) answers 200 with what its words match", async (_name, q, expected) => {
    const hits = await find(q, { limit: 100 });
    if (expected === "nothing") expect(hits).toEqual([]);
    else expect(refsOf(hits)).toContain(expected);
  });

  it("matches café and cafe either way", async () => {
    expect(refsOf(await find("cafe", { limit: 100 })).sort()).toEqual(["note:N5", "note:N9"]);
    expect(refsOf(await find("café", { limit: 100 })).sort()).toEqual(["note:N5", "note:N9"]);
    expect(refsOf(await find("CAFÉ", { limit: 100 })).sort()).toEqual(["note:N5", "note:N9"]);
    // Decomposed é (e + combining acute) too.
    expect(refsOf(await find("cafe\u0301", { limit: 100 })).sort()).toEqual(["note:N5", "note:N9"]);
  });

  it("answers a 5000-character query and 200 repeated words", async () => {
    const filler = Array.from({ length: 1200 }, (_, i) => `zq${i}`).join(" ");
    const long = `condenser ${filler}`.slice(0, 5000);
    expect(long.length).toBe(5000);
    expect(refsOf(await find(long))).toContain("note:N1");
    expect(refsOf(await find("condenser ".repeat(200).trim()))).toContain("note:N1");
    expect(refsOf(await find("a".repeat(5000)))).toEqual([]);
    expectProblem(await call(`/v1/search?q=${"a".repeat(5001)}`, { token: cast.dispatcher }), 422, "validation_failed");
  });

  it("never matches the internal scope column", async () => {
    for (const q of ["j1", "j2", "c1", "p1", "scope", "text", "kind", "ref", "j1 OR c1 OR p1", "scope:c1"]) {
      expect(await find(q, { limit: 100 }), q).toEqual([]);
    }
  });
});
