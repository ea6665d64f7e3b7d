import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { Db } from "../../durable-objects/tenant/data/db";
import {
  MAX_SCOPE_TOKENS,
  normalizeWord,
  parseQuery,
  SCOPE_READ_CHARS,
  SCOPE_READ_ROWS,
  searchIndex,
  tokenize,
  wordMatcher,
  type SearchOutcome,
  type SearchPath,
} from "../../durable-objects/tenant/data/search";
import { searchScope, visibilityFor, visibleJob } from "../../durable-objects/tenant/visibility";
import type { IngestBody } from "../../schemas/ingest";
import { search, type Hit } from "../helpers/expect-api";
import { tenantObject } from "../helpers/storage";
import { ingestAs, tenantWithCast, type Cast } from "../helpers/world";

/**
 * A small scope (a job's evidence, a technician with few jobs) is searched from its own rows,
 * matched in JS; a large one through FTS5's word doclists. Both must give the same answer, so
 * every test here runs the query both ways inside the tenant object and compares them, and the
 * API answers are checked against the FTS5 path.
 */

interface Answer {
  path: SearchPath;
  exhaustive: boolean;
  hits: { ref: string; job: string | null; at: string | null; score: number; matchedTerms: number; text: string }[];
}

const shape = (o: SearchOutcome): Answer => ({
  path: o.path,
  exhaustive: o.exhaustive,
  hits: o.hits.map((h) => ({
    ref: `${h.kind}:${h.ref}`,
    job: h.job,
    at: h.at,
    score: h.score,
    matchedTerms: h.matchedTerms,
    text: h.text,
  })),
});

/** The same query answered on the default path and on the FTS5 path, inside the tenant object. */
async function bothWays(
  tenantId: string,
  q: string,
  who: { role: "dispatcher" | "technician"; subject: string },
  options: { jobId?: string; limit?: number; scopeReadRows?: number } = {},
): Promise<{ auto: Answer; index: Answer }> {
  return runInDurableObject(tenantObject(tenantId), (_instance, state) => {
    const db = new Db(state.storage);
    const visibility = visibilityFor(db, who.role, who.subject);
    const job = options.jobId === undefined ? null : visibleJob(db, visibility, options.jobId);
    if (job === "missing" || job === "hidden") throw new Error(`job ${options.jobId} is ${job}`);
    const scope = searchScope(visibility, job);
    const terms = parseQuery(q);
    const limit = options.limit ?? 20;
    const auto = searchIndex.query(
      db,
      terms,
      scope,
      limit,
      options.scopeReadRows === undefined ? {} : { scopeReadRows: options.scopeReadRows },
    );
    const index = searchIndex.query(db, terms, scope, limit, { scopeReadRows: 0 });
    return { auto: shape(auto), index: shape(index) };
  });
}

const LONG_TAIL = `${"filler words only here ".repeat(200)}deepword at the end`;

function scopedData(cast: Cast): IngestBody {
  return {
    clients: [
      { id: "C1", name: "Crème Brûlée Café", email: "chef@creme.example" },
      { id: "C2", name: "Ridge Offices" },
    ],
    properties: [
      { id: "P1", clientId: "C1", address: "3 Rue de l'Église", label: "Kitchen" },
      { id: "P2", clientId: "C2", address: "400 Ridge Road" },
    ],
    jobs: [
      {
        id: "J1",
        clientId: "C1",
        propertyId: "P1",
        title: "Walk-in cooler warm",
        description: "Compressor short cycling, condenser fan noisy",
        status: "scheduled",
        assignees: [cast.subjects.technician],
      },
      {
        id: "J2",
        clientId: "C2",
        propertyId: "P2",
        title: "Rooftop unit compressor",
        description: "Condenser coil replaced",
        status: "in_progress",
        assignees: [cast.subjects.otherTechnician],
      },
    ],
    notes: [
      { id: "N1", jobId: "J1", body: "Replaced the condenser fan motor; compressor OK", createdAt: "2026-10-01T10:00:00Z" },
      { id: "N2", jobId: "J1", body: "Condenser coil cleaned, condenser fan checked twice", createdAt: "2026-10-02T10:00:00Z" },
      { id: "N3", jobId: "J1", body: "Réparé le compresseur, café offert par le chef", createdAt: "2026-10-03T10:00:00Z" },
      { id: "N4", jobId: "J1", body: LONG_TAIL, createdAt: "2026-10-04T10:00:00Z" },
      { id: "N5", jobId: "J1", body: "CONDENSER_FAN (replaced) — re-checked: rep-3 ok", createdAt: "2026-10-05T10:00:00Z" },
      { id: "N6", clientId: "C1", body: "Chef prefers calls before 7am; shared gate", createdAt: "2026-10-06T10:00:00Z" },
      { id: "N7", propertyId: "P1", body: "Kitchen ladder behind the flour store; compressor cage", createdAt: "2026-10-07T10:00:00Z" },
      { id: "N8", jobId: "J2", body: "Condenser compressor replaced on the roof", createdAt: "2026-10-08T10:00:00Z" },
      { id: "N9", propertyId: "P2", body: "Ladder in the loading dock, condenser access", createdAt: "2026-10-09T10:00:00Z" },
    ],
    events: [{ id: "E1", jobId: "J1", type: "arrived", at: "2026-10-01T09:00:00Z", data: { crew: "refrigeration crew" } }],
  };
}

