import { libraryRef } from "../../../schemas/library";
import type { RetrievedChunk } from "../../../schemas/search";
import { retrieveChunks } from "../../knowledge/retrieve";
import { knowledgeLibrary } from "../../knowledge/stub";
import type { Db } from "../data/db";
import { usage } from "../data/usage";
import { byStems, indexQuery } from "./index-hits";
import type { EvidenceRecord, RetrievedEvidence } from "./retrieval";

/**
 * Manuals as evidence: chunks of the tenant's own documents (`doc:<docId>#<chunk>`, in this
 * object's SQLite) and of the shared library (`kb:<docId>@<version>#<chunk>`, another object,
 * called over RPC), found with the same index words as the records and ranked again by the whole
 * stems, then turned into evidence the providers quote exactly like a note.
 *
 * The library is a remote call on the copilot's path to its first delta, so it is bounded:
 * LIBRARY_TIMEOUT_MS, after which (or on any failure) the answer is made from records and
 * documents alone and the outcome says `degraded` (metered as `library.degraded`, as the semantic
 * path meters its own). It starts before the records are read, so its latency overlaps theirs.
 */
export type KnowledgeSource = "documents" | "library";

/** Chunks asked of each source, before they are ranked again by the whole stems. */
const CHUNK_POOL = 24;
/** At most this many chunks join a question's evidence (both sources together). */
export const KNOWLEDGE_EVIDENCE = 6;
/**
 * The library's time budget. The call answers in a few milliseconds (measured in the quality
 * suite, 480 calls on a loaded machine: p50 5 ms, p99 22 ms, max 41 ms); 300 ms is many times that,
 * so only a library in trouble hits it, and a stalled library costs an answer at most this much.
 */
export const LIBRARY_TIMEOUT_MS = 300;

