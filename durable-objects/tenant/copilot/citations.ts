import type { Citation } from "../../../schemas/copilot";
import type { ProviderDraft } from "./provider";
import { refKind } from "./knowledge";
import type { EvidenceRecord } from "./retrieval";
import { sentences, stem, words } from "./text";

/**
 * Turns a provider's claims into citations the caller may trust. A claim survives only if its
 * ref names evidence that was actually given to the provider (an invented or out-of-scope ref is
 * dropped), and its quote is replaced by text that really appears in that record: the claimed
 * quote when it is a verbatim substring, otherwise the record's sentence that best matches the
 * answer. An answer left without a valid citation is not grounded. A document or library chunk
 * (`doc:…`, `kb:…`) is cited the same way: only a chunk retrieved for this caller and question is
 * in `evidence`, so a ref to any other chunk (another tenant's document, a version never given) is dropped.
 */
export function groundDraft(draft: ProviderDraft, evidence: EvidenceRecord[]): { citations: Citation[]; grounded: boolean } {
  const byRef = new Map(evidence.map((e) => [e.ref, e]));
  const citations: Citation[] = [];
  const seen = new Set<string>();
  for (const claim of draft.claims) {
    const record = byRef.get(claim.ref);
    if (!record || seen.has(claim.ref)) continue;
    const quote =
      claim.quote !== undefined && claim.quote.trim() !== "" && record.text.includes(claim.quote)
        ? claim.quote
        : bestSentence(record.text, draft.text);
    if (quote === null) continue;
    seen.add(claim.ref);
    citations.push({ ref: record.ref, kind: refKind(record), jobId: record.jobId, quote });
  }
  return { citations, grounded: !draft.declined && citations.length > 0 };
}

function bestSentence(recordText: string, answer: string): string | null {
  const answerStems = new Set(words(answer).map(stem));
  let best: { text: string; overlap: number } | null = null;
  for (const s of sentences(recordText)) {
    const overlap = words(s.text)
      .map(stem)
      .filter((w) => answerStems.has(w)).length;
    if (!best || overlap > best.overlap) best = { text: s.text, overlap };
  }
  return best && best.overlap > 0 ? best.text : null;
}

/** Refs cited inline as `[kind:id]`, `[doc:<docId>#<chunk>]` or `[kb:<docId>@<version>#<chunk>]` in a model's text, in order of first appearance. */
export function inlineRefs(text: string): string[] {
  const refs: string[] = [];
  const ref =
    /\[((?:job|note|event|client|property):[A-Za-z0-9._:-]{1,128}|doc:[a-z0-9-]{1,64}#[a-z0-9]{1,16}|kb:[a-z0-9-]{1,64}@\d{1,9}#[a-z0-9]{1,16})\]/g;
  for (const match of text.matchAll(ref)) {
    if (match[1] && !refs.includes(match[1])) refs.push(match[1]);
  }
  return refs;
}
