import type { CopilotProvider, ProviderDraft, ProviderInput } from "./provider";
import { approxTokens, NOT_FOUND_ANSWER } from "./provider";
import type { EvidenceRecord } from "./retrieval";
import { sentences, stem, words } from "./text";

/**
 * The default provider: no network, no model. It scores every sentence of the evidence against
 * the question's content words (IDF-weighted over the evidence's sentences), keeps the best
 * sentences from distinct records, and answers with those sentences verbatim, each cited.
 *
 * Grounded only past a real relevance threshold: the best sentence must cover at least
 * MIN_COVERAGE of the question's weighted content words (and two of them when the question has
 * several). A question whose words appear nowhere, or only as incidental single words, gets
 * NOT_FOUND_ANSWER and no citations. Thresholds were set on the question set in
 * test/copilot-quality.test.ts; its precision and recall are in docs/benchmarks.md.
 */
export const MIN_COVERAGE = 0.5;
export const MAX_ANSWER_SENTENCES = 3;
const MAX_SENTENCE_CHARS = 400;

interface ScoredSentence {
  record: EvidenceRecord;
  text: string;
  coverage: number;
  matched: number;
  score: number;
}

export function rankSentences(input: Pick<ProviderInput, "terms" | "evidence">): { ranked: ScoredSentence[]; termCount: number } {
  const terms = input.terms;
  const all: { record: EvidenceRecord; text: string; stems: Set<string>; context: Set<string> }[] = [];
  for (const record of input.evidence) {
    const context = new Set(words(record.context).map(stem));
    for (const s of sentences(record.text)) {
      if (s.text.length > MAX_SENTENCE_CHARS) continue;
      all.push({ record, text: s.text, stems: new Set(words(s.text).map(stem)), context });
    }
  }
  const has = (stems: Set<string>, term: string) => stems.has(term) || (term.length >= 4 && [...stems].some((s) => s.startsWith(term)));
  const idf = new Map<string, number>();
  for (const term of terms) {
    const df = all.filter((s) => has(s.stems, term)).length;
    idf.set(term, Math.log(1 + (all.length + 1) / (df + 0.5)));
  }
  const totalWeight = terms.reduce((sum, t) => sum + (idf.get(t) ?? 0), 0) || 1;
  const ranked = all
    .map(({ record, text, stems, context }) => {
      let weight = 0;
      let matched = 0;
      let inSentence = 0;
      for (const term of terms) {
        if (has(stems, term)) {
          weight += idf.get(term) ?? 0;
          matched++;
          inSentence++;
        } else if (has(context, term)) {
          // A word of the record's job title supports the sentence at half weight.
          weight += (idf.get(term) ?? 0) / 2;
          matched++;
        }
      }
      const coverage = weight / totalWeight;
      // Notes and events say what was found and done; titles and addresses only name things.
      // Longer sentences (up to ~200 characters) carry more of the answer; newer records and the
      // index's rank break ties.
      const kindBonus = record.kind === "note" || record.kind === "event" ? 0.04 : 0;
      const score = coverage + kindBonus + Math.min(0.03, text.length / 6000) + recency(record.at) + record.score / 1000;
      return { record, text, coverage, matched: inSentence === 0 ? 0 : matched, score };
    })
    .filter((s) => s.matched > 0)
    .sort((a, b) => b.score - a.score);
  return { ranked, termCount: terms.length };
}

/** Up to 0.02 for records from the last year, favouring the newest (field work is about the latest visit). */
function recency(at: string | null): number {
  if (at === null) return 0;
  const ageDays = (Date.now() - Date.parse(at)) / 86_400_000;
  return Number.isFinite(ageDays) ? Math.max(0, 0.02 * (1 - ageDays / 365)) : 0;
}

export function isRelevant(best: ScoredSentence | undefined, termCount: number): best is ScoredSentence {
  if (!best) return false;
  return best.coverage >= MIN_COVERAGE && (termCount < 3 || best.matched >= 2);
}

export function extractiveDraft(input: Pick<ProviderInput, "terms" | "evidence">): ProviderDraft {
  const { ranked, termCount } = rankSentences(input);
  const best = ranked[0];
  const evidenceChars = input.evidence.reduce((n, e) => n + e.text.length, 0);
  if (!isRelevant(best, termCount)) {
    return {
      text: NOT_FOUND_ANSWER,
      claims: [],
      declined: true,
      confidence: 0,
      model: null,
      tokensIn: approxTokens(String(evidenceChars)),
      tokensOut: 0,
    };
  }
  // Up to MAX_ANSWER_SENTENCES sentences, at most two from one record (a record's next sentence
  // often holds the detail: "…evaporator coil covered. Claim WC-448213 filed through Ferguson.").
  const chosen: ScoredSentence[] = [];
  const perRecord = new Map<string, number>();
  for (const s of ranked) {
    if (chosen.length === MAX_ANSWER_SENTENCES) break;
    if ((perRecord.get(s.record.ref) ?? 0) >= 2 || s.coverage < best.coverage * 0.6 || !isRelevant(s, termCount)) continue;
    chosen.push(s);
    perRecord.set(s.record.ref, (perRecord.get(s.record.ref) ?? 0) + 1);
  }
  const text = chosen.map((s) => `${s.text} [${s.record.ref}]`).join("\n");
  const confidence = Math.min(1, best.coverage * (0.7 + 0.15 * Math.min(2, chosen.length)));
  return {
    text,
    claims: chosen.map((s) => ({ ref: s.record.ref, quote: s.text })),
    declined: false,
    confidence: Math.round(confidence * 1000) / 1000,
    model: null,
    tokensIn: Math.ceil(evidenceChars / 4),
    tokensOut: Math.ceil(text.length / 4),
  };
}

export const extractiveProvider: CopilotProvider = {
  name: "extractive",
  async answer(input, onDelta) {
    const draft = extractiveDraft(input);
    // Stream it as a model would: a few words per delta.
    for (const chunk of draft.text.match(/\S+\s*/g) ?? []) {
      if (input.signal.aborted) break;
      onDelta(chunk);
    }
    return draft;
  },
};
