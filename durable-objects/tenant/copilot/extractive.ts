import type { CopilotProvider, ProviderDraft, ProviderInput } from "./provider";
import { approxTokens, NOT_FOUND_ANSWER } from "./provider";
import { clausesOf, isAnswerPart, isConcept } from "./lexicon";
import { isRelevant, MIN_ASKED_COVERAGE, rankSentences, type ScoredSentence } from "./ranking";

/**
 * The default provider: no network, no model. It cuts the evidence into passages (sentences, and
 * pairs of adjacent sentences of one record, so "…coil covered. Claim WC-448213 filed." can be
 * one answer), scores each against the question's terms (IDF-weighted over the evidence), and
 * answers with the best passages verbatim, each cited.
 *
 * Passages are cut in passages.ts and ranked in ranking.ts (which also decides when one is an
 * answer at all); this module assembles the answer from the ranking, one passage per line with its
 * citation, and streams it a few words per delta as a model would.
 */
export const MAX_ANSWER_SENTENCES = 3;
/** A further answer sentence must score at least this share of the best one. */
const SUPPORT_RATIO = 0.75;

export function extractiveDraft(input: Pick<ProviderInput, "terms" | "evidence">): ProviderDraft {
  const { whole, clauses } = clausesOf(input.terms);
  const { ranked, termCount, wanted } = rankSentences({ terms: whole, evidence: input.evidence });
  const evidenceChars = input.evidence.reduce((n, e) => n + e.text.length, 0);
  const tokensIn = Math.ceil(evidenceChars / 4);
  const best = ranked.find((s) => isRelevant(s, termCount));
  let chosen: ScoredSentence[];
  if (best) {
    // The best passage, then up to MAX_ANSWER_SENTENCES - 1 more from other records that score
    // nearly as well (another visit to the same unit, the event that logged the same repair).
    chosen = [best];
    for (const s of ranked) {
      if (chosen.length === MAX_ANSWER_SENTENCES || s.score < best.score * SUPPORT_RATIO) break;
      if (s === best || !isRelevant(s, termCount)) continue;
      // One passage per record (a pair already joins a record's neighbouring sentences), and no repeats.
      if (chosen.some((c) => c.record === s.record || flat(c.text) === flat(s.text))) continue;
      chosen.push(s);
    }
    complete(chosen, ranked, wanted);
    if (clauses.length > 1) completeClauses(chosen, clauses, input.evidence);
  } else {
    // A question of two clauses that no one passage answers may be answered by two records of
    // one job, each answering one clause on its own.
    const byClause = clauses.length > 1 ? clauseAnswers(clauses, input.evidence) : null;
    if (byClause) chosen = [...byClause];
    else return { text: NOT_FOUND_ANSWER, claims: [], declined: true, confidence: 0, model: null, tokensIn, tokensOut: 0 };
  }
  const text = chosen.map((s) => `${display(s)} [${s.record.ref}]`).join("\n");
  const corroboration = Math.min(1, 0.85 + 0.05 * chosen.length);
  const lead = chosen[0] ?? { coverage: 0, asked: 0 };
  const confidence = Math.min(1, (0.6 * lead.coverage + 0.4 * lead.asked) * corroboration);
  return {
    text,
    claims: chosen.map((s) => ({ ref: s.record.ref, quote: s.text })),
    declined: false,
    confidence: Math.round(confidence * 1000) / 1000,
    model: null,
    tokensIn,
    tokensOut: approxTokens(text),
  };
}

/**
 * An answer split over records: when the chosen passages leave a need or an answer part the
 * question asks for unsaid (a concept, or the reason), the best passage of another record of the
 * same job that says it, and is about what the question names, joins the answer (in place of a
 * passage that says nothing of its own when the answer is full). "Why does the contactor keep
 * failing, and what does the coil voltage drop to?" cites the reading's note and the reason's.
 */