let cast: Cast;
beforeAll(async () => {
  cast = await tenantWithCast("scoped");
  await ingestAs(cast.dispatcher, cast.tenantId, scopedData(cast));
});

const dispatcher = () => ({ role: "dispatcher" as const, subject: cast.subjects.dispatcher });
const technician = () => ({ role: "technician" as const, subject: cast.subjects.technician });
const refs = (a: Answer) => a.hits.map((h) => h.ref);

const QUERIES = [
  "condenser",
  "condenser fan",
  "con*",
  "comp* fan",
  "compressor replaced",
  "cafe",
  "CAFÉ",
  "creme brulee",
  "reparé",
  "rep*",
  "re",
  "deepword",
  "filler deepword",
  "refrigeration",
  "arrived crew",
  "eglise",
  "nothinghere",
  "condenser nothinghere",
  '"fan" OR (coil) AND -motor NEAR/2 ^checked',
];

describe("a small scope is searched from its own rows, with the FTS5 path's answer", () => {
  it.each(QUERIES)("job-scoped %j: the same hits, scores and exhaustiveness both ways", async (q) => {
    const { auto, index } = await bothWays(cast.tenantId, q, dispatcher(), { jobId: "J1" });
    expect(auto.path).toBe("scope");
    expect(index.path).toBe("index");
    expect({ ...auto, path: "index" }).toEqual(index);
  });

  it.each(QUERIES)("technician %j over everything they may read: the same answer both ways", async (q) => {
    const { auto, index } = await bothWays(cast.tenantId, q, technician());
    expect(auto.path).toBe("scope");
    expect({ ...auto, path: "index" }).toEqual(index);
  });

  it("answers the API's job-scoped search as the FTS5 path does", async () => {
    for (const q of ["condenser fan", "con*", "cafe", "deepword"]) {
      const { index } = await bothWays(cast.tenantId, q, dispatcher(), { jobId: "J1" });
      const api: Hit[] = await search(cast.dispatcher, q, { jobId: "J1" });
      expect(api.map((h) => [h.ref, h.score])).toEqual(index.hits.map((h) => [h.ref, h.score]));
      expect(api.length).toBeGreaterThan(0);
    }
  });

  it("matches a word past the ranked text's first 4,096 characters, as FTS5 does", async () => {
    const { auto } = await bothWays(cast.tenantId, "deepword", dispatcher(), { jobId: "J1" });
    expect(refs(auto)).toEqual(["note:N4"]);
  });

  it("keeps to the job's evidence: nothing from the other job, client or property", async () => {
    const { auto } = await bothWays(cast.tenantId, "condenser compressor ladder", dispatcher(), { jobId: "J1" });
    expect(refs(auto).sort()).toEqual(["job:J1", "note:N1", "note:N2", "note:N5", "note:N7"].sort());
  });
});

describe("hidden records are neither returned nor counted", () => {
  it("a technician's scoped search returns only their job's evidence", async () => {
    const hits = await search(cast.technician, "condenser compressor ladder");
    expect(hits.map((h) => h.ref).sort()).toEqual(["job:J1", "note:N1", "note:N2", "note:N5", "note:N7"].sort());
  });

  it("scores do not move when records outside the scope gain the same words", async () => {
    const tenant = await tenantWithCast("scoped-idf");
    await ingestAs(tenant.dispatcher, tenant.tenantId, scopedData(tenant));
    const before = await search(tenant.technician, "condenser fan");
    const beforeJob = await search(tenant.dispatcher, "condenser fan", { jobId: "J1" });
    const hidden = Array.from({ length: 60 }, (_, i) => ({ id: `H${i}`, jobId: "J2", body: `condenser fan condenser ${i}` }));
    await ingestAs(tenant.dispatcher, tenant.tenantId, { notes: hidden });
    expect(await search(tenant.technician, "condenser fan")).toEqual(before);
    expect(await search(tenant.dispatcher, "condenser fan", { jobId: "J1" })).toEqual(beforeJob);
    // The dispatcher's unscoped search does see them: the words really were added.
    expect((await search(tenant.dispatcher, "condenser fan", { limit: 100 })).length).toBeGreaterThan(60);
  });
});