/** A call to the library within LIBRARY_TIMEOUT_MS: its value, or why there is none (never throws). */
export async function withinLibraryBudget<T>(
  call: () => Promise<T>,
  timeoutMs = LIBRARY_TIMEOUT_MS,
): Promise<{ value: T } | { failed: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ failed: string }>((resolve) => {
    timer = setTimeout(() => resolve({ failed: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([call().then((value) => ({ value })), timeout]);
  } catch (error) {
    return { failed: String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export interface KnowledgeChunk extends RetrievedChunk {
  source: KnowledgeSource;
  ref: string;
  matchedTerms: number;
}

export interface LibraryOutcome {
  /** Whether the library was asked at all (a question with no index words is not). */
  called: boolean;
  chunks: KnowledgeChunk[];
  degraded: boolean;
  /** How long the call took (the timeout when it did not answer). */
  ms: number;
}

export const documentRef = (docId: string, chunkId: string): string => `doc:${docId}#${chunkId}`;

/** The tenant's own documents' best chunks for a question's terms (none when it has none). */
export function documentChunks(db: Db, terms: string[]): KnowledgeChunk[] {
  const { query, wanted } = indexQuery(terms);
  if (query.length === 0) return [];
  return restem(retrieveChunks(db, { terms: query, limit: CHUNK_POOL }), wanted, "documents");
}

/** Anything the library RPC can be: the real stub, or a test's stand-in for a failing or slow library. */
export interface LibraryReader {
  retrieve(query: unknown): Promise<{ ok: true; value: RetrievedChunk[] } | { ok: false; error: unknown }>;
}

export function libraryReader(env: Env): LibraryReader {
  return knowledgeLibrary(env) as unknown as LibraryReader;
}

/** The library's best chunks for a question's terms, within `timeoutMs`; never throws. */
export async function libraryChunks(library: LibraryReader, terms: string[], timeoutMs = LIBRARY_TIMEOUT_MS): Promise<LibraryOutcome> {
  const { query, wanted } = indexQuery(terms);
  if (query.length === 0) return { called: false, chunks: [], degraded: false, ms: 0 };
  const started = Date.now();
  const outcome = await withinLibraryBudget(() => library.retrieve({ terms: query, limit: CHUNK_POOL }), timeoutMs);
  const ms = Date.now() - started;
  if ("value" in outcome && outcome.value.ok)
    return { called: true, chunks: restem(outcome.value.value, wanted, "library"), degraded: false, ms };
  warn("failed" in outcome ? outcome.failed : "the library refused the query", ms);
  return { called: true, chunks: [], degraded: true, ms };
}

/** Usage counters of a library call (GET /v1/admin/usage: `library`). */
export function meterLibrary(db: Db, day: string, outcome: LibraryOutcome): void {
  if (!outcome.called) return;
  usage.add(db, day, "library.calls", 1);
  usage.add(db, day, "library.latency_ms", outcome.ms);
  if (outcome.degraded) usage.add(db, day, "library.degraded", 1);
}

function warn(error: string, ms: number): void {
  console.warn(JSON.stringify({ level: "warn", msg: "knowledge library unavailable; answering from records and documents", error, ms }));
}

/** Chunks ranked again by the whole stems (as the records' hits are), each with its ref. */
function restem(chunks: RetrievedChunk[], wanted: Parameters<typeof byStems>[1], source: KnowledgeSource): KnowledgeChunk[] {
  const out: KnowledgeChunk[] = [];
  for (const chunk of chunks) {
    const restemmed = byStems({ text: `${chunk.title}\n${chunk.heading ?? ""}\n${chunk.text}`, score: chunk.score }, wanted);
    if (!restemmed) continue;
    const ref = source === "library" ? libraryRef(chunk.docId, chunk.version, chunk.chunkId) : documentRef(chunk.docId, chunk.chunkId);
    out.push({ ...chunk, ...restemmed, source, ref });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Chunks as evidence. A chunk reads like a note to the providers (prose a person wrote, cut into
 * sentences, quoted verbatim); it belongs to no job, and its context (words a provider may match
 * but never quotes) is its document's title and its heading.
 */
export function chunkEvidence(chunk: KnowledgeChunk): EvidenceRecord {
  return {
    ref: chunk.ref,
    kind: "note",
    id: chunk.ref.slice(chunk.ref.indexOf(":") + 1),
    jobId: null,
    at: null,
    text: chunk.text,
    context: [chunk.title, chunk.heading ?? ""].filter((s) => s !== "").join("\n"),
    score: chunk.score,
  };
}

/** What a cited ref is: a record's kind, or `document`/`library` for a chunk. */
export function refKind(record: EvidenceRecord): EvidenceRecord["kind"] | "document" | "library" {
  if (record.ref.startsWith("doc:")) return "document";
  if (record.ref.startsWith("kb:")) return "library";
  return record.kind;
}

/** A question naming one of the tenant's records takes at most this many chunks (and only when the records have none of its words). */
const KNOWLEDGE_ON_RECORDS = 2;

/**
 * The records' evidence with the best chunks of both sources after it.
 *   - A question on a job (`jobId`) is answered from the job's records: "what's the gas pressure?"
 *     on a job asks for the job's reading, not a manual's setting (the tuning set's J-3034 case).
 *     The job's manuals reach the technician through the brief's Manuals section (brief-manuals.ts).
 *   - A question that asks what happened ("what was found", "did we") is answered from the records
 *     alone: a manual never says it.
 *   - A question naming a job, client or property (retrieval.ts) takes a chunk only when no record
 *     hit has any of its words and the chunk has all of them, at most KNOWLEDGE_ON_RECORDS.
 *   - Any other question takes the best KNOWLEDGE_EVIDENCE chunks, documents and library merged by
 *     score (one scale: words matched plus a BM25 part), and the provider picks among records and
 *     chunks alike.
 */
export function withKnowledge(retrieved: RetrievedEvidence, chunks: KnowledgeChunk[]): EvidenceRecord[] {
  const { onJob, namesRecord, askedWhatHappened, bestMatched } = retrieved.focus;
  if (retrieved.terms.length === 0 || onJob || askedWhatHappened) return retrieved.evidence;
  const ranked = [...chunks].sort((a, b) => b.score - a.score || Number(a.source === "library") - Number(b.source === "library"));
  const words = indexQuery(retrieved.terms).wanted.length;
  const kept = namesRecord
    ? ranked.filter((c) => bestMatched === 0 && c.matchedTerms === words).slice(0, KNOWLEDGE_ON_RECORDS)
    : ranked.slice(0, KNOWLEDGE_EVIDENCE);
  return [...retrieved.evidence, ...kept.map(chunkEvidence)];
}