function complete(chosen: ScoredSentence[], ranked: ScoredSentence[], wanted: string[]): void {
  const best = chosen[0];
  if (!best || best.record.jobId === null) return;
  const said = (list: ScoredSentence[]) => new Set(list.flatMap((s) => [...s.says]));
  // What a question asks for in other words than a record's (a need, a reason): the terms it
  // shares with records already chose the passages.
  const missing = wanted.filter((t) => (isAnswerPart(t) || isConcept(t)) && !said(chosen).has(t));
  if (missing.length === 0) return;
  const extra = ranked.find(
    (s) =>
      s.onTopic && s.record.jobId === best.record.jobId && !chosen.some((c) => c.record === s.record) && missing.some((t) => s.says.has(t)),
  );
  if (!extra) return;
  if (chosen.length === MAX_ANSWER_SENTENCES) {
    // The latest passage after the best that says nothing only it says makes room; if each says
    // something of its own, the answer stays as it is.
    const spare = chosen.findLastIndex(
      (c, i) => i > 0 && ![...c.says].some((t) => missing.includes(t) || !said(chosen.filter((o) => o !== c)).has(t)),
    );
    if (spare < 0) return;
    chosen.splice(spare, 1);
  }
  chosen.push(extra);
}

/** Each clause's passages that are an answer to it on its own, best first. */
function clauseRankings(
  clauses: string[][],
  evidence: ProviderInput["evidence"],
): { relevant: ScoredSentence[]; ranked: ScoredSentence[] }[] {
  return clauses.map((terms) => {
    const { ranked, termCount } = rankSentences({ terms, evidence });
    return { relevant: ranked.filter((s) => isRelevant(s, termCount)), ranked };
  });
}

/**
 * On the job the other clause's answer is about, a clause is answered by a passage that says most
 * of what it asks in its own text ("… and how low does the gas go?": the pressure reading), even
 * with one term of two: the job already says what it is about.
 */
const answersOnJob = (s: ScoredSentence) => s.askedInText && s.asked >= MIN_ASKED_COVERAGE && s.matched >= 1;

const overlaps = (a: ScoredSentence, b: ScoredSentence) => a.record === b.record && a.start < b.end && b.start < a.end;

/**
 * A question of two clauses answered by one passage for both ("why wouldn't the pilot stay lit,
 * and how hot was the tap after?" answered by the pilot's note): a clause none of the chosen
 * passages answers on its own is answered by the best passage of another record of the same job
 * that does (in the last place when the answer is full).
 */
function completeClauses(chosen: ScoredSentence[], clauses: string[][], evidence: ProviderInput["evidence"]): void {
  const best = chosen[0];
  if (!best || best.record.jobId === null) return;
  for (const { relevant, ranked } of clauseRankings(clauses, evidence)) {
    if (relevant.some((s) => chosen.some((c) => overlaps(s, c)))) continue;
    const extra = ranked.find((s) => s.record.jobId === best.record.jobId && answersOnJob(s) && !chosen.some((c) => c.record === s.record));
    if (!extra) continue;
    if (chosen.length === MAX_ANSWER_SENTENCES) chosen.pop();
    chosen.push(extra);
  }
}

/**
 * Two records of one job that answer a question's two clauses, each clause on its own ("why did
 * the RCD trip" and "what did circuit 3 measure"): the first clause's best relevant passage, and
 * the best passage of another record of the same job relevant to the second (or the other way
 * round when the second clause names the place). Null unless both clauses are answered.
 */
function clauseAnswers(clauses: string[][], evidence: ProviderInput["evidence"]): [ScoredSentence, ScoredSentence] | null {
  const rankings = clauseRankings(clauses, evidence);
  for (const [lead, then] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const first = rankings[lead]?.relevant[0];
    if (!first || first.record.jobId === null) continue;
    const second = rankings[then]?.ranked.find(
      (s) => s.record.jobId === first.record.jobId && answersOnJob(s) && s.record !== first.record,
    );
    if (second) return lead === 0 ? [first, second] : [second, first];
  }
  return null;
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

/** How an answer line reads: sentences as written (on one line), event data as "key value" pairs. */
function display(s: ScoredSentence): string {
  if (s.record.kind === "event") {
    const type = s.record.text.split("\n", 1)[0] ?? "";
    try {
      const data: unknown = JSON.parse(s.text);
      if (data !== null && typeof data === "object" && !Array.isArray(data)) {
        const fields = Object.entries(data as Record<string, unknown>).map(
          ([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`,
        );
        return `${type}: ${fields.join("; ")}`;
      }
    } catch {
      // Not JSON: shown as written.
    }
  }
  return flat(s.text);
}

const flat = (text: string) => text.replace(/\s+/g, " ").trim();