describe("a large scope falls back to FTS5", () => {
  it("uses FTS5 when the scope has more rows than allowed, with the same answer", async () => {
    const { auto, index } = await bothWays(cast.tenantId, "condenser fan", dispatcher(), { jobId: "J1", scopeReadRows: 5 });
    expect(auto.path).toBe("index");
    expect(auto).toEqual(index);
  });

  it(`uses FTS5 for a job with more than ${SCOPE_READ_ROWS} index rows`, async () => {
    const tenant = await tenantWithCast("scoped-big");
    await ingestAs(tenant.dispatcher, tenant.tenantId, scopedData(tenant));
    const many = Array.from({ length: SCOPE_READ_ROWS }, (_, i) => ({ id: `M${i}`, jobId: "J1", body: `bulk note ${i} condenser` }));
    await ingestAs(tenant.dispatcher, tenant.tenantId, { notes: many });
    const { auto, index } = await bothWays(
      tenant.tenantId,
      "condenser fan",
      { role: "dispatcher", subject: tenant.subjects.dispatcher },
      { jobId: "J1" },
    );
    expect(auto.path).toBe("index");
    expect(auto).toEqual(index);
    expect(auto.exhaustive).toBe(false);
  });

  it(`uses FTS5 when the scope's text exceeds ${SCOPE_READ_CHARS} characters`, async () => {
    const tenant = await tenantWithCast("scoped-chars");
    await ingestAs(tenant.dispatcher, tenant.tenantId, scopedData(tenant));
    const size = 100_000;
    const count = Math.ceil(SCOPE_READ_CHARS / size) + 1;
    for (let i = 0; i < count; i++) {
      const body = `big ${i} ${"condenser ".repeat(size / 10 - 2)}`.slice(0, size);
      await ingestAs(tenant.dispatcher, tenant.tenantId, { notes: [{ id: `B${i}`, jobId: "J1", body }] });
    }
    const { auto, index } = await bothWays(
      tenant.tenantId,
      "condenser",
      { role: "dispatcher", subject: tenant.subjects.dispatcher },
      { jobId: "J1" },
    );
    expect(auto.path).toBe("index");
    expect(auto).toEqual(index);
  });
});

describe("a technician with more visibility tokens than fit inside FTS5: the scan path", () => {
  let big: Cast;
  const JOBS = MAX_SCOPE_TOKENS + 6;
  beforeAll(async () => {
    big = await tenantWithCast("scoped-long");
    await ingestAs(big.dispatcher, big.tenantId, scopedData(big));
    const jobs = Array.from({ length: JOBS }, (_, i) => ({
      id: `T${i}`,
      clientId: "C1",
      title: `Visit ${i}`,
      status: "completed" as const,
      assignees: [big.subjects.technician],
    }));
    // One pump note per job, oldest first, interleaved with pump notes on a job the technician may not read.
    const notes = Array.from({ length: JOBS }, (_, i) => [
      { id: `TN${i}`, jobId: `T${i}`, body: `pump seal ${i}`, createdAt: new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString() },
      { id: `HN${i}`, jobId: "J2", body: `pump hidden ${i}` },
    ]).flat();
    await ingestAs(big.dispatcher, big.tenantId, { jobs, notes });
  });

  const scanned = (limit: number) =>
    runInDurableObject(tenantObject(big.tenantId), (_instance, state) => {
      const db = new Db(state.storage);
      const scope = searchScope(visibilityFor(db, "technician", big.subjects.technician), null);
      const outcome = searchIndex.query(db, parseQuery("pump"), scope, limit);
      for (const h of outcome.hits) {
        // Every column of a kept row is the record's own.
        const i = h.ref.slice(2);
        expect([h.kind, h.job, h.scope.startsWith("j"), h.text]).toEqual(["note", `T${i}`, true, `pump seal ${i}`]);
        expect(h.at).toBe(new Date(Date.UTC(2026, 9, 1) + Number(i) * 60_000).toISOString());
      }
      return { tokens: scope?.length ?? 0, exhaustive: outcome.exhaustive, refs: outcome.hits.map((h) => h.ref) };
    });

  it("keeps the newest max(3 × limit, 30) visible matches and says the answer is not exhaustive", async () => {
    const { tokens, exhaustive, refs } = await scanned(10);
    expect(tokens).toBeGreaterThan(MAX_SCOPE_TOKENS);
    expect(refs).toHaveLength(10);
    expect(exhaustive).toBe(false);
    const newest30 = Array.from({ length: 30 }, (_, k) => `TN${JOBS - 1 - k}`);
    for (const ref of refs) expect(newest30).toContain(ref);
  });

  it("returns every visible match, and says so, when they are fewer than it keeps", async () => {
    const { exhaustive, refs } = await scanned(100);
    expect(exhaustive).toBe(true);
    expect(refs.sort()).toEqual(Array.from({ length: JOBS }, (_, i) => `TN${i}`).sort());
  });
});

