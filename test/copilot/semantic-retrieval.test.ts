import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { retrieveEvidence } from "../../durable-objects/tenant/copilot/retrieval";
import { SEMANTIC_TIMEOUT_MS, semanticHits } from "../../durable-objects/tenant/copilot/semantic";
import { Db } from "../../durable-objects/tenant/data/db";
import { visibilityFor } from "../../durable-objects/tenant/visibility";
import type { Role } from "../../schemas/common";
import { call } from "../helpers/api";
import { expectOk } from "../helpers/expect-api";
import { bindSemantic, runQueue, StandInAi, StandInVectorize } from "../helpers/semantic";
import { tenantObject } from "../helpers/storage";
import { basicData, ingestAs, tenantWithCast, type Cast } from "../helpers/world";

/**
 * The copilot with semantic retrieval on (stand-in bindings): vector hits under the caller's
 * visibility, inside the vector query and checked again on every hit; fused with the full-text
 * ranking; a failing or slow service answers from the full-text index alone, counted in usage.
 */
async function embeddedTenant(prefix: string) {
  const cast = await tenantWithCast(prefix);
  const ai = new StandInAi();
  const index = new StandInVectorize();
  await bindSemantic(cast.tenantId, ai, index);
  await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
  await runQueue(cast.tenantId);
  return { cast, ai, index };
}

/** Scope tokens of a job (its own, its client's, its property's), as the index stores them. */
async function jobTokens(tenantId: string, jobId: string): Promise<string[]> {
  return runInDurableObject(tenantObject(tenantId), async (_i, state) => {
    const row = state.storage.sql.exec(`SELECT pk, client_pk, property_pk FROM jobs WHERE id = ?`, jobId).one();
    return [`j${row.pk}`, `c${row.client_pk}`, `p${row.property_pk}`];
  });
}

/** The question's vector hits (record refs) for a member, computed inside the object as the ask does. */
async function vectorRefs(cast: Cast, who: "technician" | "dispatcher", question: string, ai: StandInAi, index: StandInVectorize) {
  const role: Role = who === "technician" ? "technician" : "dispatcher";
  return runInDurableObject(tenantObject(cast.tenantId), async (_i, state) => {
    const db = new Db(state.storage);
    const outcome = await semanticHits(db, { ai, index }, cast.tenantId, question, visibilityFor(db, role, cast.subjects[who]), null);
    return outcome.hits.map((h) => `${h.kind}:${h.ref}`);
  });
}

const ask = async (token: string, body: Record<string, unknown>) => expectOk(await call("/v1/copilot/ask", { token, body }));
const QUESTION = "What is the gate code for the rooftop access?";

