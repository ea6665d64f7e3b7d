import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { composeAnswer } from "../../durable-objects/tenant/copilot/answer";
import { groundDraft } from "../../durable-objects/tenant/copilot/citations";
import { GUARD_SENTENCES, NOT_FOUND, SYSTEM_PROMPT } from "../../durable-objects/tenant/copilot/prompt";
import { NOT_FOUND_ANSWER, type CopilotProvider, type ProviderDraft } from "../../durable-objects/tenant/copilot/provider";
import { providerFor } from "../../durable-objects/tenant/copilot/providers";
import type { EvidenceRecord } from "../../durable-objects/tenant/copilot/retrieval";
import { CopilotProviderError } from "../../durable-objects/tenant/copilot/errors";
import type { AiRunner } from "../../durable-objects/tenant/copilot/workers-ai";
import { Db } from "../../durable-objects/tenant/data/db";
import { tenantObject } from "../helpers/storage";
import { basicData, ingestAs, tenantWithCast } from "../helpers/world";

/**
 * The Workers AI provider with a stand-in `AI` binding: `run(model, inputs)` returns what the
 * real binding returns for `stream: true`, a byte stream of SSE lines `data: {"response":"…"}`
 * ending with `data: [DONE]`.
 */
const record = (ref: string, text: string): EvidenceRecord => {
  const [kind, id] = ref.split(":") as [EvidenceRecord["kind"], string];
  return { ref, kind, id, jobId: "J1", at: null, text, context: "Rooftop unit service", score: 1 };
};
const EVIDENCE: EvidenceRecord[] = [record("note:N1", "Replaced the condenser fan motor. The capacitor tested fine.")];

const line = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const words = (...parts: string[]) => [...parts.map((response) => line({ response })), "data: [DONE]\n\n"];

interface Call {
  model: string;
  inputs: Record<string, unknown>;
}

/** A stand-in binding: each call takes the next behaviour (the last one repeats). */
function fakeAi(
  ...behaviours: (
    string[] | Uint8Array[] | Error | "stall" | { response: string } | ((c: ReadableStreamDefaultController<Uint8Array>) => void)
  )[]
) {
  const calls: Call[] = [];
  const ai: AiRunner = {
    async run(model, inputs) {
      calls.push({ model, inputs });
      const b = behaviours[Math.min(calls.length, behaviours.length) - 1];
      if (b instanceof Error) throw b;
      if (b === "stall") return new ReadableStream<Uint8Array>({ start() {} });
      if (typeof b === "function") return new ReadableStream<Uint8Array>({ start: b });
      if (b && !Array.isArray(b)) return b;
      const parts = (b ?? []).map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p));
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = parts.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(next);
        },
      });
    },
  };
  return { ai, calls };
}

function workersAi(ai: AiRunner, vars: Record<string, string> = {}): CopilotProvider {
  return providerFor({ ...env, COPILOT_PROVIDER: "workers-ai", WORKERS_AI_MODEL: "@cf/test/model", ...vars }, { ai, backoffMs: 5 });
}

async function run(provider: CopilotProvider, question = "What was replaced on the condenser fan?") {
  const deltas: string[] = [];
  try {
    const draft = await provider.answer({ question, terms: [], evidence: EVIDENCE, signal: new AbortController().signal }, (d) =>
      deltas.push(d),
    );
    return { draft, deltas, error: undefined };
  } catch (error) {
    if (!(error instanceof CopilotProviderError)) throw error;
    return { draft: undefined, deltas, error };
  }
}

