import type { BriefSentence } from "../../../schemas/brief";
import type { Citation } from "../../../schemas/copilot";
import type { JobRow } from "../data/jobs";
import { MAX_QUOTE_CHARS } from "./brief-rules";
import { type KnowledgeChunk } from "./knowledge";
import { questionTerms } from "./lexicon";
import { evidenceTerms, sentences } from "./text";

/**
 * The brief's Manuals section: what the tenant's own documents and the shared library say about
 * the job's equipment and fault. The job's title and description are the query (knowledge.ts
 * searches both sources with them); a chunk that shares at least MIN_JOB_WORDS whole words (stems)
 * with them is about this job, and the best MANUAL_CHUNKS of those (the tenant's documents first on a tie) each
 * give their MANUAL_SENTENCES sentences (written on one line) that share most words with the job,
 * quoted verbatim and cited `doc:…` or `kb:…`. Deterministic for the same records and documents.
 */
export const MANUAL_CHUNKS = 3;
const MANUAL_SENTENCES = 2;
const MIN_JOB_WORDS = 2;

export interface ManualLine extends BriefSentence {
  citation: Citation;
}

/** The words a job's manuals are searched with. */
export function jobTerms(job: JobRow): string[] {
  return questionTerms(`${job.title}\n${job.description ?? ""}`);
}

export function manualLines(job: JobRow, chunks: KnowledgeChunk[]): ManualLine[] {
  // Words of four letters or more ("two", "out" and tags' digits name no equipment).
  const about = new Set([...evidenceTerms(`${job.title}\n${job.description ?? ""}`)].filter((t) => t.length >= 4));
  // Whole stems, not the index's prefixes: "two coats" must not meet "a coated probe" and "two-storey".
  const shares = (c: KnowledgeChunk) => [...evidenceTerms(`${c.title}\n${c.heading ?? ""}\n${c.text}`)].filter((t) => about.has(t)).length;
  const chosen = chunks
    .filter((c) => shares(c) >= MIN_JOB_WORDS)
    .sort((a, b) => b.score - a.score || Number(a.source === "library") - Number(b.source === "library") || a.ref.localeCompare(b.ref))
    .slice(0, MANUAL_CHUNKS);
  const out: ManualLine[] = [];
  for (const chunk of chosen) {
    const scored = sentences(chunk.text)
      .map((s, i) => ({ text: quoteOf(s.text), i, shared: [...evidenceTerms(s.text)].filter((t) => about.has(t)).length }))
      // A sentence wrapped over lines would break the brief's one-line-per-sentence text: quoted only when on one line.
      .filter((s) => s.shared > 0 && !s.text.includes("\n") && chunk.text.includes(s.text) && !s.text.startsWith("#"));
    const best = scored.sort((a, b) => b.shared - a.shared || a.i - b.i).slice(0, MANUAL_SENTENCES);
    for (const s of best.sort((a, b) => a.i - b.i)) {
      const where = chunk.heading ? `${chunk.title}, ${chunk.heading}` : chunk.title;
      out.push({
        text: `${where}: “${s.text}”`,
        citation: { ref: chunk.ref, kind: chunk.source === "library" ? "library" : "document", jobId: null, quote: s.text },
      });
    }
  }
  return out;
}

/** A sentence cut to MAX_QUOTE_CHARS at a word boundary (still a verbatim substring). */
function quoteOf(sentence: string): string {
  const s = sentence.trim();
  if (s.length <= MAX_QUOTE_CHARS) return s;
  const cut = s.slice(0, MAX_QUOTE_CHARS);
  return cut.slice(0, Math.max(cut.lastIndexOf(" "), 1)).trimEnd();
}
