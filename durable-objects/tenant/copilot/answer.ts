import type { Citation } from "../../../schemas/copilot";
import type { Db } from "../data/db";
import type { JobRow } from "../data/jobs";
import type { RankedHit } from "../data/search";
import type { Visibility } from "../visibility";
import { groundDraft } from "./citations";
import { extractiveProvider } from "./extractive";
import { NOT_FOUND_ANSWER, type CopilotProvider, type ProviderDraft } from "./provider";
import { documentChunks, withKnowledge, type LibraryOutcome } from "./knowledge";
import { retrieveEvidence, type EvidenceRecord } from "./retrieval";

/**
 * One copilot answer, provider-independent: retrieve what the caller may read (records under their
 * visibility, the tenant's documents, the shared library's chunks: knowledge.ts), let the provider
 * draft, keep only claims that cite evidence actually given (quotes verbatim), and say plainly
 * when nothing supports an answer. A failing provider falls back to the extractive one, flagged
 * `degraded`, so a caller always gets an answer or an error, never a hang.
 */
export interface ComposedAnswer {
  answer: string;
  citations: Citation[];
  grounded: boolean;
  confidence: number;
  provider: string;
  model: string | null;
  tokensIn: number;
  tokensOut: number;
  degraded: boolean;
}

export interface ComposeOptions {
  db: Db;
  question: string;
  visibility: Visibility;
  job: JobRow | null;
  /** The question's vector hits, already checked against the caller's visibility (copilot/semantic.ts); none when semantic retrieval is off. */
  vectorHits?: RankedHit[];
  /** The library's chunks for the question, already asked for (the call overlaps retrieval); none when absent. */
  library?: Promise<LibraryOutcome>;
  provider: CopilotProvider;
  signal: AbortSignal;
  onDelta: (text: string) => void;
}

/**
 * The evidence of one question: the caller's records, then the chunks of the tenant's documents
 * and of the library that join them (knowledge.ts decides which). Every member who may ask reads
 * the tenant's documents and the library (service identities ask nothing).
 */
export async function gatherEvidence(
  o: Pick<ComposeOptions, "db" | "question" | "visibility" | "job" | "vectorHits" | "library">,
): Promise<{ terms: string[]; evidence: EvidenceRecord[] }> {
  const retrieved = retrieveEvidence(o.db, o.question, o.visibility, o.job, o.vectorHits);
  const documents = documentChunks(o.db, retrieved.terms);
  const library = o.library ? await o.library : null;
  return { terms: retrieved.terms, evidence: withKnowledge(retrieved, [...documents, ...(library?.chunks ?? [])]) };
}

export async function composeAnswer(o: ComposeOptions): Promise<ComposedAnswer> {
  const { terms, evidence } = await gatherEvidence(o);
  if (evidence.length === 0) {
    o.onDelta(NOT_FOUND_ANSWER);
    return ungrounded(o.provider.name, null, 0, false);
  }
  let provider = o.provider;
  let degraded = false;
  let streamed = false;
  const onDelta = (text: string) => {
    streamed = true;
    o.onDelta(text);
  };
  let draft: ProviderDraft;
  try {
    draft = await provider.answer({ question: o.question, terms, evidence, signal: o.signal }, onDelta);
  } catch (error) {
    if (provider === extractiveProvider || o.signal.aborted) throw error;
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "copilot provider failed; answering extractively",
        provider: provider.name,
        error: String(error),
      }),
    );
    provider = extractiveProvider;
    degraded = true;
    // Deltas already sent belong to the failed answer: the fallback streams nothing more, and the
    // final answer (flagged degraded) is what the client shows. Streamed text is provisional; the
    // `answer` message is authoritative (it also differs when a draft turns out ungrounded).
    draft = await provider.answer({ question: o.question, terms, evidence, signal: o.signal }, streamed ? () => {} : onDelta);
  }
  const { citations, grounded } = groundDraft(draft, evidence);
  if (!grounded) return { ...ungrounded(provider.name, draft.model, draft.tokensIn, degraded), tokensOut: draft.tokensOut };
  return {
    answer: draft.text,
    citations,
    grounded: true,
    confidence: clamp(draft.confidence ?? citations.length / (citations.length + 1)),
    provider: provider.name,
    model: draft.model,
    tokensIn: draft.tokensIn,
    tokensOut: draft.tokensOut,
    degraded,
  };
}

function ungrounded(provider: string, model: string | null, tokensIn: number, degraded: boolean): ComposedAnswer {
  return { answer: NOT_FOUND_ANSWER, citations: [], grounded: false, confidence: 0, provider, model, tokensIn, tokensOut: 0, degraded };
}

const clamp = (v: number) => Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * 1000) / 1000;
