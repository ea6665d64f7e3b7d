import { z } from "zod";
import { sha256, toBase64Url } from "../../../schemas/encoding";

/**
 * Semantic retrieval's two services: Workers AI for embeddings and a Vectorize index for the
 * vectors. On only when the deployment binds both (`AI` and `VECTORIZE`): without them (local
 * runs, tests, a deployment that has not set them up) nothing here is called and the copilot
 * retrieves from the full-text index alone, as before.
 *
 * Vectorize facts the design rests on (developers.cloudflare.com/vectorize/platform/limits/,
 * …/reference/metadata-filtering/): vector ids are at most 64 bytes and unique in the whole index
 * (`deleteByIds` takes no namespace); a namespace (≤ 64 bytes, 50,000 per index) narrows a query
 * before any filter; metadata filters compare one scalar field with `$eq`/`$in` and must be under
 * 2,048 bytes of compact JSON; topK is at most 100 without metadata or values returned.
 */
export const EMBEDDING_MODEL = "@cf/baai/bge-base-en-v1.5";
export const EMBEDDING_DIMENSIONS = 768;
/** Texts per embedding call (the queue's batch). */
export const EMBED_BATCH = 100;
/**
 * Characters of a record embedded: bge-base reads at most 512 tokens, ~4 characters each in
 * English; the rest of a long note would be cut by the model anyway.
 */
export const EMBED_TEXT_CHARS = 2_000;

/** The part of the `Ai` binding used here (tests pass a stand-in). */
export interface EmbeddingRunner {
  run(model: string, inputs: { text: string[] }, options?: { signal?: AbortSignal }): Promise<unknown>;
}

/** The part of a Vectorize binding used here (tests pass a stand-in). */
export interface VectorIndex {
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
  deleteByIds(ids: string[]): Promise<unknown>;
  query(vector: number[], options: VectorizeQueryOptions): Promise<{ matches: { id: string; score: number }[] }>;
}

export interface SemanticServices {
  ai: EmbeddingRunner;
  index: VectorIndex;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const hasMethods = (v: unknown, ...names: string[]): boolean => isRecord(v) && names.every((n) => typeof v[n] === "function");

/** The bindings when both are configured (and look like what they should be), else null: semantic retrieval is off. */
export function semanticServices(env: Env): SemanticServices | null {
  const { AI: ai, VECTORIZE: index } = env as { AI?: unknown; VECTORIZE?: unknown };
  if (!hasMethods(ai, "run") || !hasMethods(index, "upsert", "deleteByIds", "query")) return null;
  return { ai: ai as EmbeddingRunner, index: index as VectorIndex };
}

const EmbeddingResult = z.object({
  shape: z.array(z.number().int()).optional(),
  data: z.array(z.array(z.number()).length(EMBEDDING_DIMENSIONS)),
});

export interface Embedded {
  vectors: number[][];
  /** Estimated input tokens (Workers AI does not report them for embeddings): ⌈characters / 4⌉ per text. */
  tokens: number;
}

/** Embeds texts in one call; throws unless the answer holds one 768-dimension vector per text. */
export async function embedTexts(ai: EmbeddingRunner, texts: string[], signal?: AbortSignal): Promise<Embedded> {
  const input = texts.map((t) => t.slice(0, EMBED_TEXT_CHARS));
  const answer = EmbeddingResult.safeParse(await ai.run(EMBEDDING_MODEL, { text: input }, signal ? { signal } : undefined));
  if (!answer.success || answer.data.data.length !== input.length)
    throw new Error(`embedding answer unusable: expected ${input.length} vectors of ${EMBEDDING_DIMENSIONS} dimensions`);
  return { vectors: answer.data.data, tokens: input.reduce((n, t) => n + Math.ceil(t.length / 4), 0) };
}

/**
 * The vector id of a record: SHA-256 of tenant and record ref, base64url (43 characters). Stable,
 * so storing the same record again overwrites its vector (an upsert run twice changes nothing);
 * and it names the tenant, because ids are unique across the whole index and two tenants may hold
 * a record with the same id (`J-3034` in both demo tenants).
 */
export async function vectorIdOf(tenantId: string, ref: string): Promise<string> {
  return toBase64Url(await sha256(`${tenantId}\n${ref}`));
}

/** A Vectorize namespace per tenant: tenant ids are 2–63 characters, under its 64-byte limit. */
export const namespaceOf = (tenantId: string): string => tenantId;
