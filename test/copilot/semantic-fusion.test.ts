import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { groundDraft } from "../../durable-objects/tenant/copilot/citations";
import { extractiveDraft } from "../../durable-objects/tenant/copilot/extractive";
import { FUSION, fuseHits, type FusionMethod } from "../../durable-objects/tenant/copilot/fusion";
import { retrieveEvidence } from "../../durable-objects/tenant/copilot/retrieval";
import { MAX_FILTER_BYTES, MAX_SCOPE_QUERIES, scopeFilters, semanticHits } from "../../durable-objects/tenant/copilot/semantic";
import { Db } from "../../durable-objects/tenant/data/db";
import { jobs } from "../../durable-objects/tenant/data/jobs";
import type { RankedHit } from "../../durable-objects/tenant/data/search";
import { visibilityFor } from "../../durable-objects/tenant/visibility";
import { call } from "../helpers/api";
import { loadDemoTenant } from "../helpers/demo";
import { bindSemantic, runQueue, StandInAi, StandInVectorize } from "../helpers/semantic";
import { tenantObject } from "../helpers/storage";
import { ALL_ANSWERABLE, ALL_UNANSWERABLE, type Case } from "./sets/tuning";

/** The fusion of full-text and vector hits on its own, the scope filters, and both fusions measured on the quality set. */
const hit = (rowid: number, score: number, matchedTerms = 1): RankedHit => ({
  rowid,
  kind: "note",
  ref: `N${rowid}`,
  job: null,
  at: null,
  scope: "j1",
  text: `note ${rowid}`,
  score,
  matchedTerms,
});
const ids = (hits: RankedHit[]) => hits.map((h) => h.rowid);

describe("fusion of full-text and vector hits", () => {
  const fts = [hit(1, 3.5), hit(2, 2.4), hit(3, 1.2)];
  const vector = [hit(3, 0.91, 0), hit(4, 0.83, 0)];

  it("reciprocal rank fusion: a hit in both lists first, then by rank, full-text first on ties", () => {
    const fused = fuseHits(fts, vector, 16, "rrf");
    expect(ids(fused)).toEqual([3, 1, 2, 4]);
    // The best keeps the full-text scale; scores fall with the fused order; a vector-only hit matched no words.
    expect(fused[0]?.score).toBe(3.5);
    expect(fused.map((h) => h.score)).toEqual([...fused.map((h) => h.score)].sort((a, b) => b - a));
    expect(fused.find((h) => h.rowid === 4)?.matchedTerms).toBe(0);
    expect(fused.find((h) => h.rowid === 3)?.matchedTerms).toBe(1);
  });

  it("weighted sum: each list's scores over its best, 0.6 full-text and 0.4 vectors", () => {
    expect(ids(fuseHits(fts, vector, 16, "weighted"))).toEqual([3, 1, 2, 4]);
    // A strong vector hit passes a weak full-text one.
    expect(ids(fuseHits([hit(1, 3), hit(2, 0.3)], [hit(5, 0.9, 0)], 16, "weighted"))).toEqual([1, 5, 2]);
  });

  it("leaves the full-text ranking alone without vector hits, cuts to the limit, and scales vector-only results to 1", () => {
    expect(fuseHits(fts, [], 16)).toEqual(fts);
    expect(fuseHits(fts, vector, 2, "rrf").length).toBe(2);
    for (const method of ["rrf", "weighted"] as const) {
      const only = fuseHits([], vector, 16, method);
      expect(ids(only)).toEqual([3, 4]);
      expect(only[0]?.score).toBe(1);
    }
  });
});

describe("scope filters of the vector query", () => {
  it("queries unfiltered for a caller who sees everything, not at all for an empty scope", () => {
    expect(scopeFilters(null)).toEqual([undefined]);
    expect(scopeFilters([])).toEqual([]);
  });

  it("splits a large scope over queries under Vectorize's 2,048-byte filter limit, and gives up past MAX_SCOPE_QUERIES", () => {
    const tokens = Array.from({ length: 600 }, (_, i) => `j${100_000 + i}`);
    const filters = scopeFilters(tokens);
    expect(filters?.length).toBeGreaterThan(1);
    expect(filters?.length).toBeLessThanOrEqual(MAX_SCOPE_QUERIES);
    for (const f of filters ?? []) expect(JSON.stringify(f).length).toBeLessThanOrEqual(MAX_FILTER_BYTES);
    expect((filters ?? []).flatMap((f) => f?.scope.$in ?? [])).toEqual(tokens);
    expect(scopeFilters(Array.from({ length: 2_000 }, (_, i) => `j${100_000 + i}`))).toBeNull();
  });
});