describe("semantic retrieval in the copilot", () => {
  it("filters the vector query by the technician's scope, so a forbidden record ranked first never reaches them", async () => {
    const { cast, ai, index } = await embeddedTenant("semvis");
    // The index ranks J2's gate-code note (the other technician's job) first for every question.
    index.boost = (v) => (v.metadata?.ref === "note:N2" ? 10 : 0);
    expect((await vectorRefs(cast, "dispatcher", QUESTION, ai, index))[0]).toBe("note:N2");

    expect(await vectorRefs(cast, "technician", QUESTION, ai, index)).not.toContain("note:N2");
    const filter = index.queries.at(-1)?.filter;
    expect(filter).toEqual({ scope: { $in: await jobTokens(cast.tenantId, "J1") } });
    expect(index.queries.at(-1)?.namespace).toBe(cast.tenantId);

    const answer = await ask(cast.technician, { question: QUESTION });
    expect(JSON.stringify(answer)).not.toMatch(/4411|zzn2|N2/);
  });

  it("checks every hit against the caller's visibility again, so an index that ignores the filter leaks nothing", async () => {
    const { cast, ai, index } = await embeddedTenant("semdid");
    index.boost = (v) => (v.metadata?.ref === "note:N2" ? 10 : 0);
    index.ignoreFilters = true;
    const refs = await vectorRefs(cast, "technician", QUESTION, ai, index);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs).not.toContain("note:N2");
    expect(refs.every((r) => ["job:J1", "note:N1", "note:N3", "event:E1", "client:C1", "property:P1"].includes(r))).toBe(true);
    const answer = await ask(cast.technician, { question: QUESTION });
    expect(JSON.stringify(answer)).not.toMatch(/4411|zzn2|N2/);
  });

  it("narrows the vector query to the job an ask names", async () => {
    const { cast, index } = await embeddedTenant("semjob");
    await ask(cast.dispatcher, { question: "Where is the ladder?", jobId: "J2" });
    expect(index.queries.at(-1)?.filter).toEqual({ scope: { $in: await jobTokens(cast.tenantId, "J2") } });
  });

  it("brings records the words miss into the evidence, fused with the full-text ranking", async () => {
    const { cast, ai, index } = await embeddedTenant("semfuse");
    // No record shares a word with the question; the (stand-in) vectors find the bakery's opening note.
    const question = "How soon can the crew get inside before sunrise?";
    index.boost = (v) => (v.metadata?.ref === "note:N3" ? 1 : 0);
    const evidence = await runInDurableObject(tenantObject(cast.tenantId), async (_i, state) => {
      const db = new Db(state.storage);
      const visibility = visibilityFor(db, "dispatcher", cast.subjects.dispatcher);
      const semantic = await semanticHits(db, { ai, index }, cast.tenantId, question, visibility, null);
      return {
        without: retrieveEvidence(db, question, visibility, null).evidence.map((e) => e.ref),
        with: retrieveEvidence(db, question, visibility, null, semantic.hits).evidence.map((e) => e.ref),
      };
    });
    expect(evidence.without).toEqual([]);
    expect(evidence.with[0]).toBe("note:N3");
    const usage = expectOk(await call("/v1/admin/usage", { token: cast.admin }));
    expect(usage.semantic[0]).toMatchObject({ degraded: 0 });
  });

  it("ignores a malformed answer from the vector index instead of failing the ask", async () => {
    const { cast, index } = await embeddedTenant("semjunk");
    const healthy = await ask(cast.dispatcher, { question: "What was replaced on the condenser fan?" });
    index.query = async () => ({ matches: [null, { id: 7 }, { id: "x", score: "high" }] }) as never;
    const answer = await ask(cast.dispatcher, { question: "What was replaced on the condenser fan?" });
    expect(answer).toMatchObject({ grounded: true, answer: healthy.answer, citations: healthy.citations });
    const usage = expectOk(await call("/v1/admin/usage", { token: cast.admin }));
    expect(usage.semantic[0]).toMatchObject({ queries: 2, degraded: 0 });
  });

  for (const failure of ["embedding fails", "vector query fails", "embedding stalls", "embedding is slow"] as const) {
    it(`answers from the full-text index alone, within the bound and counted in usage, when the ${failure}`, async () => {
      const { cast, ai, index } = await embeddedTenant("semdeg");
      const healthy = await ask(cast.dispatcher, { question: "What was replaced on the condenser fan?" });
      if (failure === "embedding fails") ai.mode = "fail";
      if (failure === "vector query fails") index.failing = true;
      if (failure === "embedding stalls") ai.mode = "stall";
      if (failure === "embedding is slow") ai.mode = SEMANTIC_TIMEOUT_MS + 1_000;
      const started = Date.now();
      const degraded = await ask(cast.dispatcher, { question: "What was replaced on the condenser fan?" });
      expect(Date.now() - started).toBeLessThan(SEMANTIC_TIMEOUT_MS + 2_000);
      expect(degraded).toMatchObject({ grounded: true, answer: healthy.answer, citations: healthy.citations });
      const usage = expectOk(await call("/v1/admin/usage", { token: cast.admin }));
      expect(usage.semantic[0]).toMatchObject({ degraded: 1, queries: failure === "vector query fails" ? 2 : 1 });
      expect(usage.days[0]).toMatchObject({ requests: 2, degraded: 0 });
    });
  }
});