describe("Workers AI provider", () => {
  it("streams the binding's response chunks, with the shared prompt, and validates citations", async () => {
    const { ai, calls } = fakeAi([...words("The condenser fan motor ", "was replaced [note:N1] ", "and the coil [note:N77]."), ""]);
    const provider = workersAi(ai);
    expect(provider.name).toBe("workers-ai");
    const { draft, deltas, error } = await run(provider);
    expect(error).toBeUndefined();
    const text = "The condenser fan motor was replaced [note:N1] and the coil [note:N77].";
    expect(deltas.join("")).toBe(text);
    expect(draft).toMatchObject({ text, claims: [{ ref: "note:N1" }, { ref: "note:N77" }], declined: false, model: "@cf/test/model" });
    expect(groundDraft(draft as ProviderDraft, EVIDENCE)).toEqual({
      grounded: true,
      citations: [{ ref: "note:N1", kind: "note", jobId: "J1", quote: "Replaced the condenser fan motor." }],
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.model).toBe("@cf/test/model");
    expect(calls[0]?.inputs).toMatchObject({ stream: true });
    const messages = calls[0]?.inputs.messages as { role: string; content: string }[];
    expect(messages[0]).toEqual({ role: "system", content: SYSTEM_PROMPT });
    for (const sentence of GUARD_SENTENCES) expect(messages[0]?.content).toContain(sentence);
    expect(messages[1]?.content).toContain('"ref":"note:N1"');
  });

  it("reassembles lines split mid-line and mid-character, and reads usage from the last chunk", async () => {
    const bytes = new TextEncoder().encode(
      [
        line({ response: "Caf\u00e9 fan motor replaced [note:N1]." }),
        line({ response: "", usage: { prompt_tokens: 90, completion_tokens: 9 } }),
        "data: [DONE]\n\n",
      ].join(""),
    );
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 5) pieces.push(bytes.slice(i, i + 5));
    const { draft } = await run(workersAi(fakeAi(pieces).ai));
    expect(draft).toMatchObject({ text: "Caf\u00e9 fan motor replaced [note:N1].", tokensIn: 90, tokensOut: 9 });
  });

  it("accepts a model that answers without streaming", async () => {
    const { draft } = await run(workersAi(fakeAi({ response: "Fan motor replaced [note:N1]." }).ai));
    expect(draft?.text).toBe("Fan motor replaced [note:N1].");
  });

  it("turns NOT_FOUND into a declined draft", async () => {
    const { draft, deltas } = await run(workersAi(fakeAi(words(NOT_FOUND)).ai));
    expect(draft).toMatchObject({ declined: true, text: NOT_FOUND_ANSWER, claims: [] });
    expect(deltas.join("")).toBe(NOT_FOUND_ANSWER);
  });

  it("retries a binding that throws, then answers", async () => {
    const { ai, calls } = fakeAi(new Error("3040: Capacity temporarily exceeded"), words("Fan motor [note:N1]."));
    const { draft } = await run(workersAi(ai));
    expect(draft?.text).toBe("Fan motor [note:N1].");
    expect(calls).toHaveLength(2);
  });

  it("fails with a typed error when the binding keeps throwing, after COPILOT_MAX_RETRIES", async () => {
    const { ai, calls } = fakeAi(new Error("3040: Capacity temporarily exceeded"));
    const { error } = await run(workersAi(ai, { COPILOT_MAX_RETRIES: "1" }));
    expect(error).toMatchObject({ code: "network", provider: "workers-ai" });
    expect(error?.message).toContain("3040");
    expect(calls).toHaveLength(2);
  });

  it("fails, without retrying, when the stream errors midway", async () => {
    const { ai, calls } = fakeAi((controller) => {
      controller.enqueue(new TextEncoder().encode(line({ response: "y".repeat(120) })));
      // Fails after the first chunk was read.
      setTimeout(() => controller.error(new Error("connection reset")), 20);
    });
    const { error, deltas } = await run(workersAi(ai));
    expect(error).toMatchObject({ code: "bad_response" });
    expect(error?.message).toContain("connection reset");
    expect(deltas.join("")).toMatch(/^y+$/);
    expect(calls).toHaveLength(1);
  });

  it("fails on a line that is not JSON and on a stream without [DONE]", async () => {
    expect((await run(workersAi(fakeAi(["data: {oops\n\n", "data: [DONE]\n\n"]).ai))).error).toMatchObject({ code: "bad_response" });
    expect((await run(workersAi(fakeAi([line({ response: "Fan" })]).ai))).error).toMatchObject({ code: "truncated" });
  });

  it("times out a stream that never ends, even though the stand-in ignores the signal", async () => {
    const started = Date.now();
    const { error } = await run(workersAi(fakeAi("stall").ai, { COPILOT_TIMEOUT_MS: "200" }));
    expect(error).toMatchObject({ code: "timeout" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("without an AI binding, fails as unavailable (the test environment has none)", async () => {
    expect((env as { AI?: unknown }).AI).toBeUndefined();
    const provider = providerFor({ ...env, COPILOT_PROVIDER: "workers-ai" });
    expect(provider.name).toBe("workers-ai");
    const { error } = await run(provider);
    expect(error).toMatchObject({ code: "unavailable" });
  });

  it("a failing binding gives the extractive answer through composeAnswer, flagged degraded", async () => {
    const cast = await tenantWithCast("wai");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    const { ai, calls } = fakeAi(new Error("binding exploded"));
    const result = await runInDurableObject(tenantObject(cast.tenantId), (_instance, state) =>
      composeAnswer({
        db: new Db(state.storage),
        question: "What was replaced on the condenser fan?",
        visibility: { kind: "all" },
        job: null,
        provider: workersAi(ai, { COPILOT_MAX_RETRIES: "0" }),
        signal: new AbortController().signal,
        onDelta: () => {},
      }),
    );
    expect(result).toMatchObject({ provider: "extractive", degraded: true, grounded: true });
    expect(result.citations.map((c) => c.ref)).toContain("note:N1");
    expect(calls).toHaveLength(1);
  });
});