/** mulberry32: a small seedable PRNG, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Words with accents, case, digits and combining marks; separators including ones that are word
// characters in other tokenizers (underscore, apostrophe, hyphen).
const STEMS = ["valve", "valves", "valvé", "VALVE", "café", "cafe", "CAFÉ", "cafe\u0301", "naïve", "naive", "über", "uber"];
const MORE = ["rep", "repair", "repaired", "réparé", "re", "r2d2", "2024", "x1", "élan", "ELAN", "fan", "fans", "ﬁlter", "Straße"];
const SEPARATORS = [" ", "  ", ", ", ". ", "_", "'", "-", "/", "\n", "…", " — ", "(", ")", "*"];

function generatedNote(next: () => number, i: number): string {
  const words = [...STEMS, ...MORE];
  const n = 1 + Math.floor(next() * 12);
  let text = "";
  for (let k = 0; k < n; k++) {
    text += words[Math.floor(next() * words.length)];
    text += SEPARATORS[Math.floor(next() * SEPARATORS.length)];
  }
  return `${text}#${i}`;
}

function generatedQuery(next: () => number): string {
  const words = [...STEMS, ...MORE, "nothing", "va", "caf", "rép", "str"];
  const n = 1 + Math.floor(next() * 3);
  const parts: string[] = [];
  for (let k = 0; k < n; k++) {
    let w = words[Math.floor(next() * words.length)]!;
    if (next() < 0.4) w = `${w.slice(0, 3 + Math.floor(next() * 3))}*`;
    parts.push(w);
  }
  return parts.join(" ");
}

describe("the JS matcher agrees with FTS5's unicode61 remove_diacritics 2 (generated text)", () => {
  it("gives the FTS5 path's answer for 150 generated queries over 120 generated notes", async () => {
    const tenant = await tenantWithCast("scoped-prop");
    await ingestAs(tenant.dispatcher, tenant.tenantId, scopedData(tenant));
    const next = rng(0x5c0e);
    const notes = Array.from({ length: 120 }, (_, i) => ({
      id: `G${i}`,
      jobId: "J1",
      body: generatedNote(next, i),
      createdAt: new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString(),
    }));
    await ingestAs(tenant.dispatcher, tenant.tenantId, { notes });
    const who = { role: "dispatcher" as const, subject: tenant.subjects.dispatcher };
    let nonEmpty = 0;
    for (let k = 0; k < 150; k++) {
      const q = generatedQuery(next);
      const { auto, index } = await bothWays(tenant.tenantId, q, who, { jobId: "J1", limit: 100 });
      expect(auto.path, q).toBe("scope");
      expect({ ...auto, path: "index" }, `query ${JSON.stringify(q)}`).toEqual(index);
      if (index.hits.length > 0) nonEmpty++;
    }
    // The generator must exercise matches, not only misses.
    expect(nonEmpty).toBeGreaterThan(75);
  });
});

describe("the ASCII fast paths agree with the general tokenizer", () => {
  /** The general path: runs of letters, digits and marks, each accent- and case-folded. */
  const reference = (text: string) => [...text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)].map((m) => normalizeWord(m[0]));

  it("tokenize: the same words for 2,000 generated ASCII texts (control characters included)", () => {
    const next = rng(0xa5c1);
    for (let k = 0; k < 2_000; k++) {
      const length = Math.floor(next() * 60);
      const text = Array.from({ length }, () =>
        String.fromCharCode(next() < 0.6 ? 97 + Math.floor(next() * 4) : Math.floor(next() * 128)),
      ).join("");
      expect(tokenize(text), JSON.stringify(text)).toEqual(reference(text));
    }
  });

  it("wordMatcher: the same verdicts as matching the reference tokens, exact and prefix", () => {
    const next = rng(0xb0b);
    const words = ["ab", "abc", "abca", "ba", "cab", "a1", "1a"];
    for (let k = 0; k < 2_000; k++) {
      const length = Math.floor(next() * 40);
      const text = Array.from({ length }, () =>
        String.fromCharCode(next() < 0.7 ? 97 + Math.floor(next() * 3) : Math.floor(next() * 128)),
      ).join("");
      const terms = words.map((word, i) => ({ word, prefix: i % 2 === 0 && word.length >= 3 }));
      const tokens = reference(text);
      const expected = terms.map((t) => tokens.some((token) => (t.prefix ? token.startsWith(t.word) : token === t.word)));
      expect(wordMatcher(terms)(text), JSON.stringify(text)).toEqual(expected);
    }
  });
});
