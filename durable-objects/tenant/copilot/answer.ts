import type { Citation } from "../../../schemas/copilot";
import type { Db } from "../data/db";
import type { JobRow } from "../data/jobs";
import type { RankedHit } from "../data/search";
import type { Visibility } from "../visibility";
import { groundDraft } from "./citations";
import { extractiveProvider } from "./extractive";
import { NOT_FOUND_ANSWER, type CopilotProvider, type ProviderDraft } from "./provider";
import { retrieveEvidence } from "./retrieval";

/**
 * One copilot answer, provider-independent: retrieve what the caller may read, let the provider
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
  provider: CopilotProvider;
  signal: AbortSignal;
  onDelta: (text: string) => void;
}

export async function composeAnswer(o: ComposeOptions): Promise<ComposedAnswer> {
  const { terms, evidence } = retrieveEvidence(o.db, o.question, o.visibility, o.job, o.vectorHits);
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