/** The quality suite's tuning set (the held-out set is for measuring the copilot, not for choosing its fusion). */
const qualityCases = (): Case[] => [...ALL_ANSWERABLE, ...ALL_UNANSWERABLE];

type Config = "fts" | FusionMethod;
const CONFIGS: Config[] = ["fts", "rrf", "weighted"];
const results = new Map<Config, { rank: number | null; answered: boolean; correct: boolean; answerable: boolean }[]>();

beforeAll(async () => {
  const cases = qualityCases();
  for (const c of CONFIGS) results.set(c, []);
  for (const tenant of ["acme-hvac", "northwind-plumbing"] as const) {
    const { cast } = await loadDemoTenant(tenant);
    const ai = new StandInAi();
    const index = new StandInVectorize();
    await bindSemantic(cast.tenantId, ai, index);
    // The import ran before the bindings: a reindex embeds everything, as the deployment steps say.
    expect((await call("/v1/admin/reindex", { method: "POST", token: cast.admin })).status).toBe(202);
    await runQueue(cast.tenantId, 200);
    await runInDurableObject(tenantObject(cast.tenantId), async (_i, state) => {
      const db = new Db(state.storage);
      for (const c of cases.filter((x) => x.tenant === tenant)) {
        const visibility = c.as ? visibilityFor(db, "technician", c.as) : visibilityFor(db, "dispatcher", "dan.dispatch");
        const job = c.jobId ? jobs.byId(db, c.jobId) : null;
        const semantic = await semanticHits(db, { ai, index }, cast.tenantId, c.question, visibility, job);
        for (const config of CONFIGS) {
          const { terms, evidence } = retrieveEvidence(
            db,
            c.question,
            visibility,
            job,
            config === "fts" ? [] : semantic.hits,
            config === "fts" ? FUSION : config,
          );
          const draft = extractiveDraft({ terms, evidence });
          const { citations, grounded } = groundDraft(draft, evidence);
          const rank = evidence.findIndex((e) => c.expect.includes(e.ref));
          results.get(config)?.push({
            rank: rank < 0 ? null : rank + 1,
            answered: grounded && !draft.declined,
            correct: grounded && !draft.declined && citations.some((x) => c.expect.includes(x.ref)),
            answerable: c.expect.length > 0,
          });
        }
      }
    });
  }
}, 120_000);

describe("fusion measured on the copilot quality set (stand-in embedding: a hashed bag of words, nothing semantic)", () => {
  it("reports both fusions beside full-text alone, and the one in use is the better of the two", () => {
    const figures = (config: Config) => {
      const rows = results.get(config) ?? [];
      const answerable = rows.filter((r) => r.answerable);
      const unanswerable = rows.filter((r) => !r.answerable);
      const answered = answerable.filter((r) => r.answered).length;
      const right = answerable.filter((r) => r.correct).length;
      return {
        cases: rows.length,
        mrr: answerable.reduce((s, r) => s + (r.rank ? 1 / r.rank : 0), 0) / Math.max(1, answerable.length),
        recallAt16: answerable.filter((r) => r.rank !== null && r.rank <= 16).length / Math.max(1, answerable.length),
        precision: right / Math.max(1, answered),
        recall: right / Math.max(1, answerable.length),
        declined: unanswerable.filter((r) => !r.answered).length / Math.max(1, unanswerable.length),
      };
    };
    const table = CONFIGS.map((c) => ({ config: c, ...figures(c) }));
    console.log(
      table
        .map(
          (t) =>
            `${t.config.padEnd(9)} cases ${t.cases}  evidence MRR ${t.mrr.toFixed(3)}  recall@16 ${t.recallAt16.toFixed(3)}  ` +
            `precision ${t.precision.toFixed(3)}  recall ${t.recall.toFixed(3)}  declined ${t.declined.toFixed(3)}`,
        )
        .join("\n"),
    );
    expect(table[0]?.cases).toBeGreaterThanOrEqual(40);
    const score = (c: Config) => {
      const f = figures(c);
      return f.precision + f.recall + f.declined;
    };
    const other: FusionMethod = FUSION === "rrf" ? "weighted" : "rrf";
    expect(score(FUSION)).toBeGreaterThanOrEqual(score(other));
  });
});
