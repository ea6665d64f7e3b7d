import { EMBEDDING_DIMENSIONS, type EmbeddingRunner, type VectorIndex } from "../durable-objects/tenant/copilot/embeddings";

/**
 * Stand-in `AI` and `VECTORIZE` bindings for the ingest benchmark's `semantic` mode (bench/semantic.mjs):
 * both answer after NETWORK_MS without using the object's CPU, as the real services do (they run
 * elsewhere; the object only waits). What the benchmark measures is therefore our own cost of
 * semantic retrieval on a write path: the triggers' bookkeeping, waking the queue, and the embed
 * steps' reads, ids, payloads and marks running on the same thread as the ingests.
 */
export const SEMANTIC_ON_PREFIX = "bench-sem-on";
const NETWORK_MS = 30;

const wait = () => new Promise((resolve) => setTimeout(resolve, NETWORK_MS));

export function benchSemanticBindings(): { AI: EmbeddingRunner; VECTORIZE: VectorIndex } {
  const stored = new Map<string, number>();
  return {
    AI: {
      async run(_model, inputs) {
        await wait();
        const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(1 / Math.sqrt(EMBEDDING_DIMENSIONS));
        return { shape: [inputs.text.length, EMBEDDING_DIMENSIONS], data: inputs.text.map(() => vector) };
      },
    },
    VECTORIZE: {
      async upsert(vectors) {
        await wait();
        for (const v of vectors) stored.set(v.id, v.values.length);
        return { mutationId: "bench" };
      },
      async deleteByIds(ids) {
        await wait();
        for (const id of ids) stored.delete(id);
        return { mutationId: "bench" };
      },
      async query(_vector, options) {
        await wait();
        return { matches: [...stored.keys()].slice(0, options.topK ?? 5).map((id) => ({ id, score: 0.5 })) };
      },
    },
  };
}
