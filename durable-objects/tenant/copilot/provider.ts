import type { EvidenceRecord } from "./retrieval";

/**
 * The one interface every answer provider implements (extractive, OpenAI-compatible, Workers AI).
 * A provider turns evidence into a draft: text streamed through `onDelta`, and the claims it
 * makes as `{ref, quote?}`. It never decides what counts as grounded: citations.ts validates
 * every claim against the evidence actually given.
 */
export interface ProviderInput {
  question: string;
  /** Content words of the question (stemmed). */
  terms: string[];
  evidence: EvidenceRecord[];
  signal: AbortSignal;
}

export interface ProviderDraft {
  text: string;
  claims: { ref: string; quote?: string }[];
  /** The provider's own judgement that the evidence does not answer the question. */
  declined: boolean;
  confidence: number | null;
  model: string | null;
  tokensIn: number;
  tokensOut: number;
}

export interface CopilotProvider {
  readonly name: string;
  answer(input: ProviderInput, onDelta: (text: string) => void): Promise<ProviderDraft>;
}

/** What every ungrounded answer says: plainly that the records do not say it, never a guess. */
export const NOT_FOUND_ANSWER = "I could not find anything in the records you can access that answers this.";

/** Rough token count for providers that report none (≈ 4 characters per token). */
export const approxTokens = (text: string): number => Math.ceil(text.length / 4);
