import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { EMBEDDING_DIMENSIONS, type EmbeddingRunner, type VectorIndex } from "../../durable-objects/tenant/copilot/embeddings";
import { tenantObject } from "./storage";

/**
 * Stand-ins for the `AI` and `VECTORIZE` bindings that speak their API (tests never reach
 * Cloudflare). The embedding is a deterministic hashed bag of words (768 dimensions, unit length):
 * it exercises the mechanics and measures nothing semantic. The index keeps vectors by id across
 * the whole index (as Vectorize does: `deleteByIds` takes no namespace), queries one namespace
 * with cosine similarity, applies `$eq`/`$in` metadata filters, and refuses what Vectorize
 * refuses (ids over 64 bytes, wrong dimensions, topK over 100, filters of 2,048 bytes or more).
 */
export function embedWords(text: string): number[] {
  const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    v[(h >>> 0) % EMBEDDING_DIMENSIONS]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export class StandInAi implements EmbeddingRunner {
  calls: string[][] = [];
  /** "fail": every call throws; "stall": no call ever answers; a number: each call answers after that many ms. */
  mode: "ok" | "fail" | "stall" | number = "ok";

  /** Runs while a call is in flight (a test writes behind the queue's back meanwhile). */
  during: (() => void) | null = null;

  async run(model: string, inputs: { text: string[] }): Promise<unknown> {
    this.calls.push(inputs.text);
    this.during?.();
    if (model !== "@cf/baai/bge-base-en-v1.5") throw new Error(`unknown model ${model}`);
    if (this.mode === "fail") throw new Error("AI: 3040: capacity temporarily exceeded");
    if (this.mode === "stall") return new Promise(() => {});
    if (typeof this.mode === "number") await new Promise((r) => setTimeout(r, this.mode as number));
    return { shape: [inputs.text.length, EMBEDDING_DIMENSIONS], data: inputs.text.map(embedWords), pooling: "cls" };
  }
}

export interface StoredVector {
  id: string;
  values: number[];
  namespace?: string;
  metadata?: Record<string, unknown>;
}

type Filter = Record<string, { $eq?: unknown; $in?: unknown[] }>;

export class StandInVectorize implements VectorIndex {
  readonly vectors = new Map<string, StoredVector>();
  readonly queries: { namespace?: string; filter?: Filter; topK?: number }[] = [];
  readonly deleted: string[] = [];
  /** A broken index that ignores filters (defence-in-depth tests). */
  ignoreFilters = false;
  /** Adds to a stored vector's similarity (a test makes one record rank first whatever the question). */
  boost: (v: StoredVector) => number = () => 0;
  failing = false;

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    if (this.failing) throw new Error("VECTOR_UPSERT_ERROR (code = 40006)");
    if (vectors.length > 1_000) throw new Error("upsert batch over 1000");
    for (const v of vectors) {
      if (new TextEncoder().encode(v.id).length > 64) throw new Error(`vector id over 64 bytes: ${v.id}`);
      if (v.values.length !== EMBEDDING_DIMENSIONS) throw new Error(`vector of ${v.values.length} dimensions`);
      if ((v.namespace ?? "").length > 64) throw new Error("namespace over 64 bytes");
      this.vectors.set(v.id, { id: v.id, values: [...v.values], namespace: v.namespace, metadata: v.metadata as Record<string, unknown> });
    }
    return { mutationId: crypto.randomUUID() };
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    if (this.failing) throw new Error("VECTOR_DELETE_ERROR");
    for (const id of ids) if (this.vectors.delete(id)) this.deleted.push(id);
    return { mutationId: crypto.randomUUID() };
  }

  async query(vector: number[], options: VectorizeQueryOptions): Promise<{ matches: { id: string; score: number }[] }> {
    if (this.failing) throw new Error("VECTOR_QUERY_ERROR");
    const filter = options.filter as Filter | undefined;
    if (filter && JSON.stringify(filter).length >= 2048) throw new Error("filter of 2048 bytes or more");
    const topK = options.topK ?? 5;
    if (topK > (options.returnMetadata === "all" || options.returnValues ? 20 : 100)) throw new Error(`topK ${topK} over the limit`);
    this.queries.push({ namespace: options.namespace, filter, topK });
    const matches = [...this.vectors.values()]
      .filter((v) => v.namespace === options.namespace && (this.ignoreFilters || matchesFilter(v, filter)))
      .map((v) => ({ id: v.id, score: cosine(vector, v.values) + this.boost(v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    return { matches };
  }

  inNamespace(namespace: string): StoredVector[] {
    return [...this.vectors.values()].filter((v) => v.namespace === namespace);
  }
}

function matchesFilter(v: StoredVector, filter: Filter | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([field, op]) => {
    const value = v.metadata?.[field];
    if ("$eq" in op) return value === op.$eq;
    if ("$in" in op) return (op.$in ?? []).includes(value);
    throw new Error(`stand-in does not know the filter ${JSON.stringify(op)}`);
  });
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

/** Gives one tenant's object the bindings (a deployment gives them to every object). */
export async function bindSemantic(tenantId: string, ai: EmbeddingRunner | undefined, index: VectorIndex | undefined): Promise<void> {
  await runInDurableObject(tenantObject(tenantId), (instance) => {
    const holder = instance as unknown as { env: Env };
    holder.env = { ...holder.env, AI: ai, VECTORIZE: index } as Env;
  });
}

/** Runs the tenant's alarm until no task waits (each run is one bounded step); returns how many runs. */
export async function runQueue(tenantId: string, maxRuns = 60): Promise<number> {
  const stub = tenantObject(tenantId);
  for (let runs = 0; runs < maxRuns; runs++) {
    const waiting = await runInDurableObject(
      stub,
      async (_i, state) =>
        state.storage.sql.exec(`SELECT count(*) AS n FROM tasks WHERE status IN ('queued', 'running')`).one().n as number,
    );
    if (waiting === 0) return runs;
    if (!(await runDurableObjectAlarm(stub)))
      await runInDurableObject(stub, async (instance) => (instance as unknown as { onAlarm(): Promise<void> }).onAlarm());
  }
  return maxRuns;
}

/** The bookkeeping rows per state, read behind the object's back. */
export async function vectorStates(tenantId: string): Promise<Record<string, number>> {
  return runInDurableObject(tenantObject(tenantId), async (_i, state) => {
    const out: Record<string, number> = {};
    for (const r of state.storage.sql.exec<{ state: string; n: number }>(`SELECT state, count(*) AS n FROM vectors GROUP BY state`))
      out[r.state] = r.n;
    return out;
  });
}

export { env };
